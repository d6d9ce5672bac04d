// 'jsongle-elements/transports': the ready transports (DOM-free; each takes what it needs from globalThis).
export { createMemoryPair, type MemoryTransport } from './transport/memory.ts';
export { createBroadcastChannelTransport } from './transport/broadcast-channel.ts';
export type { Transport, TransportState, TransportHandlers } from './transport/transport.ts';
