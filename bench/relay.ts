// Relay benchmark: our server against a bare `ws` relay, side by side in the same run.
// Usage: npm run bench:relay            (full: 3 rounds, 50/500 pairs, 2,000/10,000 idle connections)
//        BENCH_SCALE=small npm run bench:relay   (a quick look while developing; `smoke`: ~1 s, for npm test)
//        BENCH_ONLY=hop npm run bench:relay      (only the scenarios named so: relay, hop, idle, or a
//          full name such as hop-50x1; comma-separated; BENCH_ROUNDS=n to repeat them; medians only)
//        BENCH_IDS=uuid npm run bench:relay      (message ids of a UUID's length instead of `b<ms>`: see load.ts)
// Three processes per measurement: the server under test (plain node), the load generator
// (bench/load.ts, forked), and this orchestrator, which alternates baseline and ours and takes the
// median of each figure over the rounds. Everything stays on 127.0.0.1; every step is bounded in time.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { hardLimit, hasTaskset, log, measure, medians, NODE_FLAGS, ratio, root, type Kind } from './harness.ts';
import type { Job } from './load.ts';

const small = process.env.BENCH_SCALE === 'small';
const smoke = process.env.BENCH_SCALE === 'smoke'; // npm test's check that it still runs: ~1 s of load
const maxIdle = Math.max(100, hardLimit === Infinity ? 10_000 : hardLimit - 500);
const S = smoke
  ? { rounds: 1, pairs: [10], hopPairs: [1], idle: [20], warmupMs: 200, measureMs: 300 }
  : small
  ? { rounds: 1, pairs: [10, 50], hopPairs: [1, 10, 50], idle: [200, 1000], warmupMs: 500, measureMs: 1500 }
  : { rounds: 3, pairs: [50, 500], hopPairs: [1, 50, 500], idle: [2000, 10_000], warmupMs: 1000, measureMs: 3000 };
const idleCounts = S.idle.map((n) => Math.min(n, maxIdle));
const only = process.env.BENCH_ONLY?.split(',').map((x) => x.trim()).filter(Boolean);
if (only && process.env.BENCH_ROUNDS) S.rounds = Math.max(1, Number(process.env.BENCH_ROUNDS) || 1);
const IN_FLIGHT = 100;
const SPEC = '520B';
const specHopPairs = smoke ? [] : S.hopPairs; // the smoke run checks the 520-byte frame once, not twice

async function main() {
  if (!existsSync(`${root}/dist/server/bin.js`)) throw new Error('dist/server/bin.js is missing: run `node scripts/build.mjs` (npm run bench:relay does)');
  const scenarios: { name: string; job: Omit<Job, 'kind' | 'port' | 'pid'> }[] = [
    ...S.pairs.map((pairs) => ({ name: `relay-${pairs}x${IN_FLIGHT}`, job: { mode: 'relay' as const, pairs, inFlight: IN_FLIGHT, connections: 0, warmupMs: S.warmupMs, measureMs: S.measureMs, concurrency: 100 } })),
    ...S.hopPairs.map((pairs) => ({ name: `hop-${pairs}x1`, job: { mode: 'relay' as const, pairs, inFlight: 1, connections: 0, warmupMs: S.warmupMs, measureMs: S.measureMs, concurrency: 100 } })),
    // The same at the size of the spec's own transport-info example (~520 bytes relayed).
    ...S.pairs.map((pairs) => ({ name: `relay-${pairs}x${IN_FLIGHT}-${SPEC}`, job: { mode: 'relay' as const, pairs, inFlight: IN_FLIGHT, connections: 0, warmupMs: S.warmupMs, measureMs: S.measureMs, concurrency: 100, frame: 'spec' as const } })),
    ...specHopPairs.map((pairs) => ({ name: `hop-${pairs}x1-${SPEC}`, job: { mode: 'relay' as const, pairs, inFlight: 1, connections: 0, warmupMs: S.warmupMs, measureMs: S.measureMs, concurrency: 100, frame: 'spec' as const } })),
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
  const throughputAt = (suffix: string) => S.pairs.map((pairs) => {
    const name = `relay-${pairs}x${IN_FLIGHT}${suffix}`;
    const [b, o] = [m(name, 'baseline'), m(name, 'ours')];
    return { pairs, inFlight: IN_FLIGHT, baseline: b, ours: o, cpuRatio: ratio(o.cpuUsPerMsg, b.cpuUsPerMsg) };
  });
  const hopsAt = (suffix: string, list = S.hopPairs) => list.map((pairs) => {
    const [b, o] = [m(`hop-${pairs}x1${suffix}`, 'baseline'), m(`hop-${pairs}x1${suffix}`, 'ours')];
    return { pairs, inFlight: 1, baseline: b, ours: o, p50Ratio: ratio(o.p50Ms, b.p50Ms), cpuRatio: ratio(o.cpuUsPerMsg, b.cpuUsPerMsg) };
  });
  const throughput = throughputAt('');
  const hops = hopsAt('');
  const spec = { throughput: throughputAt(`-${SPEC}`), perHop: hopsAt(`-${SPEC}`, specHopPairs) };
  const specCpu = Math.max(...spec.throughput.map((t) => t.cpuRatio));
  const specHop = spec.perHop[0]?.p50Ratio ?? NaN;
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
    command: smoke || small ? `BENCH_SCALE=${process.env.BENCH_SCALE} npm run bench:relay` : 'npm run bench:relay',
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
      cpuPerMessageAtSpecSize: { max: 1.25, worst: specCpu, met: specCpu <= 1.25 },
      perHopP50AtSpecSize: { max: 1.25, ratio: specHop, met: specHop <= 1.25 },
    },
    throughput,
    perHop: hops,
    atSpecSize: { frame: 'transport-info of messages.md, ~520 bytes relayed (~300 above)', ...spec },
    idle,
  };

  const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const table = [
    row(['scenario', 'server', 'msg/s', 'CPU µs/msg', 'p50 ms', 'p99 ms']),
    row(['---', '---', '---:', '---:', '---:', '---:']),
    ...[
      ...throughput.map((t) => [`${t.pairs} pairs × ${t.inFlight} in flight`, t] as const),
      ...hops.map((h) => [`${h.pairs} pair${h.pairs > 1 ? 's' : ''} × 1 in flight (per hop)`, h] as const),
      ...spec.throughput.map((t) => [`${t.pairs} pairs × ${t.inFlight} in flight, 520 B`, t] as const),
      ...spec.perHop.map((h) => [`${h.pairs} pair${h.pairs > 1 ? 's' : ''} × 1 in flight (per hop), 520 B`, h] as const),
    ]
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
