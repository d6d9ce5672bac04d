// The peer-gone grace across nodes: a client whose socket drops mid-call and that comes back on
// another node with its resume id keeps its calls, whichever node decides them; one that does not
// come back ends them with `gone` after the grace.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { cleanup as cleanupAll, everyNodeSees, spawnNode, startNodes, startRedis, type TestRedis } from './cluster-helpers.ts';
import { cleanup, Raw, until, type Msg } from './helpers.ts';

const GRACE = 1500;
const RESUME = 'resume-alice';
let redis: TestRedis;
before(async () => { redis = await startRedis(); });
after(cleanupAll);
afterEach(cleanup);
beforeEach(() => redis.flush());

const iso = () => new Date().toISOString();
const isCall = (sid: string, action: string, reason?: string) => (m: Msg) =>
  m.jsongle.sid === sid && m.jsongle.action === action && (reason === undefined || m.jsongle.reason === reason);

const isLeft = (uid: string) => (m: Msg) => m.jsongle.event === 'left' && m.jsongle.description?.member?.uid === uid;

type Party = 'alice' | 'bob';

/** Raw `alice` on node 1 (with a resume id) and `bob` on node 2, in an answered call placed by `caller`. */
async function answeredCall(caller: Party, sid: string, nodes: { wsUrl: string; url: string }[]) {
  const alice = await Raw.registered(nodes[0], 'alice', 'alice', { resume: RESUME });
  const bob = await Raw.registered(nodes[1], 'bob');
  await everyNodeSees(nodes, 2);
  const callee: Party = caller === 'alice' ? 'bob' : 'alice';
  /** `who` (its socket `raw`) sends a call message of this call to the other party. */
  const say = (raw: Raw, who: Party, action: string, description: Record<string, unknown>, reason = '') => raw.send({
    id: `${action}-${Math.random().toString(36).slice(2)}`, from: who, to: who === 'alice' ? 'bob' : 'alice',
    jsongle: { sid, action, reason, initiator: caller, responder: callee, description },
  });
  const [from, to] = caller === 'alice' ? [alice, bob] : [bob, alice];
  say(from, caller, 'session-propose', { initiated: iso(), media: 'audio' });
  await to.next(isCall(sid, 'session-propose'));
  say(to, callee, 'session-proceed', { proceeded: iso() });
  await from.next(isCall(sid, 'session-proceed'));
  say(from, caller, 'session-initiate', { offered: iso(), offer: { type: 'offer', sdp: 'v=0 fake' } });
  await to.next(isCall(sid, 'session-initiate'));
  say(to, callee, 'session-accept', { accepted: iso(), answer: { type: 'answer', sdp: 'v=0 fake' } });
  await from.next(isCall(sid, 'session-accept'));
  return { nodes, alice, bob, say };
}

/** Alice's socket drops (no close handshake); resolves once her node has parked her calls in Redis. */
async function drop(alice: Raw) {
  const admin = new Redis(redis.url);
  try {
    alice.ws.terminate();
    await alice.closed;
    await until(async () => (await admin.exists(`jsongle:resume:${RESUME}`)) === 1, 3000, 'alice parked in Redis');
  } finally {
    admin.disconnect();
  }
}

