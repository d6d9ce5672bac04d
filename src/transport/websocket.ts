// The WebSocket transport: the browser's WebSocket, or any constructor of the same shape (the `ws`
// package in Node) passed as an option. Reconnects with backoff until close(); messages sent while
// disconnected are queued and flushed, in order, once the new connection has said hello.
// DOM-free: the socket is typed by the little of it that is used.
import { uuid } from '../protocol/build.ts';
import type { JsongleMessage } from '../protocol/messages.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { createGate } from './gate.ts';
import type { Transport, TransportHandlers, TransportState } from './transport.ts';

/** What this transport uses of a WebSocket; the browser's and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface WebSocketTransportOptions {
  /** The server's endpoint, e.g. `wss://example.org/ws`. */
  url: string;
  /** The application token, sent as `?token=`. */
  token?: string;
  /** The WebSocket constructor (default: `globalThis.WebSocket`); in Node pass `WebSocket` from `ws`. */
  WebSocket?: WebSocketConstructor;
  /** Reconnect after the connection is lost (default true). */
  reconnect?: boolean;
  backoff?: BackoffOptions;
  /** Hold queued messages until the hello answer is sent (default true; false for servers without the handshake). */
  awaitHello?: boolean;
  /** Messages kept while disconnected (default 1000); beyond that send() throws. */
  maxQueue?: number;
}

const OPEN = 1;

export interface WebSocketTransport extends Transport {
  /** How many reconnections were attempted since the last successful open. */
  readonly attempts: number;
}

export function createWebSocketTransport(options: WebSocketTransportOptions | string): WebSocketTransport {
  const o = typeof options === 'string' ? { url: options } : options;
  const Ctor = o.WebSocket ?? ((globalThis as any).WebSocket as WebSocketConstructor | undefined);
  if (typeof Ctor !== 'function') throw new TypeError('No WebSocket in this environment: pass options.WebSocket');
  const url = o.token ? `${o.url}${o.url.includes('?') ? '&' : '?'}token=${encodeURIComponent(o.token)}` : o.url;
  const gate = createGate(o.awaitHello ?? true, o.maxQueue ?? 1000);
  let handlers: TransportHandlers | undefined;
  let state: TransportState = 'connecting';
  let socket: WebSocketLike | undefined;
  let timer: unknown;
  let attempts = 0;
  const timers = o.backoff?.timers ?? globalThis;
  /** pause(): do not reconnect (see Transport.pause); closed: close() was called. */
  let paused = false;
  let closed = false;
  // The same for every connection of this transport: a reconnection within the server's grace keeps the calls and rooms.
  const resume = uuid();

  const set = (next: TransportState) => {
    if (next === state) return;
    state = next;
    handlers?.state?.(next);
  };
  const retry = () => {
    set('reconnecting');
    timer = timers.setTimeout(connect, backoffDelay(attempts++, o.backoff));
  };
  function connect() {
    let ws: WebSocketLike;
    try {
      ws = new Ctor!(url);
    } catch (e) {
      if (!socket && attempts === 0 && state === 'connecting') throw e; // a bad URL: tell the caller now
      return retry();
    }
    socket = ws;
    ws.onopen = () => {
      attempts = 0;
      set('open');
      gate.up((m) => ws.send(JSON.stringify(m)));
    };
    ws.onmessage = (event) => handlers?.message(event.data);
    ws.onerror = () => {}; // a close event always follows; Node's `ws` would throw without a listener
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = undefined;
      gate.down();
      if (state === 'closed') return;
      if (o.reconnect === false || paused) return set('closed');
      retry();
    };
  }

  return {
    name: 'websocket',
    resumeId: resume,
    get state() { return state; },
    get attempts() { return attempts; },
    send(m: JsongleMessage, options?: { queue?: boolean }) {
      if (closed || (state === 'closed' && !paused)) throw new Error('The WebSocket transport is closed');
      if (socket && socket.readyState !== OPEN) gate.down(); // closing: queue until the next connection
      gate.send(m, options?.queue ?? true);
    },
    receive(h) {
      const first = !handlers;
      handlers = h;
      // Connect once there is someone to hand the server's hello to.
      if (first && state === 'connecting') {
        h.state?.('connecting');
        connect();
      }
    },
    pause() {
      paused = true;
      if (state !== 'reconnecting') return;
      timers.clearTimeout(timer);
      set('closed');
    },
    resume() {
      if (!paused || closed) return;
      paused = false;
      if (state !== 'closed') return;
      set('connecting');
      connect();
    },
    close() {
      closed = true;
      if (state === 'closed') return;
      timers.clearTimeout(timer);
      gate.clear();
      const ws = socket;
      socket = undefined;
      set('closed');
      ws?.close(1000, 'client closed');
    },
  };
}
