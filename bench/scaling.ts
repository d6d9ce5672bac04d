// Scaling benchmark: how the server's cost grows with load, ours beside the bare `ws` relay in the
// same run. Messages/s and server CPU µs per message against pairs (100 in flight each), and RSS
// against idle registered connections. Writes its JSON on stdout; bench/plot.mjs draws the SVGs.
// Usage: npm run bench:scaling           (3 rounds, baseline and ours alternating; medians; JSON and SVGs in bench/results)
//        BENCH_SCALE=small npm run bench:scaling   (1 round, 10/50/200 pairs, 1,000/2,000 idle: a short look)
//        BENCH_SCALE=smoke npm run bench:scaling   (npm test's check that it still runs)
import { cpus } from 'node:os';
import { hardLimit, hasTaskset, log, measure, medians, NODE_FLAGS, ratio, type Kind } from './harness.ts';
import type { Job } from './load.ts';

const smoke = process.env.BENCH_SCALE === 'smoke';
const small = process.env.BENCH_SCALE === 'small'; // a short look (1 round, fewer points): figures only indicative
const S = smoke
  ? { rounds: 1, pairs: [10], idle: [100], warmupMs: 200, measureMs: 400 }
  : small
  ? { rounds: 1, pairs: [10, 50, 200], idle: [1000, 2000], warmupMs: 500, measureMs: 1000 }
  : { rounds: Number(process.env.BENCH_ROUNDS) || 3, pairs: [10, 50, 200, 500, 1000], idle: [1000, 2000, 5000, 10_000], warmupMs: 1000, measureMs: 2000 };
const IN_FLIGHT = 100;
// 10,000 sockets need as many descriptors in the generator (and the server): stay under the limit.
const maxIdle = Math.max(100, hardLimit - 500);
const idle = S.idle.filter((n) => n <= maxIdle);

type Scenario = { name: string; x: number; job: Omit<Job, 'kind' | 'port' | 'pid'> };
const scenarios: Scenario[] = [
  ...S.pairs.map((pairs) => ({ name: `relay-${pairs}`, x: pairs, job: { mode: 'relay' as const, pairs, inFlight: IN_FLIGHT, connections: 0, warmupMs: S.warmupMs, measureMs: S.measureMs, concurrency: 100 } })),
  ...idle.map((connections) => ({ name: `idle-${connections}`, x: connections, job: { mode: 'idle' as const, pairs: 0, inFlight: 0, connections, warmupMs: 0, measureMs: 0, concurrency: 200 } })),
];

const started = Date.now();
const runs: Record<string, Record<Kind, any[]>> = {};
for (let r = 0; r < S.rounds; r++) {
  for (const [i, s] of scenarios.entries()) {
    const order: Kind[] = (r + i) % 2 ? ['ours', 'baseline'] : ['baseline', 'ours'];
    for (const kind of order) {
      const result = await measure(kind, s.job);
      ((runs[s.name] ??= { baseline: [], ours: [] })[kind]).push(result);
      log(`scaling round ${r + 1}/${S.rounds} ${s.name} ${kind}: ${JSON.stringify(result)}`);
    }
  }
}

const pick = (s: Scenario, keys: string[]) => {
  const [b, o] = [medians(runs[s.name].baseline), medians(runs[s.name].ours)];
  const only = (m: any) => Object.fromEntries(keys.map((k) => [k, m[k]]));
  return { baseline: only(b), ours: only(o), ratio: Object.fromEntries(keys.map((k) => [k, ratio(o[k], b[k])])) };
};
const relay = scenarios.filter((s) => s.job.mode === 'relay').map((s) => ({ pairs: s.x, inFlight: IN_FLIGHT, ...pick(s, ['msgsPerSec', 'cpuUsPerMsg', 'p50Ms', 'p99Ms']) }));
const memory = scenarios.filter((s) => s.job.mode === 'idle').map((s) => ({ connections: s.x, ...pick(s, ['rssAfterMB', 'rssPerConnKB', 'held']) }));

const report = {
  benchmark: 'scaling',
  command: smoke || small ? `BENCH_SCALE=${process.env.BENCH_SCALE} npm run bench:scaling` : 'npm run bench:scaling',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, pinned: hasTaskset, nodeFlags: NODE_FLAGS },
  rounds: S.rounds,
  seconds: Math.round((Date.now() - started) / 1000),
  relay,
  memory,
};

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
console.log([
  row(['pairs × 100 in flight', 'msg/s baseline', 'msg/s ours', 'CPU µs/msg baseline', 'CPU µs/msg ours', 'ratio']),
  row(['---:', '---:', '---:', '---:', '---:', '---:']),
  ...relay.map((r) => row([r.pairs, r.baseline.msgsPerSec, r.ours.msgsPerSec, r.baseline.cpuUsPerMsg, r.ours.cpuUsPerMsg, r.ratio.cpuUsPerMsg])),
  '',
  row(['idle connections', 'RSS MB baseline', 'RSS MB ours', 'KB/conn baseline', 'KB/conn ours', 'ratio']),
  row(['---:', '---:', '---:', '---:', '---:', '---:']),
  ...memory.map((m) => row([m.connections, m.baseline.rssAfterMB, m.ours.rssAfterMB, m.baseline.rssPerConnKB, m.ours.rssPerConnKB, m.ratio.rssPerConnKB])),
].join('\n'));
console.log(JSON.stringify(report, null, 2));