describe('the peer-gone grace across nodes', () => {
  for (const caller of ['alice', 'bob'] as const) {
    test(`${caller} placed the call: alice drops on node 1 and resumes on node 3; mute and terminate reach the other side both ways`, async () => {
      const sid = `s-resume-${caller}`;
      const nodes = await startNodes(redis, 3, { callGrace: GRACE });
      const { alice, bob, say } = await answeredCall(caller, sid, nodes);
      await drop(alice);
      const again = await Raw.registered(nodes[2], 'alice', 'alice', { resume: RESUME });
      say(again, 'alice', 'session-info', { muted: iso(), media: 'audio' }, 'mute');
      assert.equal((await bob.next(isCall(sid, 'session-info', 'mute'))).from, 'alice');
      say(bob, 'bob', 'session-info', { unmuted: iso(), media: 'audio' }, 'unmute');
      assert.equal((await again.next(isCall(sid, 'session-info', 'unmute'))).from, 'bob');
      // Past the grace: nobody was told the call is over.
      await new Promise((r) => setTimeout(r, GRACE + 300));
      assert.deepEqual([...(await bob.quiet(0)), ...(await again.quiet(0))].filter((m) => m.jsongle.action === 'session-terminate'), [], 'no gone');
      // Either side ends it, and the other hears it.
      const [ender, enderUid, other] = caller === 'alice' ? [bob, 'bob', again] as const : [again, 'alice', bob] as const;
      say(ender, enderUid, 'session-terminate', { ended: iso() });
      const ended = await other.next(isCall(sid, 'session-terminate'));
      assert.equal(ended.jsongle.reason, '');
    });

    test(`${caller} placed the call: alice drops on node 1 and never comes back; bob hears gone after the grace`, async () => {
      const sid = `s-gone-${caller}`;
      const { bob, alice } = await answeredCall(caller, sid, await startNodes(redis, 3, { callGrace: GRACE }));
      await drop(alice);
      const ended = await bob.next(isCall(sid, 'session-terminate'), GRACE + 3000, 'session-terminate gone');
      assert.equal(ended.jsongle.reason, 'gone');
      assert.equal(ended.from, 'alice');
    });
  }

  test('a node dies while a connection it held is parked: its calls end with gone within the lease, and its resume id is void', async () => {
    const sid = 's-parked-node-dies';
    // Node 1 keeps parked connections for a minute: the gone can only come from its death.
    const doomed = await spawnNode(redis, { JSONGLE_CALL_GRACE: '60000' });
    const others = await startNodes(redis, 2, { callGrace: 60_000 });
    const { alice, bob } = await answeredCall('bob', sid, [doomed, ...others]);
    await drop(alice);
    const ended = bob.next(isCall(sid, 'session-terminate', 'gone'), 5000, 'session-terminate gone');
    await doomed.kill();
    assert.equal((await ended).from, 'alice');
    const again = await Raw.registered(others[1], 'alice', 'alice', { resume: RESUME });
    assert.deepEqual((await again.quiet(200)).filter((m) => m.jsongle.sid === sid), [], 'nothing of the ended call');
  });

  test('a node dies while a connection it held is parked: its rooms hear left within the lease, but not a room where the user is still in on another node', async () => {
    const doomed = await spawnNode(redis, { JSONGLE_CALL_GRACE: '60000' });
    const others = await startNodes(redis, 2, { callGrace: 60_000 });
    const alice = await Raw.registered(doomed, 'alice', 'alice', { resume: RESUME });
    const alsoAlice = await Raw.registered(others[1], 'alice');
    const bob = await Raw.registered(others[0], 'bob');
    await everyNodeSees([doomed, ...others], 2);
    for (const [raw, rid] of [[alice, 'team'], [bob, 'team'], [alice, 'both'], [alsoAlice, 'both'], [bob, 'both']] as const) {
      assert.equal((await raw.request('muc-join', { rid })).jsongle.action, 'iq-result');
    }
    await drop(alice);
    await doomed.kill();
    const left = await bob.next(isLeft('alice'), 5000, 'left for alice');
    assert.equal(left.from, 'team');
    assert.deepEqual((await bob.quiet(300)).filter(isLeft('alice')), [], 'no left in the room alice is still in');
  });

  for (const caller of ['alice', 'bob'] as const) {
    test(`${caller} placed the call: a node shut down cleanly while alice is parked on it ends her call with gone and her rooms hear left, at once`, async () => {
      const sid = `s-shutdown-${caller}`;
      const nodes = await startNodes(redis, 3, { callGrace: 60_000 });
      const { alice, bob } = await answeredCall(caller, sid, nodes);
      for (const raw of [alice, bob]) assert.equal((await raw.request('muc-join', { rid: 'team' })).jsongle.action, 'iq-result');
      await drop(alice);
      const ended = bob.next(isCall(sid, 'session-terminate', 'gone'), 5000, 'session-terminate gone');
      const left = bob.next(isLeft('alice'), 5000, 'left for alice');
      await nodes[0].close();
      assert.equal((await ended).from, 'alice');
      assert.equal((await left).from, 'team');
      // Her resume id is void: coming back on another node is a fresh registration, without the call.
      const again = await Raw.registered(nodes[2], 'alice', 'alice', { resume: RESUME });
      assert.deepEqual((await again.quiet(200)).filter((m) => m.jsongle.sid === sid), [], 'nothing of the ended call');
      assert.deepEqual((await bob.quiet(0)).filter(isLeft('alice')), [], 'one left only');
    });
  }
});
