// Cross-node benchmark: two server nodes sharing one redis-server, pairs whose two clients are on
// the same node side by side with pairs split across the nodes, in the same run.
// Usage: npm run bench:cluster                (50 and 500 pairs, 2 × 10,000 idle connections)
//        BENCH_SCALE=small npm run bench:cluster   (a quick look: 10/50 pairs, 2 × 1,000 idle)
//        BENCH_SCALE=smoke                    (what npm test's smoke test runs: a second or so per part)
//        BENCH_ONLY=relay|idle                (one part only; BENCH_PAIRS=50 BENCH_IN_FLIGHT=1 one relay case)
// Processes: redis-server, two nodes (`dist/server/bin.js`, JSONGLE_REDIS_URL), one load generator
// per node for the idle part (10,000 sockets each: a process has 20,000 fds here) and this one,
// which drives the relay and reads every server's CPU from /proc/<pid>/stat. 127.0.0.1 only; every
// step has a time limit.
import { execSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

const scale = process.env.BENCH_SCALE;
const small = scale === 'small' || scale === 'smoke';
const S = scale === 'smoke'
  ? { pairs: [10], idle: 200, warmupMs: 200, measureMs: 500, rounds: 1 }
  : small
    ? { pairs: [10, 50], idle: 1000, warmupMs: 500, measureMs: 1500, rounds: 1 }
    : { pairs: [50, 500], idle: 10_000, warmupMs: 1000, measureMs: 3000, rounds: Number(process.env.BENCH_ROUNDS ?? 1) };
const only = process.env.BENCH_ONLY;
const root = fileURLToPath(new URL('..', import.meta.url));
const TICK_MS = 1000 / Number(execSync('getconf CLK_TCK').toString().trim() || 100);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

const cpuMs = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
};
const rssKB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Resolves when `child` prints `pattern`; rejects after `ms`. */
const printed = (child: ChildProcess, pattern: RegExp, ms = 15_000) => new Promise<void>((resolve, reject) => {
  let text = '';
  const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms: ${text.slice(-300)}`)), ms);
  const on = (d: Buffer) => { text += d; if (pattern.test(text)) { clearTimeout(timer); resolve(); } };
  child.stdout!.on('data', on);
  child.stderr!.on('data', on);
});

const children: ChildProcess[] = [];
function stopAll() { for (const c of children) if (c.exitCode === null) c.kill('SIGKILL'); }

/** redis-server without persistence, and `nodes` nodes of ours on it (or without Redis when `nodes` is 0). */
async function startCluster(nodes: number) {
  const redisPort = await freePort();
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(redis);
  await printed(redis, /Ready to accept connections/);
  const started = [];
  for (let i = 0; i < Math.max(1, nodes); i++) {
    const port = await freePort();
    const child = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, '--max-semi-space-size=4', 'dist/server/bin.js'], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, PORT: String(port), HOST: '127.0.0.1', JSONGLE_LOG_LEVEL: 'warning',
        JSONGLE_RATE_LIMIT: '10000000', JSONGLE_RATE_BURST: '10000000', JSONGLE_MAX_CONNECTIONS: '20000', JSONGLE_MAX_CONNECTIONS_PER_IP: '20000',
        JSONGLE_REDIS_URL: nodes ? `redis://127.0.0.1:${redisPort}/0` : '',
      },
    });
    children.push(child);
    await printed(child, /WebSocket ws:/);
    started.push({ port, pid: child.pid! });
  }
  return {
    redisPid: redis.pid!, nodes: started,
    stop: async () => {
      const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
      const exited = Promise.all(running.map((c) => new Promise((r) => c.once('exit', r))));
      for (const c of running) c.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      stopAll();
      children.length = 0;
    },
  };
}

/** A registered connection as `uid` on `port`, in 1:1 room `rid` when given. */
function open(port: number, uid: string, rid?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error(`${uid} not ready within 30 s`)), 30_000);
    const done = () => { clearTimeout(timer); ws.removeAllListeners('message'); resolve(ws); };
    ws.on('error', (e) => { clearTimeout(timer); reject(e); });
    let step = 0;
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (step === 0 && m.jsongle.query === 'session-hello') {
        step = 1;
        ws.send(JSON.stringify({ id: `h-${uid}`, from: m.to, to: m.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: m.jsongle.transaction, description: { uid, dn: uid } } }));
      } else if (step === 1 && m.jsongle.action === 'ack') {
        if (rid === undefined) return done();
        step = 2;
        ws.send(JSON.stringify({ id: `j-${uid}`, from: uid, to: m.from, jsongle: { action: 'iq-set', query: 'session-join', transaction: `j-${uid}`, description: { rid } } }));
      } else if (step === 2 && m.jsongle.transaction === `j-${uid}`) {
        if (m.jsongle.action !== 'iq-result') return reject(new Error(`join failed: ${JSON.stringify(m.jsongle.description)}`));
        done();
      }
    });
  });
}

