// The transports of the core: the spec's { in, out } wrapper, the in-memory pair, BroadcastChannel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSONgle } from '../../src/client.ts';
import { createBroadcastChannelTransport } from '../../src/transport/broadcast-channel.ts';
import { connect, once, pair, record, tick, until } from './helpers.ts';

test("the spec's { name, transport: { in, out } } configuration carries a whole call and chat", async () => {
  // Two applications with their own channel (here an EventTarget each way), wrapped as the spec shows.
  const wires = { a: new EventTarget(), b: new EventTarget() };
  const wrapper = (mine: EventTarget, theirs: EventTarget) => ({
    in: (callback: (m: unknown) => void) => mine.addEventListener('jsongle', (e) => callback((e as CustomEvent).detail)),
    out: (message: unknown) => setTimeout(() => theirs.dispatchEvent(new CustomEvent('jsongle', { detail: message }))),
  });
  const alice = new JSONgle({ transport: { name: 'custom', transport: wrapper(wires.a, wires.b) }, user: { uid: 'alice' } });
  const bob = new JSONgle({ transport: { name: 'custom', transport: wrapper(wires.b, wires.a) }, user: { uid: 'bob' } });
  assert.equal(alice.transport.name, 'custom');
  const { calleeCall } = await connect(alice, bob, 'bob');
  assert.equal(calleeCall.state, 'active');
  const got = once(alice, 'messagereceived');
  bob.send('alice', 'over the wrapper');
  assert.equal((await got)[0].description.content, 'over the wrapper');
});

test('in-memory pair: frames sent while disconnected are queued and delivered once, in order, on reconnect', async () => {
  const { alice, bob, ta } = pair();
  const states = record(alice, ['connectionstatechanged']);
  const received: string[] = [];
  bob.on('messagereceived', (c) => received.push(c.description.content));
  ta.disconnect();
  for (let i = 0; i < 5; i++) alice.send('bob', `m${i}`);
  await tick(20);
  assert.deepEqual(received, []);
  ta.reconnect();
  await until(() => received.length >= 5, 2000, 'the queued messages delivered');
  assert.deepEqual(received, ['m0', 'm1', 'm2', 'm3', 'm4']);
  assert.deepEqual(states.map(([, s]) => s), ['reconnecting', 'open']);
  alice.close();
  assert.equal(ta.state, 'closed');
  assert.equal(states.at(-1)![1], 'closed');
});

test('BroadcastChannel: two "tabs" call and chat with no server; a third tab hears nothing addressed to others', async () => {
  const channel = `test-${Math.random()}`;
  const alice = new JSONgle({ transport: createBroadcastChannelTransport(channel), user: { uid: 'alice' } });
  const bob = new JSONgle({ transport: createBroadcastChannelTransport(channel), user: { uid: 'bob' } });
  const carol = new JSONgle({ transport: createBroadcastChannelTransport(channel), user: { uid: 'carol' } });
  const overheard = record(carol, ['call', 'messagereceived', 'error', 'event']);
  try {
    const { calleeCall } = await connect(alice, bob, 'bob', 'video');
    assert.equal(calleeCall.state, 'active');
    const got = once(bob, 'messagereceived');
    alice.send('bob', 'psst');
    assert.equal((await got)[0].description.content, 'psst');
    const ended = once(bob, 'callended');
    alice.end();
    await ended;
    await tick(10);
    assert.equal(overheard.length, 0);
  } finally {
    for (const c of [alice, bob, carol]) c.close();
  }
});
