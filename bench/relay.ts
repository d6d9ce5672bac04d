// Relay benchmark: our server against a bare `ws` relay, side by side in the same run.
// Usage: npm run bench:relay            (full: 3 rounds, 50/500 pairs, 2,000/10,000 idle connections)
//        BENCH_SCALE=small npm run bench:relay   (a quick look while developing)
//        BENCH_ONLY=hop npm run bench:relay      (only the scenarios named so: relay, hop, idle, or a
//          full name such as hop-50x1; comma-separated; BENCH_ROUNDS=n to repeat them; medians only)
//        BENCH_IDS=uuid npm run bench:relay      (message ids of a UUID's length instead of `b<ms>`: see load.ts)
// Three processes per measurement: the server under test (plain node), the load generator
// (bench/load.ts, forked), and this orchestrator, which alternates baseline and ours and takes the
// median of each figure over the rounds. Everything stays on 127.0.0.1; every step is bounded in time.
import { execSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Job } from './load.ts';

const small = process.env.BENCH_SCALE === 'small';
const hardLimit = Number(execSync('sh -c "ulimit -Hn"').toString().trim()) || 1024;
const maxIdle = Math.max(100, hardLimit === Infinity ? 10_000 : hardLimit - 500);
const S = small
  ? { rounds: 1, pairs: [10, 50], hopPairs: [1, 10, 50], idle: [200, 1000], warmupMs: 500, measureMs: 1500 }
  : { rounds: 3, pairs: [50, 500], hopPairs: [1, 50, 500], idle: [2000, 10_000], warmupMs: 1000, measureMs: 3000 };
const idleCounts = S.idle.map((n) => Math.min(n, maxIdle));
const only = process.env.BENCH_ONLY?.split(',').map((x) => x.trim()).filter(Boolean);
if (only && process.env.BENCH_ROUNDS) S.rounds = Math.max(1, Number(process.env.BENCH_ROUNDS) || 1);
const IN_FLIGHT = 100;

const root = fileURLToPath(new URL('..', import.meta.url));
// Both run with the node flags `npm start` and `jsongle-server` use, so that memory compares data
// structures, not V8's young-generation sizing (which alone is worth ~8 KB per connection at 2,000).
const NODE_FLAGS = ['--max-semi-space-size=4'];
const SERVERS = {
  baseline: { file: 'bench/baseline-relay.mjs', env: {} },
  ours: {
    file: 'dist/server/bin.js',
    // The real server and its defaults, except limits a load test would hit by design.
    env: { HOST: '127.0.0.1', JSONGLE_LOG_LEVEL: 'warning', JSONGLE_RATE_LIMIT: '10000000', JSONGLE_RATE_BURST: '10000000', JSONGLE_MAX_CONNECTIONS: '20000', JSONGLE_MAX_CONNECTIONS_PER_IP: '20000' },
  },
} as const;
type Kind = keyof typeof SERVERS;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

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
const hasTaskset = (() => { try { execSync('taskset -p $$', { stdio: 'ignore' }); return cpus().length >= 2; } catch { return false; } })();
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

