// 'jsongle-elements/transports': the ready transports (DOM-free; each takes what it needs from globalThis).
export { createMemoryPair, type MemoryTransport } from './transport/memory.ts';
export { createBroadcastChannelTransport } from './transport/broadcast-channel.ts';
export type { Transport, TransportState, TransportHandlers } from './transport/transport.ts';
export { createWebSocketTransport } from './transport/websocket.ts';
export type { WebSocketTransport, WebSocketTransportOptions, WebSocketLike, WebSocketConstructor } from './transport/websocket.ts';
export { createSocketIoTransport, SOCKET_IO_EVENT } from './transport/socket-io.ts';
export type { SocketIoTransportOptions, SocketIoSocket, SocketIoConnect } from './transport/socket-io.ts';
export { backoffDelay, type BackoffOptions } from './transport/backoff.ts';
