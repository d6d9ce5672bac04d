// The browser suites' signaling server: the real one (its router, registry and SQLite store), a
// fresh instance per test on a random port, started by the jsongle-servers plugin of
// web-test-runner.config.mjs. Clients use the browser's WebSocket. What a client sends is recorded
// (where()), what it receives can be held and released in order (hold/release), and its connection
// can be cut and restored (disconnect/reconnect) as a network would.
import { JSONgle } from '../../src/client.ts';
import type { JsongleMessage } from '../../src/protocol/messages.ts';
import type { Transport, TransportHandlers } from '../../src/transport/transport.ts';
import { createWebSocketTransport } from '../../src/transport/websocket.ts';

const ask = async (path: string) => (await fetch(`/__jsongle/server/${path}`, { cache: 'no-store' })).json();

interface Line { sent: JsongleMessage<any>[]; held: unknown[] | null; handlers?: TransportHandlers; gate: { open: boolean; sockets: Set<WebSocket> } }

/** A WebSocket class whose connections go nowhere while `gate.open` is false. */
function gatedWebSocket(gate: Line['gate']) {
  return class GatedWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(gate.open ? url : 'ws://127.0.0.1:1/ws', protocols);
      gate.sockets.add(this);
      this.addEventListener('close', () => gate.sockets.delete(this));
    }
  };
}

/** `t`, with what it sends recorded and what it receives held while `line.held` is set. */
function recorded(t: Transport, line: Line): Transport {
  return {
    get name() { return t.name; },
    get state() { return t.state; },
    send(m) { line.sent.push(structuredClone(m)); t.send(m); },
    receive(handlers) {
      line.handlers = handlers;
      t.receive({ message: (data) => (line.held ? line.held.push(data) : handlers.message(data)), state: (s) => handlers.state?.(s) });
    },
    identify: t.identify ? (id) => t.identify!(id) : undefined,
    close() { t.close(); },
  };
}

export interface TestServer {
  readonly wsUrl: string;
  /** The server's name (`sn`). */
  readonly sn: string;
  /** A client for `uid` (registered once the handshake is done). */
  connect(uid: string, dn?: string, options?: { messageTimeout?: number }): JSONgle;
  /** Messages the clients sent that pass `test`, in order. */
  where(test: (m: JsongleMessage<any>) => boolean): JsongleMessage<any>[];
  /** Holds what reaches `uid` until release(uid), which delivers it in order. */
  hold(uid: string): void;
  release(uid: string): void;
  /** Cuts the connection of `uid` (the server sees it close) and keeps it from reconnecting… */
  disconnect(uid: string): void;
  /** …until this. */
  reconnect(uid: string): void;
  close(): Promise<void>;
}

/** A fresh server; `config`: settings of createServer (e.g. `{ tokenSecret }`). */
export async function startServer(config: Record<string, unknown> = {}): Promise<TestServer> {
  const { wsUrl, sn, port } = await ask(`start?config=${encodeURIComponent(JSON.stringify(config))}`);
  const lines = new Map<string, Line>();
  const clients: JSONgle[] = [];
  const sent: JsongleMessage<any>[] = [];
  const line = (uid: string) => {
    const l = lines.get(uid);
    if (!l) throw new Error(`no client ${uid} on this server`);
    return l;
  };
  return {
    wsUrl,
    sn,
    connect(uid, dn, options = {}) {
      const l: Line = { sent, held: null, gate: { open: true, sockets: new Set() } };
      lines.set(uid, l);
      const transport = createWebSocketTransport({ url: wsUrl, WebSocket: gatedWebSocket(l.gate), backoff: { base: 50, cap: 200 } });
      const client = new JSONgle({ transport: recorded(transport, l), user: dn === undefined ? { uid } : { uid, dn }, ...options });
      clients.push(client);
      return client;
    },
    where: (test) => sent.filter(test),
    hold(uid) { line(uid).held ??= []; },
    release(uid) {
      const l = line(uid);
      const queue = l.held ?? [];
      l.held = null;
      for (const data of queue) l.handlers?.message(data);
    },
    disconnect(uid) {
      const l = line(uid);
      l.gate.open = false;
      for (const ws of l.gate.sockets) ws.close();
    },
    reconnect(uid) { line(uid).gate.open = true; },
    async close() {
      for (const c of clients) c.close();
      await ask(`stop?port=${port}`);
    },
  };
}