async function openMany(specs: [number, string, string?][], concurrency = 100): Promise<WebSocket[]> {
  const out: WebSocket[] = new Array(specs.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, async () => {
    while (next < specs.length) { const i = next++; out[i] = await open(...specs[i]); }
  }));
  return out;
}

const percentile = (sorted: Float64Array, p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : NaN);

/** The relay scenario of bench/load.ts: ~300-byte transport-info to the pair's room, `inFlight` per pair. */
async function relay(layout: 'same' | 'split', pairs: number, inFlight: number) {
  const cluster = await startCluster(2);
  try {
    const [a, b] = cluster.nodes;
    // same: pair p lives on node p % 2 (both nodes busy, nothing crosses); split: one side on each.
    const specs: [number, string, string][] = [];
    for (let p = 0; p < pairs; p++) {
      const first = layout === 'same' ? (p % 2 ? b : a) : a;
      const second = layout === 'same' ? first : b;
      specs.push([first.port, `u${p}a`, `pair-${p}`], [second.port, `u${p}b`, `pair-${p}`]);
    }
    const sockets = await openMany(specs);
    const latencies = new Float64Array(4_000_000);
    let n = 0;
    let measuring = false;
    let stopping = false;
    sockets.forEach((ws, i) => {
      const head = '{"id":"b';
      const tail = `","from":"u","to":"pair-${i >> 1}","jsongle":{"sid":"3bf74aa9-f41d-40d5-a1d8-e3e614ba4af2","action":"transport-info","reason":"","initiator":"alice","responder":"bob","description":{"establishing":"2026-01-01T00:00:00.000Z","candidate":{"candidate":"candidate:2960972664 1 udp 1518214911 192.168.1.8 50000 typ host generation 0 ufrag CSM2","sdpMid":"0","sdpMLineIndex":0}}}}`;
      ws.on('message', (data: Buffer) => {
        if (data[7] !== 98) return;
        const now = performance.now();
        if (measuring && n < latencies.length) latencies[n++] = now - parseFloat(data.toString('latin1', 8, data.indexOf(34, 8)));
        if (!stopping) ws.send(head + now.toFixed(3) + tail);
      });
      const mine = (i & 1) === 0 ? Math.ceil(inFlight / 2) : Math.floor(inFlight / 2);
      for (let k = 0; k < mine; k++) ws.send(head + performance.now().toFixed(3) + tail);
    });
    await sleep(S.warmupMs);
    const pids = [a.pid, b.pid, cluster.redisPid];
    const c0 = pids.map(cpuMs);
    const t0 = performance.now();
    n = 0;
    measuring = true;
    await sleep(S.measureMs);
    measuring = false;
    const t1 = performance.now();
    const c1 = pids.map(cpuMs);
    stopping = true;
    const count = n;
    const sorted = latencies.slice(0, count).sort();
    for (const ws of sockets) ws.terminate();
    const [nodesMs, redisMs] = [c1[0] - c0[0] + c1[1] - c0[1], c1[2] - c0[2]];
    return {
      layout, pairs, inFlight, messages: count,
      msgsPerSec: Math.round(count / ((t1 - t0) / 1000)),
      cpuUsPerMsg: round(((nodesMs + redisMs) * 1000) / count),
      nodesCpuUsPerMsg: round((nodesMs * 1000) / count),
      redisCpuUsPerMsg: round((redisMs * 1000) / count),
      p50Ms: round(percentile(sorted, 0.5), 3),
      p99Ms: round(percentile(sorted, 0.99), 3),
    };
  } finally {
    await cluster.stop();
  }
}

/** Forked generator of the idle part: opens `count` registered connections to `port`, reports, waits to be killed. */
async function idleGenerator() {
  const { port, count, prefix } = JSON.parse(process.env.BENCH_IDLE!) as { port: number; count: number; prefix: string };
  const specs = Array.from({ length: count }, (_, i) => [port, `${prefix}${i}`] as [number, string]);
  const sockets = await openMany(specs, 200);
  process.send!({ held: sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length });
  await sleep(120_000);
}

