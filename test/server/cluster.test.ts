// Three server nodes sharing one real redis-server: every single-node behaviour with the clients
// spread over the nodes.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { configFromEnv, type JsongleServer } from '../../server/index.ts';
import { cleanup as cleanupAll, everyNodeSees, health, startNodes, startRedis, type TestRedis } from './cluster-helpers.ts';
import { cleanup, connectClient, Raw, startServer, text, until, waitEvent, waitFor } from './helpers.ts';
import { chat, wholeCall } from './scenarios.ts';

let redis: TestRedis;
before(async () => { redis = await startRedis(); });
after(cleanupAll);
afterEach(cleanup);
beforeEach(() => redis.flush());

/** Prometheus text → the value of one metric line. */
const metric = async (node: JsongleServer, name: string) => {
  const body = await (await fetch(`${node.url}/metrics`)).text();
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

describe('three nodes, one Redis', () => {
  test('clients on different nodes: a whole call and a chat by uid, in a 1:1 room', async () => {
    const nodes = await startNodes(redis, 3);
    const [n1, n2] = nodes;
    const alice = await connectClient(n1, 'alice', 'Alice');
    const bob = await connectClient(n2, 'bob', 'Bob');
    await everyNodeSees(nodes, 2);
    await wholeCall(alice, bob, 'bob');
    await wholeCall(bob, alice, 'alice');
    await chat(alice, bob, 'bob', 'alice');

    await alice.request(alice.server, 'session-join', { rid: 'r1' });
    const joined = waitEvent(alice, 'joined');
    assert.deepEqual(await bob.request(bob.server, 'session-join', { rid: 'r1' }), { members: [{ uid: 'alice', dn: 'Alice' }], rid: 'r1' });
    assert.deepEqual((await joined).description, { member: { uid: 'bob', dn: 'Bob' }, rid: 'r1' });
    await wholeCall(alice, bob, 'r1');
    await chat(bob, alice, 'r1', 'r1');
    const left = waitEvent(alice, 'left');
    bob.close();
    assert.deepEqual((await left).description, { member: { uid: 'bob', dn: 'Bob' }, rid: 'r1' });

    const h = await health(n1);
    assert.equal(typeof h.node, 'string');
    assert.equal(h.redis, 'ready');
    assert.notEqual(h.node, (await health(n2)).node);
    assert.ok((await metric(n1, 'jsongle_cluster_frames_published_total'))! > 0, 'n1 published frames for bob');
    assert.ok((await metric(n2, 'jsongle_cluster_frames_received_total'))! > 0, 'n2 received frames for bob');
    assert.ok((await metric(n1, 'jsongle_redis_rtt_seconds'))! > 0, 'the Redis round trip is measured');
  });

  test('a user with a device on each of two nodes: both ring, one answers, the other hears answered-elsewhere', async () => {
    const [n1, n2, n3] = await startNodes(redis, 3);
    const alice = await connectClient(n1, 'alice');
    const phone = await connectClient(n2, 'bob');
    const laptop = await connectClient(n3, 'bob');
    await everyNodeSees([n1, n2, n3], 2);
    const rings = [waitFor(phone, 'call'), waitFor(laptop, 'call')];
    const ringing = waitFor(alice, 'callstatechanged', (_c, ch) => ch.state === 'ringing');
    const call = alice.call('bob', 'audio');
    await Promise.all(rings);
    await ringing;
    const retracted = waitFor(phone, 'callended');
    const proceeded = waitFor(alice, 'offerneeded');
    laptop.proceed();
    await proceeded;
    const [, phoneCall] = await retracted;
    assert.equal(phoneCall.id, call.id);
    assert.equal(phoneCall.cause, 'answered-elsewhere');
    // The rest of the call goes to the laptop only.
    const ended = waitFor(laptop, 'callended');
    alice.end();
    await ended;
  });

  test('two devices on two nodes answer at the same instant: the caller\'s node decides, one wins', async () => {
    const [n1, n2, n3] = await startNodes(redis, 3);
    const alice = await Raw.registered(n1, 'alice');
    const devices = await Promise.all([Raw.registered(n2, 'bob'), Raw.registered(n3, 'bob')]);
    await everyNodeSees([n1, n2, n3], 2);
    const call = (action: string, extra: Record<string, unknown> = {}) => ({
      id: `c-${Math.random().toString(36).slice(2)}`, from: 'x', to: 'alice',
      jsongle: { sid: 'race-1', action, reason: '', initiator: 'alice', responder: 'bob', description: { ...extra } },
    });
    alice.send({ ...call('session-propose', { media: 'audio' }), to: 'bob' });
    await Promise.all(devices.map((d) => d.next((m) => m.jsongle.action === 'session-propose')));
    for (const d of devices) d.send(call('session-proceed', { proceeded: new Date().toISOString() }));
    await alice.next((m) => m.jsongle.action === 'session-proceed');
    const outcomes = await Promise.all(devices.map((d) => d.next((m) => m.jsongle.action === 'session-retract', 1500).then((m) => m.jsongle.reason, () => 'won')));
    assert.deepEqual(outcomes.sort(), ['answered-elsewhere', 'won']);
    assert.deepEqual((await alice.quiet(300)).filter((m) => m.jsongle.action === 'session-proceed'), [], 'the caller heard one proceed');
  });

  test('a ringing device on another node closes: its node tells the caller\'s node, the caller hears unreachable', async () => {
    const [n1, n2] = await startNodes(redis, 2);
    const alice = await connectClient(n1, 'alice');
    const bob = await Raw.registered(n2, 'bob');
    await everyNodeSees([n1, n2], 2);
    const ended = waitFor(alice, 'callended');
    const call = alice.call('bob', 'audio');
    await bob.next((m) => m.jsongle.action === 'session-propose');
    bob.ws.close();
    await ended;
    assert.equal(call.reason, 'unreachable');
  });

  test('a multi-user room with members on all three nodes: joined, members, one message each, left', async () => {
    const nodes = await startNodes(redis, 3);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((uid, i) => Raw.registered(nodes[i], uid)));
    assert.equal((await a.request('muc-join', { rid: 'team' })).jsongle.action, 'iq-result');
    const bJoined = a.next((m) => m.jsongle.event === 'joined' && m.jsongle.description.member.uid === 'b');
    assert.deepEqual((await b.request('muc-join', { rid: 'team' })).jsongle.description.members, [{ uid: 'a', dn: 'a' }]);
    await bJoined;
    const cJoined = [a, b].map((r) => r.next((m) => m.jsongle.event === 'joined' && m.jsongle.description.member.uid === 'c'));
    const members = (await c.request('muc-join', { rid: 'team' })).jsongle.description.members;
    assert.deepEqual(members.map((m: { uid: string }) => m.uid).sort(), ['a', 'b']);
    await Promise.all(cJoined);

    const before = await Promise.all(nodes.map((n) => metric(n, 'jsongle_cluster_publishes_total')));
    a.send(text('a', 'team', 'hello team', 'muc'));
    const [atB, atC] = await Promise.all([b, c].map((r) => r.next((m) => m.jsongle.action === 'session-text')));
    for (const m of [atB, atC]) {
      assert.equal(m.from, 'team/a');
      assert.equal(m.jsongle.description.content, 'hello team');
    }
    assert.equal(atB.to, 'b');
    assert.equal(atC.to, 'c');
    await a.next((m) => m.jsongle.action === 'session-event' && m.jsongle.description.type === 'server-received');
    const after = await Promise.all(nodes.map((n) => metric(n, 'jsongle_cluster_publishes_total')));
    assert.equal(after[0]! - before[0]!, 2, 'the message left node 1 in one publish to each other node');

    const left = [a, b].map((r) => r.next((m) => m.jsongle.event === 'left' && m.jsongle.description.member.uid === 'c'));
    c.ws.close();
    await Promise.all(left);
  });

  test('limits hold across nodes: a 1:1 room of two, rooms per user, names shared cluster-wide', async () => {
    const nodes = await startNodes(redis, 3, { maxRoomsPerUser: 2, maxMucMembers: 2 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((uid, i) => Raw.registered(nodes[i], uid)));
    await everyNodeSees(nodes, 3);
    await a.request('session-join', { rid: 'pair' });
    await b.request('session-join', { rid: 'pair' });
    const full = await c.request('session-join', { rid: 'pair' });
    assert.equal(full.jsongle.description.errorCode, 403001);
    await c.request('muc-join', { rid: 'm' });
    await a.request('muc-join', { rid: 'm' });
    assert.equal((await b.request('muc-join', { rid: 'm' })).jsongle.description.errorCode, 403001, 'muc of 2 members');
    // a is in 2 rooms (pair, m): a third one is refused, even through a second connection on node 3.
    const a2 = await Raw.registered(nodes[2], 'a');
    assert.equal((await a2.request('muc-join', { rid: 'third' })).jsongle.description.errorCode, 403001);
    const kind = await c.request('muc-join', { rid: 'pair' });
    assert.equal(kind.jsongle.description.errorCode, 400001, 'a 1:1 room stays one');
    assert.equal((await c.request('session-join', { rid: 'b' })).jsongle.description.errorCode, 400001, 'a room may not be named like a user of another node');
    // Unreachable is decided cluster-wide too: nobody anywhere is 'nobody'.
    const caller = await connectClient(nodes[1], 'caller');
    const unreachable = waitFor(caller, 'callended');
    caller.call('nobody', 'audio');
    await unreachable;
    await until(async () => (await health(nodes[0])).users === 4, 3000, 'node 1 counting the 4 users of the cluster');
  });

  test('a node shut down cleanly: its users are left for the others at once, its state leaves Redis', async () => {
    const [n1, n2] = await startNodes(redis, 2);
    const alice = await Raw.registered(n1, 'alice');
    const bob = await Raw.registered(n2, 'bob');
    await alice.request('muc-join', { rid: 'bye' });
    await bob.request('muc-join', { rid: 'bye' });
    const left = alice.next((m) => m.jsongle.event === 'left' && m.jsongle.description.member.uid === 'bob');
    const node = String((await health(n2)).node);
    await n2.close();
    await left;
    await until(async () => (await health(n1)).users === 1, 2000, 'node 1 forgetting bob');
    const admin = new Redis(redis.url);
    try {
      assert.equal(await admin.sismember('jsongle:nodes', node), 0);
      assert.equal(await admin.exists(`jsongle:lease:${node}`, `jsongle:conns:${node}`, 'jsongle:user:bob'), 0);
    } finally {
      admin.disconnect();
    }
  });

  test('messages in Redis: stored through one node, delivered offline on another, once, history from a third', async () => {
    const [n1, n2, n3] = await startNodes(redis, 3);
    const a = await Raw.registered(n1, 'alice');
    const first = text('alice', 'bob', 'one');
    a.send(first);
    a.send(first); // a resend after a lost ack: same id
    a.send(text('alice', 'bob', 'two'));
    for (let i = 0; i < 3; i++) await a.next((m) => m.jsongle.event === 'ack' && m.jsongle.description.type === 'server-received');
    // Bob was never connected: he gets both, once each, in order, on his hello to node 2.
    const bob = await connectClient(n2, 'bob');
    const got: string[] = [];
    bob.on('messagereceived', (j) => got.push(j.description.content));
    await until(() => got.length >= 2, 3000, 'bob got the two stored messages');
    assert.deepEqual(got, ['one', 'two']);
    await a.next((m) => m.jsongle.event === 'ack' && m.jsongle.description.type === 'received' && m.jsongle.description.mid === first.id);
    // History from a third node: both, marked received.
    const carolAsBob = await connectClient(n3, 'bob');
    const history = await carolAsBob.history({ with: 'alice' });
    assert.deepEqual(history.messages.map((m) => (m.jsongle as any).description.content), ['one', 'two']);
    assert.deepEqual(history.messages.map((m) => m.state), ['received', 'received']);
    assert.deepEqual((await a.quiet(100)).filter((m) => m.jsongle.action === 'session-error'), []);
    const admin = new Redis(redis.url);
    try {
      assert.equal(await admin.zcard('jsongle:msg:c:u:alice\nbob'), 2, 'the conversation lives in Redis: two entries');
    } finally {
      admin.disconnect();
    }
  });

  test('a node started later loads who is where from Redis', async () => {
    const [n1] = await startNodes(redis, 1);
    const alice = await Raw.registered(n1, 'alice');
    await alice.request('muc-join', { rid: 'early' });
    const [n2] = await startNodes(redis, 1);
    const bob = await Raw.registered(n2, 'bob');
    assert.deepEqual((await bob.request('muc-join', { rid: 'early' })).jsongle.description.members, [{ uid: 'alice', dn: 'alice' }]);
    bob.send(text('bob', 'alice', 'found you'));
    assert.equal((await alice.next((m) => m.jsongle.action === 'session-text')).jsongle.description.content, 'found you');
  });

  test('JSONGLE_REDIS_URL switches the backend; JSONGLE_NODE_LEASE defaults to 10 s', async () => {
    assert.equal(configFromEnv({}).redisUrl, '');
    assert.equal(configFromEnv({}).nodeLease, 10_000);
    assert.equal(configFromEnv({ JSONGLE_REDIS_URL: redis.url, JSONGLE_NODE_LEASE: '2500' }).nodeLease, 2500);
    assert.throws(() => configFromEnv({ JSONGLE_NODE_LEASE: '100' }), /nodeLease/);
    const alone = await startServer();
    const h = await health(alone);
    assert.equal(h.node, undefined, 'one process: no node, no Redis');
    assert.equal(h.redis, undefined);
    assert.equal(await metric(alone, 'jsongle_cluster_frames_published_total'), undefined);
    // A Redis that cannot be reached stops the start, with a message that keeps the password out.
    await assert.rejects(startServer({ redisUrl: 'redis://:s3cret@127.0.0.1:1/0' }), (e: Error) => /Redis at redis:\/\/\*\*\*@127\.0\.0\.1:1\/0 cannot be reached/.test(e.message) && !e.message.includes('s3cret'));
  });
});
