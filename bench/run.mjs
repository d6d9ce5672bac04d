// `npm run bench`: every benchmark (size, relay, store, setup, setup-audio, scaling, cluster, identity, flood), one after the other, each writing its JSON document to
// bench/results/<name>.json (git-ignored), then a short table of the headline figures. Each runs its
// baseline in the same run; all traffic stays on 127.0.0.1; each has a time limit.
// Usage: npm run bench                      (full: take figures on a quiet machine)
//        npm run bench -- relay,setup       (only those)
//        BENCH_SCALE=smoke npm run bench    (each for about a second: what npm test checks)
//        BENCH_RESULTS=dir                  (another folder for the JSON and SVG files)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { plotScaling } from './plot.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const smoke = process.env.BENCH_SCALE === 'smoke';
const results = process.env.BENCH_RESULTS || join(root, 'bench/results');
const tsx = (file) => [process.execPath, '--import', 'tsx', file];
const pick = (o, path) => path.split('.').reduce((v, k) => v?.[k], o);

/** Each benchmark: its command, its time limit, and the figures the closing table shows. */
const BENCHMARKS = [
  { name: 'size', command: [process.execPath, 'bench/size.mjs'], minutes: 2,
    rows: (r) => [
      ['core + dependencies gzip bytes (the dependencies alone)', r.budgets.core.gzip, r.baseline_dependencies_only.gzip],
      ['CDN file gzip bytes (lit alone)', r.budgets.cdn.gzip, r.baseline_lit_only.gzip],
      ['connection + call via the autoloader gzip bytes (lit alone)', r.budgets.autoloaderCall.gzip, r.baseline_lit_only.gzip],
    ] },
  { name: 'relay', command: tsx('bench/relay.ts'), minutes: 12,
    rows: (r) => [
      ...Object.entries(r.headline.cpuUsPerMsg).map(([k, v]) => [`relay ${k}: CPU µs/message`, v.ours, v.baseline]),
      ...Object.entries(r.headline.perHopP50Ms).map(([k, v]) => [`per hop, ${k}: p50 ms`, v.ours, v.baseline]),
      ...r.atSpecSize.throughput.map((t) => [`relay ${t.pairs}x${t.inFlight}, 520 B: CPU µs/message`, t.ours.cpuUsPerMsg, t.baseline.cpuUsPerMsg]),
      ...r.atSpecSize.perHop.map((h) => [`per hop, ${h.pairs} pair(s), 520 B: p50 ms`, h.ours.p50Ms, h.baseline.p50Ms]),
    ] },
  { name: 'store', command: tsx('bench/store.ts'), minutes: 5,
    rows: (r) => [['stored text: CPU µs/message (bare relay)', r.cpuUsPerRelayedMessage.storedText, r.cpuUsPerRelayedMessage.rawWsBaseline], ['transport-info, not stored: CPU µs/message (bare relay)', r.cpuUsPerRelayedMessage.transportInfoNotStored, r.cpuUsPerRelayedMessage.rawWsBaseline]] },
  { name: 'setup', command: tsx('bench/setup.ts'), minutes: 8,
    rows: (r) => [['Accept → both active, ms (baseline: offer → connected)', r.ours.acceptToActiveMs, r.baseline.offerToConnectedMs], ['call() → both active (less the ring), ms', r.ours.callToActiveMs, r.baseline.offerToConnectedMs], ['call() → ringing on the callee, ms', r.ours.ringingMs, ''], ['Accept → both told active (is-active-both-side), ms', r.ours.acceptToBothSideMs, ''], ['Accept → first remote video frame on both sides, ms', r.ours.acceptToFrameMs, '']] },
  { name: 'setup-audio', command: tsx('bench/setup.ts'), env: { BENCH_MEDIA: 'audio' }, minutes: 8,
    rows: (r) => [['audio call: Accept → both active, ms (baseline: offer → connected, audio tracks)', r.ours.acceptToActiveMs, r.baseline.offerToConnectedMs], ['audio call: call() → both active (less the ring), ms', r.ours.callToActiveMs, r.baseline.offerToConnectedMs], ['audio call: Accept → both told active (is-active-both-side), ms', r.ours.acceptToBothSideMs, '']] },
  { name: 'scaling', command: tsx('bench/scaling.ts'), minutes: 25, after: plotScaling,
    rows: (r) => [
      ...r.relay.map((x) => [`${x.pairs} pairs × ${x.inFlight}: msg/s, CPU µs/msg`, `${x.ours.msgsPerSec}, ${x.ours.cpuUsPerMsg}`, `${x.baseline.msgsPerSec}, ${x.baseline.cpuUsPerMsg}`]),
      ...r.memory.map((x) => [`${x.connections} idle connections: RSS MB`, x.ours.rssAfterMB, x.baseline.rssAfterMB]),
    ] },
  // Across two nodes sharing a redis-server (the scale-out work): pairs on one node beside pairs split across the nodes.
  { name: 'cluster', command: tsx('bench/cluster.ts'), minutes: 10,
    rows: (r) => [
      ...r.relay.map((x) => [`${x.scenario} (pairs × in flight), split across nodes: CPU µs/msg (same node)`, x.split.cpuUsPerMsg, x.same.cpuUsPerMsg]),
      ...r.relay.map((x) => [`${x.scenario}, split across nodes: p50 ms (same node)`, x.split.p50Ms, x.same.p50Ms]),
      ['idle, two nodes: RSS KB per connection (one node, no Redis)', Math.max(...r.idle.twoNodes.rssPerConnKB), r.idle.singleNodeNoRedis.rssPerConnKB[0]],
    ] },
  { name: 'identity', command: tsx('bench/identity.ts'), minutes: 4,
    rows: (r) => ['HS256', 'ES256'].map((k) => [`hellos/s with ${k} tokens (open mode)`, r.results[k].hellosPerSecond, r.results.open.hellosPerSecond]) },
  { name: 'flood', command: tsx('bench/flood.ts'), minutes: 4,
    rows: (r) => [['one pair, another client flooding: p99 ms (no flood)', r.with.p99, r.without.p99], ['one pair, another client flooding: p50 ms (no flood)', r.with.p50, r.without.p50]] },
];

