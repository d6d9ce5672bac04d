// The shared protocol: message types, builders, decoding. Imported by the client and the server.
export * from './messages.ts';
export * from './codes.ts';
export * from './build.ts';
export * from './parse.ts';
