// The benchmarks keep working: `npm run bench` with BENCH_SCALE=smoke runs each for about a second
// (their figures mean nothing at that length) and each writes its JSON document, with the baseline
// beside ours; the scaling one its SVG plots. Timings are never asserted here: that is bench/'s job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('npm run bench (smoke): size, relay, set-up and scaling each write their JSON, baseline beside ours', { timeout: 170_000 }, () => {
  for (const file of ['dist/server/bin.js', 'dist/demo/jsongle-elements.min.js']) assert.ok(existsSync(file), `${file} built (npm test builds first)`);
  const results = mkdtempSync(join(tmpdir(), 'jsongle-bench-'));
  try {
    const run = spawnSync(process.execPath, ['bench/run.mjs'], {
      env: { ...process.env, BENCH_SCALE: 'smoke', BENCH_RESULTS: results, NODE_TEST_CONTEXT: undefined },
      encoding: 'utf8', timeout: 160_000, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.equal(run.status, 0, `bench/run.mjs exited ${run.status} ${run.error?.message ?? ''}\n${run.stderr.slice(-3000)}`);
    const read = (name: string) => JSON.parse(readFileSync(join(results, `${name}.json`), 'utf8'));
    const positive = (x: unknown, what: string) => assert.ok(typeof x === 'number' && x > 0, `${what} = ${x}`);

    const size = read('size');
    positive(size.core.gzip, 'size: core gzip');
    positive(size.baseline_dependencies_only.gzip, 'size: its baseline');

    const relay = read('relay');
    for (const t of [...relay.throughput, ...relay.perHop, ...relay.atSpecSize.throughput, ...relay.atSpecSize.perHop]) {
      for (const kind of ['baseline', 'ours']) positive(t[kind].messages, `relay ${t.pairs}x${t.inFlight} ${kind}: messages`);
    }
    positive(relay.idle[0].ours.held, 'relay: idle connections held');

    const setup = read('setup');
    positive(setup.baseline.offerToConnectedMs, 'setup: baseline offer → connected');
    for (const k of ['ringingMs', 'callToActiveMs', 'acceptToActiveMs']) positive(setup.ours[k], `setup: ${k}`);
    assert.ok(setup.ours.ringingMs < setup.ours.callToActiveMs, 'ringing comes before active');
    assert.equal(typeof setup.target.met, 'boolean');

    const scaling = read('scaling');
    for (const r of scaling.relay) for (const kind of ['baseline', 'ours']) positive(r[kind].msgsPerSec, `scaling ${r.pairs} pairs ${kind}: msg/s`);
    for (const m of scaling.memory) for (const kind of ['baseline', 'ours']) positive(m[kind].rssAfterMB, `scaling ${m.connections} idle ${kind}: RSS`);
    for (const svg of ['scaling-throughput.svg', 'scaling-cpu.svg', 'scaling-rss.svg']) {
      const text = readFileSync(join(results, svg), 'utf8');
      assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, svg);
      assert.equal(text.match(/<polyline /g)?.length, 2, `${svg}: a curve for the baseline and one for ours`);
    }
    assert.match(run.stdout, /\| benchmark \| figure \| ours \| baseline \| ours \/ baseline \|/, 'the closing table');
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
});
