// The one place <jsongle-connection> turns its attributes into a Transport.
import { JsongleError } from '../../src/errors.ts';
import { createBroadcastChannelTransport } from '../../src/transport/broadcast-channel.ts';
import { createSocketIoTransport, type SocketIoConnect } from '../../src/transport/socket-io.ts';
import type { Transport } from '../../src/transport/transport.ts';
import { createWebSocketTransport } from '../../src/transport/websocket.ts';

export type TransportKind = 'websocket' | 'broadcast-channel' | 'socket.io';
export const TRANSPORT_KINDS: readonly TransportKind[] = ['websocket', 'broadcast-channel', 'socket.io'];

export interface TransportOptions {
  url: string;
  /** For socket.io, the reference server's application token (`auth.appToken`). */
  token: string;
  channel: string;
  /** socket.io-client's `io` (default: `globalThis.io`, from the page's Socket.IO client script). */
  io?: SocketIoConnect | null;
}

/** What each kind needs before it can connect. */
export function missing(kind: TransportKind, options: TransportOptions, user: string): string[] {
  const need: string[] = [];
  if (kind === 'broadcast-channel') {
    if (!user) need.push('user');
  } else if (!options.url) need.push('url');
  return need;
}

export function createTransport(kind: TransportKind, options: TransportOptions): Transport {
  switch (kind) {
    case 'broadcast-channel':
      return createBroadcastChannelTransport(options.channel || 'jsongle');
    case 'websocket':
      // Reconnects by itself (backoff) and queues what is sent meanwhile. The token goes in the hello
      // answer (the client's), not in the URL, where proxies log it.
      return createWebSocketTransport({ url: options.url });
    case 'socket.io': {
      const io = options.io ?? ((globalThis as { io?: SocketIoConnect }).io);
      if (typeof io !== 'function') {
        throw new JsongleError('transport', "transport='socket.io' needs socket.io-client: load its script (window.io) or set the element's `io` property");
      }
      return createSocketIoTransport({ io, url: options.url, token: options.token || undefined });
    }
    default:
      throw new JsongleError('invalid-argument', `Unknown transport '${String(kind)}': expected ${TRANSPORT_KINDS.join(', ')}`, { argument: 'transport' });
  }
}
