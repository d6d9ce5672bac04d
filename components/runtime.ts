// The autoloader's shared chunk: what every element uses (lit, the core client, the base element and
// its helpers), in one file rather than in one chunk per combination of elements, which a browser
// would fetch and decompress one by one. scripts/bundles.mjs builds it first; the elements' chunks
// import these modules from it.
export * from 'lit';
export { EventEmitter } from 'eventemitter3';
export * from '../src/client.ts';
export * from '../src/errors.ts';
export * from '../src/call/call.ts';
export * from '../src/call/ticket.ts';
export * from '../src/call/transition.ts';
export * from '../src/protocol/build.ts';
export * from '../src/protocol/messages.ts';
export * from './events.ts';
export * from './internal/base.ts';
export * from './internal/client-controller.ts';
export * from './internal/context.ts';
export * from './internal/define.ts';
export * from './internal/format.ts';
export * from './internal/icons.ts';
export * from './internal/styles.ts';
export * from './translations/index.ts';
