// Server test helpers: a real server on 127.0.0.1 (random port), core clients over the WebSocket
// transport with the `ws` package, and raw sockets to script exactly what goes on the wire.
// Every wait is bounded and fails with a message naming what it waited for.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { JSONgle, type JsongleConfig } from '../../src/client.ts';
import type { JsongleEvents } from '../../src/events.ts';
import type { EventBody } from '../../src/protocol/messages.ts';
import { createWebSocketTransport, type WebSocketTransportOptions } from '../../src/transport/websocket.ts';
import { createServer, type JsongleServer, type ServerOptions } from '../../server/index.ts';
import { onceWhere, until, within } from '../core/helpers.ts';

export { until, within };

export type Msg = { id: string; from: string; to: string; jsongle: any };

const cleanups: (() => unknown)[] = [];
/** Runs (and forgets) every cleanup registered since the last call, each bounded; use in afterEach. */
export async function cleanup() {
  for (const fn of cleanups.splice(0).reverse()) {
    try { await within(Promise.resolve().then(fn), 5000, 'cleanup'); } catch { /* best effort */ }
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
  const server = await within(createServer({ port: 0, host: '127.0.0.1', logLevel: 'none', dataDir: tempDir(), ...serverDefaults, ...options }), 5000, 'the server listening');
  cleanups.push(() => server.close());
  return server;
}

/** The value of one sample of the server's /metrics, e.g. `jsongle_users` or `jsongle_errors_total{code="429001"}` (undefined when absent). */
export async function metric(server: Pick<JsongleServer, 'url'>, name: string): Promise<number | undefined> {
  const body = await within(fetch(`${server.url}/metrics`).then((r) => r.text()), 5000, 'GET /metrics');
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** A core client connected through the WebSocket transport; resolves once registered. */
export async function connectClient(server: Pick<JsongleServer, 'wsUrl'>, uid: string, dn = uid, transport: Partial<WebSocketTransportOptions> = {},
  config: Partial<Omit<JsongleConfig, 'transport' | 'user'>> = {}) {
  const client = new JSONgle({
    transport: createWebSocketTransport({ url: server.wsUrl, WebSocket, backoff: { base: 100, cap: 500 }, ...transport }),
    user: { uid, dn },
    requestTimeout: 3000,
    ...config,
  });
  cleanups.push(() => client.close());
  await waitFor(client, 'registered', () => true, 3000, `${uid} registered`);
  return client;
}

/** Resolves with the arguments of the next `event` that passes `test`; rejects after `ms`, naming `what`. */
export const waitFor = <K extends keyof JsongleEvents>(client: JSONgle, event: K, test: (...args: Parameters<JsongleEvents[K]>) => boolean = () => true, ms = 3000, what?: string) =>
  onceWhere(client, event, test, ms, what);

/** Resolves when `client` emits a `session-error` with `code`. */
export const errorCode = (client: JSONgle, code: number, ms = 3000) =>
  waitFor(client, 'error', (e) => e.code === 'session-error' && e.detail.errorCode === code, ms, `session-error ${code}`);

/** A raw WebSocket to the server: every frame received is kept, in order, for next(). */
export class Raw {
  readonly received: Msg[] = [];
  readonly #closed: Promise<{ code: number; reason: string }>;
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
    this.#closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    ws.on('error', () => {});
  }

  /** The close code and reason, once the socket closed; rejects when it is still open after 5 s. */
  get closed(): Promise<{ code: number; reason: string }> { return this.closedWithin(); }

  /** Like `closed`, with its own bound. */
  closedWithin(ms = 5000) { return within(this.#closed, ms, `the socket closing (Raw.closed; ${this.received.length} frames received)`); }

  /** Opens a socket; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}, ms = 5000): Promise<Raw> {
    return within(new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const raw = new Raw(ws);
      cleanups.push(() => ws.terminate());
      ws.once('open', () => resolve(raw));
      ws.once('unexpected-response', (_req, res) => { reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })); ws.terminate(); });
      ws.once('error', reject);
    }), ms, `the WebSocket to ${url} opening`);
  }

  /** Opens a socket and completes the hello handshake as `uid`. */
  static async registered(server: Pick<JsongleServer, 'wsUrl'>, uid: string, dn = uid, extra: Record<string, unknown> = {}): Promise<Raw> {
    const raw = await Raw.open(server.wsUrl);
    await raw.register(uid, dn, extra);
    return raw;
  }

  /** The next unread message passing `test` (messages before it stay unread); rejects after `ms`. */
  next(test: (m: Msg) => boolean = () => true, ms = 2000, what = 'a matching message'): Promise<Msg> {
    const i = this.#unread.findIndex(test);
    if (i >= 0) return Promise.resolve(this.#unread.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = { test, resolve: (m: Msg) => { clearTimeout(timer); resolve(m); } };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`${what}: nothing within ${ms} ms; unread: ${JSON.stringify(this.#unread.map((m) => m.jsongle?.action))}`));
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

  /** Answers the hello as `uid`; `extra` joins the answer's description (e.g. `{ resume }`). */
  async register(uid: string, dn = uid, extra: Record<string, unknown> = {}) {
    const hello = await this.next((m) => m.jsongle.query === 'session-hello', 2000, `the hello to ${uid}`);
    this.send({ id: `h-${uid}`, from: hello.to, to: hello.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: hello.jsongle.transaction, description: { uid, dn, ...extra } } });
    const ack = await this.next((m) => m.jsongle.action === 'ack' && m.jsongle.transaction === hello.jsongle.transaction, 2000, `the ack of ${uid}'s hello answer`);
    if (ack.jsongle.status !== 'success') throw new Error(`registration of ${uid} failed`);
    return hello;
  }

  /** Sends an iq-set to the server and resolves with its iq-result or iq-error. */
  async request(query: string, description: Record<string, unknown>, sn = 'jsongle'): Promise<Msg> {
    const transaction = `t-${Math.random().toString(36).slice(2)}`;
    this.send({ id: transaction, from: 'x', to: sn, jsongle: { action: 'iq-set', query, transaction, description } });
    return this.next((m) => m.jsongle.transaction === transaction && m.jsongle.action.startsWith('iq-'), 2000, `the answer to ${query}`);
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


/** The next `session-event` named `event` (ack, typing, joined…) whose description passes `test`. */
export async function waitEvent(client: JSONgle, event: string, test: (description: any, from: string) => boolean = () => true, ms = 3000) {
  const [body, from] = await waitFor(client, 'event', (e, f) => e.action === 'session-event' && e.event === event && test(e.description, f), ms, `session-event ${event}`);
  return { body: body as EventBody, description: body.description as any, from };
}

/** A script of test/server/clients/ run in a child process (clients whose CPU is not the server's). */
export class Child {
  readonly #proc: ChildProcess;
  readonly #inbox: any[] = [];
  #waiter: (() => void) | null = null;

  constructor(script: string, args: string[]) {
    this.#proc = fork(new URL(`./clients/${script}`, import.meta.url), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#proc.on('message', (m) => {
      this.#inbox.push(m);
      this.#waiter?.();
    });
    cleanups.push(() => this.#proc.kill());
  }

  send(message: unknown) { this.#proc.send(message as any); }

  /** The next message of `type` from the child; rejects after `ms` or when the child exits. */
  async next(type: string, ms = 30_000): Promise<any> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.#inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.#inbox.splice(i, 1)[0];
      if (this.#proc.exitCode !== null) throw new Error(`the child exited (${this.#proc.exitCode}) before sending '${type}'`);
      if (Date.now() > deadline) throw new Error(`no '${type}' from the child within ${ms} ms`);
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
        setTimeout(resolve, 50);
      });
    }
  }
}
