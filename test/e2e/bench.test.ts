// The benchmarks keep working (size, relay, store): each runs through `npm run bench` with
// BENCH_SCALE=smoke for about a second of load and writes its JSON; see bench-smoke.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bench, counted, positive } from './bench-smoke.ts';

describe('npm run bench (smoke): each benchmark writes its JSON, the baseline beside ours', () => {
  test('size', () => {
    const size = bench('size');
    for (const name of ['cdn', 'autoloaderCall', 'core']) {
      positive(size.budgets[name].gzip, `${name} gzip`);
      positive(size.budgets[name].brotli, `${name} brotli`);
      assert.equal(size.budgets[name].within_budget, size.budgets[name].gzip <= size.budgets[name].budget_gzip);
    }
    positive(size.baseline_dependencies_only.gzip, 'the core dependencies alone');
    positive(size.baseline_lit_only.gzip, 'lit alone');
  });

  test('relay, at ~300 and ~520 bytes', { timeout: 200_000 }, () => {
    const relay = bench('relay', 190_000);
    assert.ok(relay.atSpecSize.throughput.length > 0, 'the spec-size scenarios ran');
    for (const t of [...relay.throughput, ...relay.perHop, ...relay.atSpecSize.throughput, ...relay.atSpecSize.perHop]) {
      for (const kind of ['baseline', 'ours']) counted(t[kind].messages, `${t.pairs}x${t.inFlight} ${kind}: messages`);
    }
    positive(relay.idle[0].ours.held, 'idle connections held');
  });

  test('store: stored text beside transport-info and the bare relay', { timeout: 130_000 }, () => {
    const store = bench('store');
    for (const k of ['storedText', 'transportInfoNotStored', 'rawWsBaseline']) assert.ok(k in store.cpuUsPerRelayedMessage, `cpuUsPerRelayedMessage.${k}`);
  });

});
