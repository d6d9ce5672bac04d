// What every server benchmark shares: the two servers (ours as `npm start` runs it, the bare `ws`
// relay), started on a free 127.0.0.1 port and stopped, each measurement in three processes (server,
// load generator, orchestrator), and the medians and ratios of the rounds.
import { execSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Job } from './load.ts';

export const hardLimit = Number(execSync('sh -c "ulimit -Hn"').toString().trim()) || 1024;
export const root = fileURLToPath(new URL('..', import.meta.url));
// Both run with the node flags `npm start` and `jsongle-server` use, so that memory compares data
// structures, not V8's young-generation sizing (which alone is worth ~8 KB per connection at 2,000).
export const NODE_FLAGS = ['--max-semi-space-size=4'];
const SERVERS = {
  baseline: { file: 'bench/baseline-relay.mjs', env: {} },
  ours: {
    file: 'dist/server/bin.js',
    // The real server and its defaults, except limits a load test would hit by design.
    env: { HOST: '127.0.0.1', JSONGLE_LOG_LEVEL: 'warning', JSONGLE_RATE_LIMIT: '10000000', JSONGLE_RATE_BURST: '10000000', JSONGLE_MAX_CONNECTIONS: '20000', JSONGLE_MAX_CONNECTIONS_PER_IP: '20000' },
  },
} as const;
export type Kind = keyof typeof SERVERS;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const log = (line: string) => process.stderr.write(`${line}\n`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForPort(port: number, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port} after ${ms} ms`);
}

// On a machine with 2+ cores the server gets one core and the load generator another: fewer
// migrations, steadier figures. Both servers are treated alike.
export const hasTaskset = (() => { try { execSync('taskset -p $$', { stdio: 'ignore' }); return cpus().length >= 2; } catch { return false; } })();
const PIN = { server: hasTaskset ? ['taskset', '-c', '1'] : [], generator: hasTaskset ? ['taskset', '-c', '0'] : [] };

/** `ulimit -n` raised to the hard limit, then exec the command: 10,000 sockets need as many fds. */
const withFds = (args: string[]) => ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', ...args];

async function startServer(kind: Kind): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('sh', withFds([...PIN.server, process.execPath, ...NODE_FLAGS, SERVERS[kind].file]), {
    cwd: root, env: { ...process.env, ...SERVERS[kind].env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForPort(port);
  await sleep(300);
  return { port, child };
}

async function stopServer(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(3000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

export async function measure(kind: Kind, job: Omit<Job, 'kind' | 'port' | 'pid'>): Promise<any> {
  const { port, child } = await startServer(kind);
  try {
    const full: Job = { ...job, kind, port, pid: child.pid! };
    const gen = fork(fileURLToPath(new URL('./load.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_JOB: JSON.stringify(full) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (PIN.generator.length) execSync(`taskset -p -c 0 ${gen.pid}`, { stdio: 'ignore' });
    let timer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([
      new Promise<any>((resolve) => gen.once('message', resolve)),
      new Promise<any>((resolve) => gen.once('exit', (code) => resolve({ ok: false, error: `generator exited with ${code}` }))),
      new Promise<any>((resolve) => { timer = setTimeout(() => resolve({ ok: false, error: 'generator timed out' }), 180_000); }),
    ]);
    clearTimeout(timer);
    if (gen.exitCode === null) gen.kill('SIGKILL');
    if (!answer.ok) throw new Error(answer.error);
    return answer.result;
  } finally {
    await stopServer(child);
  }
}

export const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
/** Median of each numeric field over the rounds. */
export const medians = (runs: any[]) => Object.fromEntries(Object.keys(runs[0]).map((k) => [k, typeof runs[0][k] === 'number' ? median(runs.map((r) => r[k])) : runs[0][k]]));
export const ratio = (a: number, b: number) => Number((a / b).toFixed(2));

