// Cluster test helpers: a real redis-server on 127.0.0.1 (random port, no persistence), server nodes
// sharing it (in this process, or child processes when a test must SIGKILL one), and a WebSocket
// constructor that moves to the next node's URL each time the client reconnects.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import type { JsongleServer, ServerOptions } from '../../server/index.ts';
import { cleanup as cleanupServers, sleep, startServer, until } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const children = new Set<ChildProcess>();

/** Stops every child process this module started (SIGKILL: they hold nothing worth saving). */
export async function cleanup() {
  await cleanupServers();
  await Promise.all([...children].map(stop));
}

function stop(child: ChildProcess): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const freePort = () => new Promise<number>((resolve, reject) => {
  const s = createNetServer().once('error', reject).listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

/** Resolves with the first match of `pattern` in the child's stdout; rejects after `ms` or when it exits. */
function output(child: ChildProcess, pattern: RegExp, what: string, ms = 10_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => done(new Error(`${what}: no ${pattern} within ${ms} ms; output: ${text.slice(-500)}`)), ms);
    const onData = (chunk: Buffer) => {
      text += chunk;
      const m = text.match(pattern);
      if (m) done(undefined, m);
    };
    const onExit = (code: number | null) => done(new Error(`${what} exited (${code}) before ${pattern}; output: ${text.slice(-500)}`));
    function done(e?: Error, m?: RegExpMatchArray) {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve(m!);
    }
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}

export interface TestRedis {
  readonly url: string;
  /** Empties the database (between tests: what one test stored must not reach the next one's users). */
  flush(): Promise<void>;
  /** Stops redis-server (its data is lost: no persistence) and starts it again on the same port. */
  restart(): Promise<void>;
}

/** A redis-server of its own, stopped by cleanup(). */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess;
  const launch = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    await output(child, /Ready to accept connections/, 'redis-server');
  };
  await launch();
  const url = `redis://127.0.0.1:${port}/0`;
  return {
    url,
    async flush() {
      const admin = new Redis(url);
      try {
        await admin.flushdb();
      } finally {
        admin.disconnect();
      }
    },
    async restart() {
      await stop(child);
      await launch();
    },
  };
}

/** `n` nodes of ours in this process, sharing `redis`. */
export function startNodes(redis: TestRedis, n: number, options: ServerOptions = {}): Promise<JsongleServer[]> {
  return Promise.all(Array.from({ length: n }, () => startServer({ redisUrl: redis.url, nodeLease: 1500, ...options })));
}

export interface NodeProcess { readonly wsUrl: string; readonly url: string; kill(): Promise<void> }

/** A node of ours in a child process (`server/bin.ts`), for tests that SIGKILL it. */
export async function spawnNode(redis: TestRedis, env: Record<string, string> = {}): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/bin.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', JSONGLE_REDIS_URL: redis.url, JSONGLE_NODE_LEASE: '1500', JSONGLE_LOG_LEVEL: 'warning', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const [, url] = await output(child, /\(WebSocket (ws:\/\/\S+)\)/, 'server node');
  return { wsUrl: url, url: url.replace(/^ws/, 'http').replace(/\/ws$/, ''), kill: () => stop(child) };
}

/** A WebSocket class whose every new connection goes to the next of `urls` (a small round-robin). */
export function roundRobin(urls: string[], start = 0) {
  let next = start;
  return class extends WebSocket {
    constructor(_url: string) {
      super(urls[next++ % urls.length]);
    }
  };
}

/** Fetches a node's /healthz. */
export async function health(node: { url: string }): Promise<Record<string, unknown>> {
  return (await fetch(`${node.url}/healthz`)).json() as Promise<Record<string, unknown>>;
}

/**
 * Waits until every node counts `users` registered users. A registration reaches the other nodes
 * through Redis a moment after its own node acknowledged it: a test that calls a user it just
 * registered on another node waits for this first, as a person would not notice.
 */
export async function everyNodeSees(nodes: { url: string }[], users: number, ms = 5000) {
  await until(async () => (await Promise.all(nodes.map(health))).every((h) => h.users === users), ms, `every node counting ${users} users`);
}

export { sleep };
