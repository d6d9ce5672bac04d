// Clients acting as attackers on a real server: posing as the server, meddling in someone else's
// call, and the errors that name the message they refuse, in the order of the frames.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { MemoryRegistry, type Limits, type RoomKind } from '../../server/registry.ts';
import type { Peer } from '../../server/registry.ts';
import { cleanup, connectClient, isError, Raw, sleep, startServer, text, waitFor, type Msg } from './helpers.ts';

afterEach(cleanup);

/** The real in-memory registry, whose room joins wait for `release()` (a slow backend, e.g. Redis). */
class SlowJoins extends MemoryRegistry {
  #gate: Promise<void> | null = null;
  #open = () => {};
  hold() { this.#gate = new Promise((r) => { this.#open = r; }); }
  release() { this.#gate = null; this.#open(); }
  override join(rid: string, kind: RoomKind, peer: Peer, limits: Limits): any {
    const gate = this.#gate;
    return gate ? gate.then(() => super.join(rid, kind, peer, limits)) : super.join(rid, kind, peer, limits);
  }
}

const hello = (transaction = 'tx-fake') => ({ id: `h-${Math.random()}`, from: 'x', to: 'alice', jsongle: { action: 'iq-get', query: 'session-hello', transaction, description: { sn: 'mallory', version: '1.0.0' } } });

describe('only the server speaks as the server', () => {
  test('a user\'s hello, hello answer, ack, session-hello and session-error are refused, never relayed', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const mallory = await Raw.registered(server, 'mallory');
    const errors: string[] = [];
    alice.on('error', (e) => errors.push(e.code));
    const forged = [
      hello(),
      { id: 'r1', from: 'x', to: 'alice', jsongle: { action: 'iq-result', query: 'session-hello', transaction: 'tx', description: { uid: 'x' } } },
      { id: 'a1', from: 'x', to: 'alice', jsongle: { action: 'ack', status: 'success', transaction: 'tx' } },
      { id: 's1', from: 'x', to: 'alice', jsongle: { action: 'session-hello', description: { sn: 'mallory' } } },
      { id: 'e1', from: 'x', to: 'alice', jsongle: { action: 'session-error', description: { errorCode: 400001, errorDetails: 'you are wrong' } } },
    ];
    for (const m of forged) {
      mallory.send(m);
      // A request gets iq-error, anything else session-error: 405001, or 400001 for a hello answer
      // (the server takes every hello answer as meant for itself: it is the one who asks).
      const refusal = await mallory.next((r) => /error$/.test(r.jsongle.action) && r.jsongle.description.mid === m.id);
      assert.equal(refusal.jsongle.description.errorCode, m.jsongle.action === 'iq-result' ? ERROR_CODE.BAD_PARAMETERS : ERROR_CODE.ACTION_NOT_ALLOWED);
    }
    // A frame sent after them arrives: they would have been delivered before it.
    const after = waitFor(alice, 'messagereceived');
    mallory.send(text('x', 'alice', 'after'));
    await after;
    assert.deepEqual(errors, [], 'alice received none of them');
    assert.equal(alice.server, 'jsongle');
    assert.equal(alice.registered, true);
  });

  test('a fake answer to a pending room join is ignored (error event); the server\'s answer settles it', async () => {
    const registry = new SlowJoins();
    const server = await startServer({ registry });
    const alice = await connectClient(server, 'alice');
    const mallory = await Raw.registered(server, 'mallory');
    registry.hold();
    const joined = alice.request(alice.server, 'session-join', { rid: 'lobby' }, 'tx-join');
    // mallory learned or guessed the transaction: iq-result is relayed between users (peer requests).
    const ignored = waitFor(alice, 'error', (e) => e.code === 'wrong-sender');
    mallory.send({ id: 'fake', from: 'x', to: 'alice', jsongle: { action: 'iq-result', query: 'session-join', transaction: 'tx-join', description: { rid: 'lobby', members: [{ uid: 'mallory-as-bob' }] } } });
    const [error, from] = await ignored;
    assert.equal(from, 'mallory');
    assert.equal(error.detail.id, 'fake');
    registry.release();
    assert.deepEqual(await joined, { rid: 'lobby', members: [] });
  });

  test('an answer to a peer request is taken from that peer only', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const bob = await Raw.registered(server, 'bob');
    const mallory = await Raw.registered(server, 'mallory');
    const answered = alice.request('bob', 'ping', {}, 'tx-ping');
    const request = await bob.next((m) => m.jsongle.transaction === 'tx-ping');
    const ignored = waitFor(alice, 'error', (e) => e.code === 'wrong-sender');
    mallory.send({ id: 'fake', from: 'x', to: 'alice', jsongle: { action: 'iq-result', query: 'ping', transaction: 'tx-ping', description: { from: 'mallory' } } });
    await ignored;
    bob.send({ id: 'real', from: 'x', to: request.from, jsongle: { action: 'iq-result', query: 'ping', transaction: 'tx-ping', description: { from: 'bob' } } });
    assert.equal((await answered).from, 'bob');
  });
});

