// Helpers of the benchmark smoke tests (bench*.test.ts). The benchmarks keep working: each runs through `npm run bench` with BENCH_SCALE=smoke, for about a
// second of load (their figures mean nothing at that length), and writes its JSON document with the
// baseline beside ours; the scaling one its SVG plots. Timings are never asserted here: bench/ does that.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const results = mkdtempSync(join(tmpdir(), 'jsongle-bench-'));
after(() => rmSync(results, { recursive: true, force: true }));

/** Runs one benchmark through bench/run.mjs (smoke) and returns its JSON document. */
export function bench(name: string, ms = 120_000) {
  for (const file of ['dist/server/bin.js', 'dist/demo/jsongle-elements.min.js']) assert.ok(existsSync(file), `${file} built (npm test builds first)`);
  const run = spawnSync(process.execPath, ['bench/run.mjs', name], {
    env: { ...process.env, BENCH_SCALE: 'smoke', BENCH_RESULTS: results, NODE_TEST_CONTEXT: undefined },
    encoding: 'utf8', timeout: ms, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.equal(run.status, 0, `bench/run.mjs ${name} exited ${run.status} ${run.error?.message ?? ''}\n${(run.stderr ?? '').slice(-3000)}`);
  assert.match(run.stdout, /\| benchmark \| figure \| ours \| baseline \| ours \/ baseline \|/, 'the closing table');
  return JSON.parse(readFileSync(join(results, `${name}.json`), 'utf8'));
}
export const positive = (x: unknown, what: string) => assert.ok(typeof x === 'number' && x > 0, `${what} = ${x}`);
/** A count from a ~0.3 s window: on a loaded machine it may be 0; it must be there and be a count. */
export const counted = (x: unknown, what: string) => assert.ok(Number.isInteger(x) && (x as number) >= 0, `${what} = ${x}`);

