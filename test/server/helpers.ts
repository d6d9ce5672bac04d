// Server test helpers: a real server on 127.0.0.1 (random port), core clients over the WebSocket
// transport with the `ws` package, and raw sockets to script exactly what goes on the wire.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { JSONgle } from '../../src/client.ts';
import type { JsongleEvents } from '../../src/events.ts';
import type { EventBody } from '../../src/protocol/messages.ts';
import { createWebSocketTransport, type WebSocketTransportOptions } from '../../src/transport/websocket.ts';
import { createServer, type JsongleServer, type ServerOptions } from '../../server/index.ts';
import { onceWhere } from '../core/helpers.ts';

export type Msg = { id: string; from: string; to: string; jsongle: any };

const cleanups: (() => unknown)[] = [];
/** Runs (and forgets) every cleanup registered since the last call; use in afterEach. */
export async function cleanup() {
  for (const fn of cleanups.splice(0).reverse()) {
    try { await fn(); } catch { /* best effort */ }
  }
}

/** A fresh folder (removed at cleanup): the message store of one test's server. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jsongle-test-'));
  cleanups.unshift(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Options every startServer() of this process adds (the cluster suites run the single-node suites on Redis). */
export const serverDefaults: ServerOptions = {};

export async function startServer(options: ServerOptions = {}): Promise<JsongleServer> {
  const server = await createServer({ port: 0, host: '127.0.0.1', logLevel: 'none', dataDir: tempDir(), ...serverDefaults, ...options });
  cleanups.push(() => server.close());
  return server;
}

/** A core client connected through the WebSocket transport; resolves once registered. */
export async function connectClient(server: Pick<JsongleServer, 'wsUrl'>, uid: string, dn = uid, transport: Partial<WebSocketTransportOptions> = {}) {
  const client = new JSONgle({
    transport: createWebSocketTransport({ url: server.wsUrl, WebSocket, backoff: { base: 100, cap: 500 }, ...transport }),
    user: { uid, dn },
    requestTimeout: 3000,
  });
  cleanups.push(() => client.close());
  await waitFor(client, 'registered');
  return client;
}

/** Resolves with the arguments of the next `event` that passes `test`; rejects after `ms`. */
export const waitFor = <K extends keyof JsongleEvents>(client: JSONgle, event: K, test: (...args: Parameters<JsongleEvents[K]>) => boolean = () => true, ms = 3000) =>
  onceWhere(client, event, test, ms);

/** Resolves when `client` emits a `session-error` with `code`. */
export const errorCode = (client: JSONgle, code: number) =>
  waitFor(client, 'error', (e) => e.code === 'session-error' && e.detail.errorCode === code);

/** A raw WebSocket to the server: every frame received is kept, in order, for next(). */
export class Raw {
  readonly received: Msg[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #unread: Msg[] = [];
  #waiters: { test: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      this.received.push(m);
      const i = this.#waiters.findIndex((w) => w.test(m));
      if (i >= 0) this.#waiters.splice(i, 1)[0].resolve(m);
      else this.#unread.push(m);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    ws.on('error', () => {});
  }

  /** Opens a socket; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const raw = new Raw(ws);
      cleanups.push(() => ws.terminate());
      ws.once('open', () => resolve(raw));
      ws.once('unexpected-response', (_req, res) => { reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })); ws.terminate(); });
      ws.once('error', reject);
    });
  }

  /** Opens a socket and completes the hello handshake as `uid`. */
  static async registered(server: Pick<JsongleServer, 'wsUrl'>, uid: string, dn = uid): Promise<Raw> {
    const raw = await Raw.open(server.wsUrl);
    await raw.register(uid, dn);
    return raw;
  }

  /** The next unread message passing `test` (messages before it stay unread); rejects after `ms`. */
  next(test: (m: Msg) => boolean = () => true, ms = 2000): Promise<Msg> {
    const i = this.#unread.findIndex(test);
    if (i >= 0) return Promise.resolve(this.#unread.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = { test, resolve: (m: Msg) => { clearTimeout(timer); resolve(m); } };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no matching message within ${ms} ms; unread: ${JSON.stringify(this.#unread.map((m) => m.jsongle?.action))}`));
      }, ms);
      this.#waiters.push(waiter);
    });
  }

  /** Resolves with what is unread after `ms` (to check that nothing more came). */
  async quiet(ms = 150): Promise<Msg[]> {
    await sleep(ms);
    return [...this.#unread];
  }

  send(message: unknown) { this.ws.send(typeof message === 'string' ? message : JSON.stringify(message)); }

  async register(uid: string, dn = uid) {
    const hello = await this.next((m) => m.jsongle.query === 'session-hello');
    this.send({ id: `h-${uid}`, from: hello.to, to: hello.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: hello.jsongle.transaction, description: { uid, dn } } });
    const ack = await this.next((m) => m.jsongle.action === 'ack' && m.jsongle.transaction === hello.jsongle.transaction);
    if (ack.jsongle.status !== 'success') throw new Error(`registration of ${uid} failed`);
    return hello;
  }

  /** Sends an iq-set to the server and resolves with its iq-result or iq-error. */
  async request(query: string, description: Record<string, unknown>, sn = 'jsongle'): Promise<Msg> {
    const transaction = `t-${Math.random().toString(36).slice(2)}`;
    this.send({ id: transaction, from: 'x', to: sn, jsongle: { action: 'iq-set', query, transaction, description } });
    return this.next((m) => m.jsongle.transaction === transaction && m.jsongle.action.startsWith('iq-'));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A session-error with `code` among the unread messages of `raw`. */
export const isError = (code: number) => (m: Msg) => m.jsongle.action === 'session-error' && m.jsongle.description.errorCode === code;

export const transportInfo = (from: string, to: string, sid = 'sid-1', candidate = 'candidate:1 1 udp 1 10.0.0.1 5000 typ host') => ({
  id: `ti-${Math.random().toString(36).slice(2)}`, from, to,
  jsongle: { sid, action: 'transport-info', reason: '', initiator: 'a', responder: 'b', description: { establishing: new Date().toISOString(), candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } } },
});

export const text = (from: string, to: string, content = 'hi', namespace = 'message') => ({
  id: `tx-${Math.random().toString(36).slice(2)}`, from, to,
  jsongle: { action: 'session-text', namespace, description: { sent: new Date().toISOString(), content } },
});

/** Polls `check` until it is true; rejects after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 2000, what = 'condition') {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await sleep(10);
  }
}

/** The next `session-event` named `event` (ack, typing, joined…) whose description passes `test`. */
export async function waitEvent(client: JSONgle, event: string, test: (description: any, from: string) => boolean = () => true, ms = 3000) {
  const [body, from] = await waitFor(client, 'event', (e, f) => e.action === 'session-event' && e.event === event && test(e.description, f), ms);
  return { body: body as EventBody, description: body.description as any, from };
}
