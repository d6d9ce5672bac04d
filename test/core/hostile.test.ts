// A hostile server or peer at the client's receive path: no hello shape makes it throw, a second
// server cannot take over, and the list of who is typing stays bounded and expires.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { action, once, onceWhere, record, tick, wire } from './helpers.ts';

const hello = (from: string, to: string, description?: unknown, action = 'iq-get') =>
  ({ id: `h-${Math.random()}`, from, to, jsongle: action === 'iq-get' ? { action, query: 'session-hello', transaction: `tx-${Math.random()}`, ...(description === undefined ? {} : { description }) } : { action, ...(description === undefined ? {} : { description }) } });

test('no hello shape makes the receive path throw; a hello without a sender is an error event', async (t) => {
  const threw = t.mock.method(console, 'error', () => {});
  const w = wire({ user: { uid: 'alice' }, logLevel: 'error' });
  const errors = record(w.client, ['error']);
  const shapes = [
    hello('', 'prov-1', { sn: 'sn' }),
    hello('', ''),
    hello('', 'prov-1', undefined, 'session-hello'),
  ];
  for (const m of shapes) w.push(m);
  const until = Date.now() + 3000;
  while (errors.length < 3 && Date.now() < until) await tick(10);
  assert.deepEqual(errors.map(([, e]) => e.code), ['wrong-sender', 'wrong-sender', 'wrong-sender']);
  assert.equal(w.sent.length, 0, 'nothing answered to nobody');
  // Odd but addressed hellos are answered; the first one names the server.
  const odd = [
    hello('sn', '', { sn: 42 }),
    hello('sn', 'prov-2', { sn: '' }),
    hello('sn', 'prov-3', { sn: 'x'.repeat(10_000), version: {}, connected: null }),
    hello('sn', 'prov-4', undefined, 'session-hello'),
    hello('sn', 'prov-5', { sn: ['sn'] }, 'session-hello'),
  ];
  for (const m of odd) w.push(m);
  const deadline = Date.now() + 3000;
  while (w.sent.filter(action('iq-result')).length < 3) {
    if (Date.now() > deadline) assert.fail(`the three hello requests not answered within 3 s (${w.sent.length} sent)`);
    await tick(10);
  }
  await tick(30); // and nothing more: the plain session-hellos are not requests
  assert.ok(w.sent.filter(action('iq-result')).every((m) => m.to === 'sn'));
  assert.equal(w.client.server, 'sn');
  assert.equal(threw.mock.callCount(), 0, `nothing threw on the receive path: ${threw.mock.calls.map((c) => c.arguments[0]).join('; ')}`);
  w.client.close();
});

test('a hello from another sender than the first one is ignored (error event): it cannot become the server', async () => {
  const w = wire({ user: { uid: 'alice' } });
  w.push(hello('jsongle', 'prov-1', { sn: 'jsongle' }));
  const answer = await w.sentWhere(action('iq-result'));
  w.push({ id: 'k', from: 'jsongle', to: 'prov-1', jsongle: { action: 'ack', status: 'success', transaction: answer.jsongle.transaction } });
  await once(w.client, 'registered');
  const ignored = onceWhere(w.client, 'error', (e) => e.code === 'wrong-sender');
  w.push(hello('mallory', 'alice', { sn: 'mallory' }));
  const [error, from] = await ignored;
  assert.equal(from, 'mallory');
  assert.match(error.message, /not the server jsongle/);
  assert.equal(w.client.server, 'jsongle');
  assert.equal(w.client.registered, true);
  // Acks and errors from anyone but the server are ignored too.
  const ack = onceWhere(w.client, 'error', (e) => e.code === 'wrong-sender' && e.detail.id === 'fake-ack');
  w.push({ id: 'fake-ack', from: 'mallory', to: 'alice', jsongle: { action: 'ack', status: 'failed', transaction: 't' } });
  await ack;
  // The real server's next hello (a reconnection) is still taken.
  w.push(hello('jsongle', 'prov-2', { sn: 'jsongle' }));
  await w.sentWhere((m) => m.jsongle.action === 'iq-result' && m.from === 'prov-2');
  w.client.close();
});

test('20,000 distinct typing senders: the list stays bounded, the newest kept; entries expire', async () => {
  const w = wire({ user: { uid: 'alice' }, typingExpiry: 60_000 });
  let seen = 0;
  w.client.on('event', () => seen++);
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    w.push({ id: `t${i}`, from: `sender-${i}`, to: 'alice', jsongle: { action: 'session-event', namespace: 'message', event: 'typing', description: { state: 'composing', updated: new Date().toISOString() } } });
  }
  const deadline = Date.now() + 20_000;
  while (seen < n) {
    if (Date.now() > deadline) assert.fail(`only ${seen} of ${n} typing events arrived within 20 s`);
    await tick(20);
  }
  const typing = w.client.typing;
  assert.ok(typing.length <= 256, `at most 256 listed, got ${typing.length}`);
  assert.equal(typing.at(-1), `sender-${n - 1}`, 'the newest is kept');
  assert.ok(!typing.includes('sender-0'), 'the oldest was dropped');

  const short = wire({ user: { uid: 'bob' }, typingExpiry: 40 });
  const got = once(short.client, 'event');
  short.push({ id: 'e', from: 'carol', to: 'bob', jsongle: { action: 'session-event', namespace: 'message', event: 'typing', description: { state: 'composing' } } });
  await got;
  assert.deepEqual(short.client.typing, ['carol']);
  // The expiry is told like an `active` from carol, so whoever shows the list knows it changed.
  const [ended, from]: any[] = await onceWhere(short.client, 'event', (e: any) => e.event === 'typing', 2000, "carol's composing expiring");
  assert.deepEqual([from, ended.namespace, ended.description.state], ['carol', 'message', 'active']);
  assert.deepEqual(short.client.typing, [], 'a composing without news expires');
  short.client.close();
  // News postpones the expiry in place: the order is the order they started.
  const order = wire({ user: { uid: 'bob' } });
  let news = 0;
  order.client.on('event', () => news++);
  for (const from of ['dave', 'erin', 'dave']) order.push({ id: `n-${news}-${from}`, from, to: 'bob', jsongle: { action: 'session-event', namespace: 'message', event: 'typing', description: { state: 'composing' } } });
  while (news < 3) await tick(5);
  assert.deepEqual(order.client.typing, ['dave', 'erin']);
  order.client.close();
  assert.deepEqual(order.client.typing, [], 'close() forgets who was typing');
  w.client.close();
});
