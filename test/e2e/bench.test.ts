// The benchmarks keep working: each runs through `npm run bench` with BENCH_SCALE=smoke, for about a
// second of load (their figures mean nothing at that length), and writes its JSON document with the
// baseline beside ours; the scaling one its SVG plots. Timings are never asserted here: bench/ does that.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const results = mkdtempSync(join(tmpdir(), 'jsongle-bench-'));
after(() => rmSync(results, { recursive: true, force: true }));

/** Runs one benchmark through bench/run.mjs (smoke) and returns its JSON document. */
function bench(name: string) {
  for (const file of ['dist/server/bin.js', 'dist/demo/jsongle-elements.min.js']) assert.ok(existsSync(file), `${file} built (npm test builds first)`);
  const run = spawnSync(process.execPath, ['bench/run.mjs', name], {
    env: { ...process.env, BENCH_SCALE: 'smoke', BENCH_RESULTS: results, NODE_TEST_CONTEXT: undefined },
    encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.equal(run.status, 0, `bench/run.mjs ${name} exited ${run.status} ${run.error?.message ?? ''}\n${(run.stderr ?? '').slice(-3000)}`);
  assert.match(run.stdout, /\| benchmark \| figure \| ours \| baseline \| ours \/ baseline \|/, 'the closing table');
  return JSON.parse(readFileSync(join(results, `${name}.json`), 'utf8'));
}
const positive = (x: unknown, what: string) => assert.ok(typeof x === 'number' && x > 0, `${what} = ${x}`);

describe('npm run bench (smoke): each benchmark writes its JSON, the baseline beside ours', () => {
  test('size', () => {
    const size = bench('size');
    positive(size.core.gzip, 'core gzip');
    positive(size.baseline_dependencies_only.gzip, 'its baseline');
  });

  test('relay, at ~300 and ~520 bytes', { timeout: 130_000 }, () => {
    const relay = bench('relay');
    assert.ok(relay.atSpecSize.throughput.length > 0, 'the spec-size scenarios ran');
    for (const t of [...relay.throughput, ...relay.perHop, ...relay.atSpecSize.throughput, ...relay.atSpecSize.perHop]) {
      for (const kind of ['baseline', 'ours']) positive(t[kind].messages, `${t.pairs}x${t.inFlight} ${kind}: messages`);
    }
    positive(relay.idle[0].ours.held, 'idle connections held');
  });

  test('store: stored text beside transport-info and the bare relay', { timeout: 130_000 }, () => {
    const store = bench('store');
    for (const k of ['storedText', 'transportInfoNotStored', 'rawWsBaseline']) positive(store.cpuUsPerRelayedMessage[k], k);
  });

  test('call set-up in Chromium', { timeout: 130_000 }, () => {
    const setup = bench('setup');
    positive(setup.baseline.offerToConnectedMs, 'baseline offer → connected');
    for (const k of ['ringingMs', 'callToActiveMs', 'acceptToActiveMs']) positive(setup.ours[k], k);
    assert.ok(setup.ours.ringingMs < setup.ours.callToActiveMs, 'ringing comes before active');
    assert.equal(typeof setup.target.met, 'boolean');
  });

  test('scaling, with its SVG plots', { timeout: 130_000 }, () => {
    const scaling = bench('scaling');
    for (const r of scaling.relay) for (const kind of ['baseline', 'ours']) positive(r[kind].msgsPerSec, `${r.pairs} pairs ${kind}: msg/s`);
    for (const m of scaling.memory) for (const kind of ['baseline', 'ours']) positive(m[kind].rssAfterMB, `${m.connections} idle ${kind}: RSS`);
    for (const svg of ['scaling-throughput.svg', 'scaling-cpu.svg', 'scaling-rss.svg']) {
      const text = readFileSync(join(results, svg), 'utf8');
      assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, svg);
      assert.equal(text.match(/<polyline /g)?.length, 2, `${svg}: a curve for the baseline and one for ours`);
    }
  });
});