/** `count` idle registered connections on each of `nodes` nodes (0: one node without Redis); RSS per connection. */
async function idle(nodes: number, count: number) {
  const cluster = await startCluster(nodes);
  const gens: ChildProcess[] = [];
  try {
    await sleep(300);
    const before = cluster.nodes.map((n) => rssKB(n.pid));
    const redisBefore = rssKB(cluster.redisPid);
    const t0 = performance.now();
    const held = await Promise.all(cluster.nodes.map((node, i) => {
      const gen = fork(fileURLToPath(import.meta.url), [], {
        execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, BENCH_IDLE: JSON.stringify({ port: node.port, count, prefix: `n${i}-` }) },
      });
      gens.push(gen);
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('idle generator timed out')), 180_000);
        gen.once('message', (m: any) => { clearTimeout(timer); resolve(m.held); });
        gen.once('exit', (code) => { clearTimeout(timer); reject(new Error(`idle generator exited with ${code}`)); });
      });
    }));
    const t1 = performance.now();
    await sleep(2000);
    const after = cluster.nodes.map((n) => rssKB(n.pid));
    const health = await Promise.all(cluster.nodes.map(async (n) => (await (await fetch(`http://127.0.0.1:${n.port}/healthz`)).json()) as any));
    return {
      nodes: cluster.nodes.length, redis: nodes > 0, connectionsPerNode: count, held,
      usersSeenByEachNode: health.map((h) => h.users),
      registeredPerSec: Math.round((count * cluster.nodes.length) / ((t1 - t0) / 1000)),
      rssPerConnKB: cluster.nodes.map((_, i) => round((after[i] - before[i]) / count)),
      redisRssMB: nodes > 0 ? round((rssKB(cluster.redisPid) - redisBefore) / 1024, 1) : 0,
    };
  } finally {
    for (const g of gens) if (g.exitCode === null) g.kill('SIGKILL');
    await cluster.stop();
  }
}

async function main() {
  if (!existsSync(`${root}/dist/server/bin.js`)) throw new Error('dist/server/bin.js is missing: run `node scripts/build.mjs` (npm run bench:cluster does)');
  const started = Date.now();
  const relays: Record<string, any> = {};
  if (only !== 'idle') {
    const pairsList = process.env.BENCH_PAIRS ? [Number(process.env.BENCH_PAIRS)] : S.pairs;
    const inFlights = process.env.BENCH_IN_FLIGHT ? [Number(process.env.BENCH_IN_FLIGHT)] : [1, 100];
    for (const pairs of pairsList) {
      for (const inFlight of inFlights) {
        for (let r = 0; r < S.rounds; r++) {
          for (const layout of (r % 2 ? ['split', 'same'] : ['same', 'split']) as ('same' | 'split')[]) {
            const result = await relay(layout, pairs, inFlight);
            log(JSON.stringify(result));
            ((relays[`${pairs}x${inFlight}`] ??= { same: [], split: [] })[layout]).push(result);
          }
        }
      }
    }
  }
  const median = (xs: number[]) => { const s = [...xs].sort((x, y) => x - y); return s[Math.floor((s.length - 1) / 2)]; };
  const relay_ = Object.entries(relays).map(([name, runs]) => {
    const m = (layout: 'same' | 'split', k: string) => median(runs[layout].map((x: any) => x[k]));
    const keys = ['msgsPerSec', 'cpuUsPerMsg', 'nodesCpuUsPerMsg', 'redisCpuUsPerMsg', 'p50Ms', 'p99Ms'];
    const same = Object.fromEntries(keys.map((k) => [k, m('same', k)]));
    const split = Object.fromEntries(keys.map((k) => [k, m('split', k)]));
    return { scenario: name, same, split, cpuRatio: round(split.cpuUsPerMsg / same.cpuUsPerMsg), p50AddedMs: round(split.p50Ms - same.p50Ms, 3) };
  });
  let idleResult: any;
  if (only !== 'relay') {
    const single = await idle(0, S.idle);
    log(JSON.stringify(single));
    const two = await idle(2, S.idle);
    log(JSON.stringify(two));
    idleResult = { singleNodeNoRedis: single, twoNodes: two, rssRatio: round(Math.max(...two.rssPerConnKB) / single.rssPerConnKB[0]) };
  }
  const oneHop = relay_.filter((r) => r.scenario.endsWith('x1'));
  console.log(JSON.stringify({
    command: small ? `BENCH_SCALE=${scale} npm run bench:cluster` : 'npm run bench:cluster',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') },
    seconds: Math.round((Date.now() - started) / 1000),
    targets: oneHop.length ? {
      cpuPerMessage: { max: 2, worst: Math.max(...relay_.map((r) => r.cpuRatio)), met: relay_.every((r) => r.cpuRatio <= 2) },
      p50Added: { maxMs: 1, worstMs: Math.max(...oneHop.map((r) => r.p50AddedMs)), met: oneHop.every((r) => r.p50AddedMs < 1) },
    } : undefined,
    relay: relay_,
    idle: idleResult,
  }, null, 2));
}

if (process.env.BENCH_IDLE) await idleGenerator();
else {
  process.on('exit', stopAll);
  await main().catch((e) => {
    console.error(e);
    stopAll();
    process.exit(1);
  });
}