const wanted = process.argv[2]?.split(',').filter(Boolean);
const chosen = BENCHMARKS.filter((b) => !wanted || wanted.includes(b.name));
if (wanted?.some((w) => !BENCHMARKS.some((b) => b.name === w))) throw new Error(`unknown benchmark in ${wanted}: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
mkdirSync(results, { recursive: true });

const table = [];
let failed = 0;
for (const b of chosen) {
  const limit = (smoke ? 3 : b.minutes) * 60_000;
  process.stderr.write(`\n== bench ${b.name}${smoke ? ' (smoke)' : ''}: at most ${limit / 60_000} min\n`);
  const run = spawnSync(b.command[0], b.command.slice(1), { cwd: root, env: { ...process.env, ...b.env }, timeout: limit, killSignal: 'SIGKILL', encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  const out = run.stdout ?? '';
  const start = out.search(/^\{$/m); // each prints its JSON document last, pretty-printed
  let report;
  try {
    report = JSON.parse(out.slice(start));
  } catch {
    failed++;
    table.push([b.name, `FAILED (${run.error?.message ?? `exit ${run.status}`})`, '', '']);
    process.stderr.write(out);
    continue;
  }
  const file = join(results, `${b.name}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const drawn = b.after?.(file) ?? [];
  process.stderr.write(`${out.slice(0, start)}wrote ${[file, ...drawn].join(', ')}\n`);
  for (const [what, ours, baseline] of b.rows(report)) {
    const ratio = typeof ours === 'number' && typeof baseline === 'number' && baseline ? (ours / baseline).toFixed(2) : '';
    table.push([b.name, what, ours, baseline, ratio]);
  }
}

const line = (cells) => `| ${cells.join(' | ')} |`;
console.log(['', line(['benchmark', 'figure', 'ours', 'baseline', 'ours / baseline']), line(['---', '---', '---:', '---:', '---:']), ...table.map(line)].join('\n'));
console.log(`\nJSON in ${results}${smoke ? ' (smoke: figures from ~1 s of load mean nothing)' : ''}`);
process.exit(failed ? 1 : 0);
