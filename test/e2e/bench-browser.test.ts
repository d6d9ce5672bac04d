// The benchmarks keep working (set-up in Chromium, scaling with its SVGs): each runs through
// `npm run bench` with BENCH_SCALE=smoke for about a second and writes its JSON; see bench-smoke.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bench, counted, positive, results } from './bench-smoke.ts';

describe('npm run bench (smoke), continued', () => {
  test('call set-up in Chromium', { timeout: 130_000 }, () => {
    const setup = bench('setup');
    assert.equal(setup.media, 'video');
    positive(setup.baseline.offerToConnectedMs, 'baseline offer → connected');
    for (const k of ['ringingMs', 'callToActiveMs', 'acceptToActiveMs']) positive(setup.ours[k], k);
    assert.ok(setup.ours.ringingMs < setup.ours.callToActiveMs, 'ringing comes before active');
    assert.equal(typeof setup.target.met, 'boolean');
  });

  test('call set-up in Chromium, audio calls', { timeout: 130_000 }, () => {
    const setup = bench('setup-audio');
    assert.equal(setup.media, 'audio');
    positive(setup.baseline.offerToConnectedMs, 'baseline offer → connected');
    for (const k of ['ringingMs', 'callToActiveMs', 'acceptToActiveMs']) positive(setup.ours[k], k);
    assert.equal(setup.ours.acceptToFrameMs, null, 'no video frame in an audio call');
  });

  test('scaling, with its SVG plots', { timeout: 130_000 }, () => {
    const scaling = bench('scaling');
    for (const r of scaling.relay) for (const kind of ['baseline', 'ours']) counted(r[kind].msgsPerSec, `${r.pairs} pairs ${kind}: msg/s`);
    for (const m of scaling.memory) for (const kind of ['baseline', 'ours']) positive(m[kind].rssAfterMB, `${m.connections} idle ${kind}: RSS`);
    for (const svg of ['scaling-throughput.svg', 'scaling-cpu.svg', 'scaling-rss.svg']) {
      const text = readFileSync(join(results, svg), 'utf8');
      assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, svg);
      assert.equal(text.match(/<polyline /g)?.length, 2, `${svg}: a curve for the baseline and one for ours`);
    }
  });
});