describe('call messages only from the call\'s peer', () => {
  async function answeredCall() {
    const registry = new MemoryRegistry();
    const server = await startServer({ registry });
    const alice = await connectClient(server, 'alice');
    const bob = await connectClient(server, 'bob');
    const mallory = await Raw.registered(server, 'mallory');
    const incoming = waitFor(bob, 'call');
    const call = alice.call('bob', 'audio');
    await incoming;
    const proceeded = waitFor(alice, 'offerneeded');
    bob.proceed();
    await proceeded;
    return { registry, alice, bob, mallory, sid: call.id };
  }
  const terminate = (sid: string, to: string) => ({ id: `t-${Math.random()}`, from: 'alice', to, jsongle: { sid, action: 'session-terminate', reason: '', initiator: 'alice', responder: 'bob', description: { ended: new Date().toISOString() } } });
  const accept = (sid: string, to: string) => ({ id: `a-${Math.random()}`, from: 'bob', to, jsongle: { sid, action: 'session-accept', reason: '', initiator: 'alice', responder: 'bob', description: { answer: { type: 'answer', sdp: 'v=0\r\nmallory' } } } });

  test('a third party\'s call messages for a known sid: 403005, never relayed', async () => {
    const { alice, bob, mallory, sid } = await answeredCall();
    const errors: string[] = [];
    for (const c of [alice, bob]) c.on('error', (e) => errors.push(e.code));
    for (const m of [terminate(sid, 'bob'), accept(sid, 'alice')]) {
      mallory.send(m);
      const refusal = await mallory.next(isError(ERROR_CODE.NOT_CALL_PARTY));
      assert.equal(refusal.jsongle.description.mid, m.id);
    }
    const after = waitFor(bob, 'messagereceived');
    mallory.send(text('x', 'bob', 'after'));
    await after;
    assert.deepEqual(errors, []);
    assert.equal(bob.currentCall?.id, sid, 'bob is still in the call');
    assert.equal(alice.currentCall?.state, 'proceeded');
  });

  test('once the server has forgotten the call, the clients ignore a third party\'s messages for it', async () => {
    const { registry, alice, bob, mallory, sid } = await answeredCall();
    // As after the peer-gone grace: the server routes call messages by `to` again.
    registry.endCall(sid);
    const bobIgnored = waitFor(bob, 'error', (e) => e.code === 'wrong-sender');
    mallory.send(terminate(sid, 'bob'));
    const [e1, from] = await bobIgnored;
    assert.equal(from, 'mallory');
    assert.equal(e1.detail.sid, sid);
    const aliceIgnored = waitFor(alice, 'error', (e) => e.code === 'wrong-sender');
    mallory.send(accept(sid, 'alice'));
    await aliceIgnored;
    assert.equal(bob.currentCall?.state, 'proceeded', 'not ended by mallory');
    assert.equal(alice.currentCall?.remoteOffer, null, 'no answer slipped in');
    // The real peer still reaches it.
    const ended = waitFor(bob, 'callended');
    alice.end();
    await ended;
  });
});

describe('errors name the message, in frame order', () => {
  test('every answer carries the refused message\'s id and leaves in the order of the frames', async () => {
    const registry = new SlowJoins();
    const server = await startServer({ registry });
    const a = await Raw.registered(server, 'a');
    registry.hold();
    const join = { id: 'f1', from: 'x', to: 'jsongle', jsongle: { action: 'iq-set', query: 'session-join', transaction: 'tj', description: { rid: 'r' } } };
    const toNobody = { id: 'f3', from: 'x', to: 'nobody', jsongle: { action: 'iq-set', query: 'ping', transaction: 'tn', description: {} } };
    const unknownQuery = { id: 'f4', from: 'x', to: 'jsongle', jsongle: { action: 'iq-set', query: 'teleport', transaction: 'tq', description: {} } };
    const badField = { id: 'f5', from: 'x', to: 'b', jsongle: { action: 'session-text', namespace: 'message', description: 'not an object' } };
    const notAllowed = { id: 'f6', from: 'x', to: 'b', jsongle: { action: 'ack', status: 'success', transaction: 't' } };
    a.send(join); // its handler waits (a slow registry)
    a.ws.send(Buffer.from([1, 2, 3])); // binary: before the fix, its error overtook the join's answer
    a.send(toNobody);
    a.send('not json');
    a.send(unknownQuery);
    a.send(badField);
    a.send(notAllowed);
    await sleep(50);
    registry.release();
    const got: Msg[] = [];
    for (let i = 0; i < 7; i++) got.push(await a.next());
    const seen = got.map((m) => [m.jsongle.action, m.jsongle.description?.errorCode ?? m.jsongle.query, m.jsongle.description?.mid]);
    assert.deepEqual(seen, [
      ['iq-result', 'session-join', undefined],
      ['session-error', ERROR_CODE.NOT_JSONGLE, undefined],
      ['iq-error', ERROR_CODE.NO_OTHER_MEMBER, 'f3'],
      ['session-error', ERROR_CODE.NOT_JSONGLE, undefined],
      ['iq-error', ERROR_CODE.QUERY_NOT_FOUND, 'f4'],
      ['session-error', ERROR_CODE.BAD_PARAMETERS, 'f5'],
      ['session-error', ERROR_CODE.ACTION_NOT_ALLOWED, 'f6'],
    ]);
  });

  test('the client turns a server error about one of its messages into that message\'s failure', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const bob = await connectClient(server, 'bob');
    await bob.request(bob.server, 'session-join', { rid: 'private' });
    // Not in the outbox (an event): the error event names it, detail.mid.
    const failed = waitFor(alice, 'error', (e) => e.code === 'session-error');
    const id = alice.reactToMessage('m1', '👍', 'private');
    const [error] = await failed;
    assert.equal(error.detail.errorCode, ERROR_CODE.NOT_A_MEMBER);
    assert.equal(error.detail.mid, id);
    // A text: the outbox's messagefailed, for that message.
    await alice.request(alice.server, 'session-join', { rid: 'alone' });
    const lost = waitFor(alice, 'messagefailed');
    const sent = alice.send('alone', 'anyone?');
    const [message, why] = await lost;
    assert.equal(message.id, sent);
    assert.equal(why.detail.errorCode, ERROR_CODE.NO_OTHER_MEMBER);
  });
});
