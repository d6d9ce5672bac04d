// The benchmarks keep working (size, relay, store, cluster, identity, flood): each runs through `npm run bench` with
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

  test('cluster: pairs split across two nodes on redis-server beside pairs on one node', { timeout: 130_000 }, () => {
    const cluster = bench('cluster');
    assert.ok(cluster.relay.length > 0, 'relay scenarios ran');
    for (const r of cluster.relay) for (const layout of ['same', 'split']) counted(r[layout].msgsPerSec, `${r.scenario} ${layout}: msg/s`);
    for (const held of cluster.idle.twoNodes.held) positive(held, 'idle connections held on each node');
    positive(cluster.idle.singleNodeNoRedis.held[0], 'idle connections held on the single node');
  });

  test('identity: hellos with tokens beside open mode', { timeout: 130_000 }, () => {
    const identity = bench('identity');
    for (const mode of ['open', 'HS256', 'ES256']) positive(identity.results[mode].hellosPerSecond, `${mode} hellos/s`);
    for (const mode of ['HS256', 'ES256']) positive(identity.results[mode].verifyMicroseconds, `${mode} verification µs`);
  });

  test('flood: one pair without and with a flooding client', { timeout: 130_000 }, () => {
    const flood = bench('flood');
    for (const phase of ['without', 'with']) positive(flood[phase].samples, `${phase} the flood: samples`);
    positive(flood.flood.written, 'frames the flooder wrote');
  });

});