async function measure(kind: Kind, job: Omit<Job, 'kind' | 'port' | 'pid'>): Promise<any> {
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

const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
/** Median of each numeric field over the rounds. */
const medians = (runs: any[]) => Object.fromEntries(Object.keys(runs[0]).map((k) => [k, typeof runs[0][k] === 'number' ? median(runs.map((r) => r[k])) : runs[0][k]]));
const ratio = (a: number, b: number) => Number((a / b).toFixed(2));

async function main() {
  if (!existsSync(`${root}/dist/server/bin.js`)) throw new Error('dist/server/bin.js is missing: run `node scripts/build.mjs` (npm run bench:relay does)');
  const scenarios: { name: string; job: Omit<Job, 'kind' | 'port' | 'pid'> }[] = [
    ...S.pairs.map((pairs) => ({ name: `relay-${pairs}x${IN_FLIGHT}`, job: { mode: 'relay' as const, pairs, inFlight: IN_FLIGHT, connections: 0, warmupMs: S.warmupMs, measureMs: S.measureMs, concurrency: 100 } })),
    ...S.hopPairs.map((pairs) => ({ name: `hop-${pairs}x1`, job: { mode: 'relay' as const, pairs, inFlight: 1, connections: 0, warmupMs: S.warmupMs, measureMs: S.measureMs, concurrency: 100 } })),
    ...idleCounts.map((connections) => ({ name: `idle-${connections}`, job: { mode: 'idle' as const, pairs: 0, inFlight: 0, connections, warmupMs: 0, measureMs: 0, concurrency: 200 } })),
  ];
  const chosen = only ? scenarios.filter((s) => only.some((o) => s.name.startsWith(o))) : scenarios;
  if (!chosen.length) throw new Error(`BENCH_ONLY=${process.env.BENCH_ONLY} names none of ${scenarios.map((s) => s.name).join(', ')}`);
  const runs: Record<string, Record<Kind, any[]>> = {};
  const started = Date.now();
  for (let r = 0; r < S.rounds; r++) {
    for (const s of chosen) {
      // Alternate which goes first, so that neither always gets the warmer machine.
      const order: Kind[] = (r + chosen.indexOf(s)) % 2 ? ['ours', 'baseline'] : ['baseline', 'ours'];
      for (const kind of order) {
        const result = await measure(kind, s.job);
        ((runs[s.name] ??= { baseline: [], ours: [] })[kind]).push(result);
        log(`round ${r + 1}/${S.rounds} ${s.name} ${kind}: ${JSON.stringify(result)}`);
      }
    }
  }

  const m = (name: string, kind: Kind) => medians(runs[name][kind]);
  if (only) {
    // Medians of the chosen scenarios and ours / baseline for each figure; no report.
    for (const s of chosen) {
      const [b, o] = [m(s.name, 'baseline'), m(s.name, 'ours')];
      const keys = Object.keys(o).filter((k) => typeof o[k] === 'number');
      console.log(`${s.name} (${S.rounds} round${S.rounds > 1 ? 's' : ''}): ${keys.map((k) => `${k} ${o[k]} / ${b[k]} = ${ratio(o[k], b[k])}`).join(', ')}`);
    }
    return;
  }
  const throughput = S.pairs.map((pairs) => {
    const name = `relay-${pairs}x${IN_FLIGHT}`;
    const [b, o] = [m(name, 'baseline'), m(name, 'ours')];
    return { pairs, inFlight: IN_FLIGHT, baseline: b, ours: o, cpuRatio: ratio(o.cpuUsPerMsg, b.cpuUsPerMsg) };
  });
  const hops = S.hopPairs.map((pairs) => {
    const [b, o] = [m(`hop-${pairs}x1`, 'baseline'), m(`hop-${pairs}x1`, 'ours')];
    return { pairs, inFlight: 1, baseline: b, ours: o, p50Ratio: ratio(o.p50Ms, b.p50Ms), cpuRatio: ratio(o.cpuUsPerMsg, b.cpuUsPerMsg) };
  });
  const [hop, ...loadedHops] = hops;
  const idle = idleCounts.map((connections) => {
    const [b, o] = [m(`idle-${connections}`, 'baseline'), m(`idle-${connections}`, 'ours')];
    return { connections, baseline: b, ours: o, memoryRatio: ratio(o.rssPerConnKB, b.rssPerConnKB) };
  });
  const worstCpu = Math.max(...throughput.map((t) => t.cpuRatio));
  const hopRatio = hop.p50Ratio;
  const worstMemory = Math.max(...idle.map((i) => i.memoryRatio));
  const largest = idle.at(-1)!;
  const report = {
    command: small ? 'BENCH_SCALE=small npm run bench:relay' : 'npm run bench:relay',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, fdHardLimit: hardLimit, pinned: hasTaskset, nodeFlags: NODE_FLAGS },
    rounds: S.rounds,
    seconds: Math.round((Date.now() - started) / 1000),
    headline: {
      cpuUsPerMsg: Object.fromEntries(throughput.map((t) => [`${t.pairs}x${t.inFlight}`, { ours: t.ours.cpuUsPerMsg, baseline: t.baseline.cpuUsPerMsg, ratio: t.cpuRatio }])),
      perHopP50Ms: Object.fromEntries(hops.map((h) => [`${h.pairs} pair${h.pairs > 1 ? 's' : ''}`, { ours: h.ours.p50Ms, baseline: h.baseline.p50Ms, ratio: h.p50Ratio }])),
      rssPerConnKB: Object.fromEntries(idle.map((i) => [i.connections, { ours: i.ours.rssPerConnKB, baseline: i.baseline.rssPerConnKB, ratio: i.memoryRatio }])),
      connectionsHeld: { ours: largest.ours.held, registered: largest.ours.registered, of: largest.connections },
    },
    targets: {
      cpuPerMessage: { max: 1.25, worst: worstCpu, met: worstCpu <= 1.25 },
      perHopP50: { max: 1.25, ratio: hopRatio, met: hopRatio <= 1.25, loaded: loadedHops.map((h) => ({ pairs: h.pairs, ratio: h.p50Ratio, met: h.p50Ratio <= 1.25 })) },
      memoryPerConnection: { max: 1.3, worst: worstMemory, met: worstMemory <= 1.3 },
      connectionsHeld: { wanted: 10_000, held: largest.ours.held, met: largest.ours.held >= 10_000 && largest.ours.registered >= 10_000 },
    },
    throughput,
    perHop: hops,
    idle,
  };

  const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const table = [
    row(['scenario', 'server', 'msg/s', 'CPU µs/msg', 'p50 ms', 'p99 ms']),
    row(['---', '---', '---:', '---:', '---:', '---:']),
    ...[...throughput.map((t) => [`${t.pairs} pairs × ${t.inFlight} in flight`, t] as const), ...hops.map((h) => [`${h.pairs} pair${h.pairs > 1 ? 's' : ''} × 1 in flight (per hop)`, h] as const)]
      .flatMap(([label, t]) => (['baseline', 'ours'] as const).map((k) => row([label, k, t[k].msgsPerSec, t[k].cpuUsPerMsg, t[k].p50Ms, t[k].p99Ms]))),
    '',
    row(['idle connections', 'server', 'accepted/s', 'RSS KB/conn', 'held']),
    row(['---', '---', '---:', '---:', '---:']),
    ...idle.flatMap((i) => (['baseline', 'ours'] as const).map((k) => row([i.connections, k, i[k].acceptedPerSec, i[k].rssPerConnKB, i[k].held]))),
  ].join('\n');
  console.log(table);
  console.log(JSON.stringify(report, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
