// A cluster losing a part: a node killed with SIGKILL (its lease lapses), and Redis restarted
// (its data lost: no persistence in the test).
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { cleanup as cleanupAll, everyNodeSees, health, roundRobin, spawnNode, startNodes, startRedis, type TestRedis } from './cluster-helpers.ts';
import { cleanup, connectClient, until, waitEvent, waitFor } from './helpers.ts';
import { OFFER, wholeCall } from './scenarios.ts';

const LEASE = 3000;
let redis: TestRedis;
before(async () => { redis = await startRedis(); });
after(cleanupAll);
afterEach(cleanup);
beforeEach(() => redis.flush());

test('a node killed with SIGKILL: within the lease its users leave, its calls end with gone, its clients go on from another node', async () => {
  const doomed = await spawnNode(redis, { JSONGLE_NODE_LEASE: String(LEASE) });
  const [n2, n3] = await startNodes(redis, 2, { nodeLease: LEASE });
  const alice = await connectClient(n2, 'alice');
  const carol = await connectClient(n3, 'carol');
  // Bob's transport tries the doomed node first, then the others in turn.
  const bob = await connectClient(doomed, 'bob', 'Bob', { WebSocket: roundRobin([doomed.wsUrl, n2.wsUrl, n3.wsUrl]) });
  await everyNodeSees([doomed, n2, n3], 3);
  for (const c of [alice, carol, bob]) await c.request(c.server, 'muc-join', { rid: 'team' });

  // Alice (node 2) called Bob (doomed node) and the call reached the offer; Dave (doomed node) rings Carol (node 3).
  const incoming = waitFor(bob, 'call');
  const needed = waitFor(alice, 'offerneeded');
  const call = alice.call('bob', 'video');
  await incoming;
  bob.proceed();
  await needed;
  const offered = waitFor(bob, 'offerreceived');
  alice.sendOffer(OFFER);
  await offered;

  const dave = await connectClient(doomed, 'dave');
  await everyNodeSees([doomed, n2, n3], 4);
  const ringing = waitFor(carol, 'call');
  const daveCall = dave.call('carol', 'audio');
  await ringing;

  const carolEnded = waitFor(carol, 'callended', (_l, c) => c.id === daveCall.id, LEASE);
  const leftForAlice = waitEvent(alice, 'left', (d) => d.member.uid === 'bob', LEASE);
  const leftForCarol = waitEvent(carol, 'left', (d) => d.member.uid === 'bob', LEASE);
  const ended = waitFor(alice, 'callended', (_l, c) => c.id === call.id, LEASE);
  const registeredAgain = waitFor(bob, 'registered', () => true, LEASE + 3000);
  await doomed.kill();

  await Promise.all([leftForAlice, leftForCarol]);
  const [, aliceCall] = await ended;
  assert.equal(aliceCall.cause, 'gone', 'the answered call ends for the caller when the callee\'s node dies');
  const [, carolCall] = await carolEnded;
  assert.equal(carolCall.cause, 'gone', 'the ringing call ends for the callee when the caller\'s node dies');
  const check = new Redis(redis.url);
  try {
    await until(async () => (await check.scard('jsongle:nodes')) === 2, LEASE, 'the dead node struck off');
    assert.ok((await check.hlen('jsongle:user:bob')) <= 1, 'the dead node\'s registration of bob is gone (one left at most: bob again, on node 2)');
    assert.equal(await check.hlen('jsongle:room:team'), 2, 'bob is out of the room');
  } finally {
    check.disconnect();
  }

  // Bob's client reconnects (to node 2), registers again, and is reachable from node 3.
  await registeredAgain;
  bob.end(); // its side of the call with Alice (its media would fail without the dead node's word)
  await bob.request(bob.server, 'muc-join', { rid: 'team' });
  await wholeCall(carol, bob, 'bob');
});

test('Redis restarts: no client is dropped, the nodes publish their state again, a new call between nodes works', async () => {
  const [n1, n2, n3] = await startNodes(redis, 3);
  const alice = await connectClient(n1, 'alice');
  const bob = await connectClient(n2, 'bob');
  await alice.request(alice.server, 'session-join', { rid: 'pair' });
  await bob.request(bob.server, 'session-join', { rid: 'pair' });
  let lost = 0;
  for (const c of [alice, bob]) {
    c.on('registered', () => lost++);
    c.on('event', (e) => { if ('event' in e && e.event === 'left') lost++; });
  }

  await redis.restart();
  await until(async () => (await Promise.all([n1, n2, n3].map(health))).every((h) => h.redis === 'ready'), 10_000, 'every node reconnected to Redis');
  const check = new Redis(redis.url);
  try {
    await until(async () => (await check.hlen('jsongle:room:pair')) === 2, 5000, 'the room\'s two members written back to Redis');
    assert.equal(await check.hlen('jsongle:user:alice'), 1);
  } finally {
    check.disconnect();
  }
  // The room is full again cluster-wide, and a call between nodes goes through.
  const carol = await connectClient(n3, 'carol');
  await everyNodeSees([n1, n2, n3], 3);
  await assert.rejects(carol.request(carol.server, 'session-join', { rid: 'pair' }), /full/);
  await wholeCall(alice, bob, 'pair');
  await wholeCall(carol, alice, 'alice');
  assert.equal(lost, 0, 'nobody re-registered or was told left');
});

test('a node cut from Redis reconnects and makes Redis hold exactly what it holds', async () => {
  const [n1] = await startNodes(redis, 1);
  const alice = await connectClient(n1, 'alice');
  await alice.request(alice.server, 'muc-join', { rid: 'kept' });
  const node = String((await health(n1)).node);
  const admin = new Redis(redis.url);
  try {
    // A connection Redis still lists for this node but the node no longer holds (a lost remove).
    await admin.hset(`jsongle:conns:${node}`, 'ghost-cid', JSON.stringify(['ghost', '']));
    await admin.hset('jsongle:user:ghost', 'ghost-cid', node);
    await admin.hset('jsongle:room:kept', 'ghost-cid', 'ghost');
    await admin.sadd('jsongle:joins:ghost-cid', 'kept');
    await admin.hset('jsongle:urooms:ghost', 'kept', '1');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await until(async () => (await admin.hexists(`jsongle:conns:${node}`, 'ghost-cid')) === 0, 5000, 'the ghost connection dropped from Redis');
    assert.equal(await admin.hlen('jsongle:user:ghost'), 0);
    assert.equal(await admin.exists('jsongle:urooms:ghost', 'jsongle:joins:ghost-cid'), 0);
    assert.deepEqual(await admin.hvals('jsongle:room:kept'), ['alice'], 'alice still in her room, the ghost out');
    assert.equal(await admin.hlen('jsongle:user:alice'), 1);
  } finally {
    admin.disconnect();
  }
  assert.equal(alice.registered, true);
});
