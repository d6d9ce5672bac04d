// Adapter for the reference JSONgle server, which speaks Socket.IO: one event, `jsongle`, carrying
// message objects, and the application token in the handshake's `auth.appToken`. Socket.IO itself
// reconnects; this adapter maps its events to our states and queues around the hello like the
// WebSocket transport. `socket.io-client` is an optional peer dependency: pass its `io` function.
import type { JsongleMessage } from '../protocol/messages.ts';
import { createGate } from './gate.ts';
import type { Transport, TransportHandlers, TransportState } from './transport.ts';

/** What this adapter uses of a socket.io-client Socket. */
export interface SocketIoSocket {
  on(event: string, listener: (...args: any[]) => void): unknown;
  emit(event: string, ...args: any[]): unknown;
  disconnect(): unknown;
  /** False once Socket.IO gave up (a refusal by the server's middleware, or disconnect()). */
  readonly active: boolean;
  readonly io: { on(event: string, listener: (...args: any[]) => void): unknown };
}
export type SocketIoConnect = (url: string, options: Record<string, unknown>) => SocketIoSocket;

export interface SocketIoTransportOptions {
  /** `io` from `socket.io-client`. */
  io: SocketIoConnect;
  url: string;
  /** The reference server's application token (`auth.appToken`). */
  token?: string;
  /** Extra options for io() (path, transports…). */
  options?: Record<string, unknown>;
  awaitHello?: boolean;
  maxQueue?: number;
}

export const SOCKET_IO_EVENT = 'jsongle';

export function createSocketIoTransport(o: SocketIoTransportOptions): Transport {
  const gate = createGate(o.awaitHello ?? true, o.maxQueue ?? 1000);
  let handlers: TransportHandlers | undefined;
  let state: TransportState = 'connecting';
  let socket: SocketIoSocket | undefined;
  const set = (next: TransportState) => {
    if (next === state || state === 'closed') return;
    state = next;
    handlers?.state?.(next);
  };
  const connect = () => {
    const s = (socket = o.io(o.url, { ...o.options, auth: { appToken: o.token ?? '' } }));
    s.on('connect', () => {
      set('open');
      gate.up((m) => s.emit(SOCKET_IO_EVENT, m));
    });
    s.on(SOCKET_IO_EVENT, (m: unknown) => handlers?.message(m));
    s.on('disconnect', () => {
      gate.down();
      set('reconnecting');
    });
    // Refused by the server (bad token): Socket.IO does not retry, so neither do we.
    s.on('connect_error', () => set(s.active ? 'reconnecting' : 'closed'));
    s.io.on('reconnect_attempt', () => set('reconnecting'));
  };
  return {
    name: 'socket.io',
    get state() { return state; },
    send(m: JsongleMessage, options?: { queue?: boolean }) {
      if (state === 'closed') throw new Error('The Socket.IO transport is closed');
      gate.send(m, options?.queue ?? true);
    },
    receive(h) {
      const first = !handlers;
      handlers = h;
      if (first && !socket) {
        h.state?.('connecting');
        connect();
      }
    },
    close() {
      gate.clear();
      set('closed');
      socket?.disconnect(); // also after a refusal: releases the Manager's resources
    },
  };
}
