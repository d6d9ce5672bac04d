// description.features: both sides list what they can do in propose and proceed; mid-call offers
// (session-initiate / session-accept while active) keep the call active; end(reason) puts the
// reason on the wire (connectivity-error after a failed ICE recovery).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSONgle } from '../../src/client.ts';
import { createMemoryPair } from '../../src/transport/memory.ts';
import { ANSWER, OFFER, action, connect, once, pair, record, wire } from './helpers.ts';

test('propose and proceed carry features ["renegotiate"]; both sides know the peer supports it', async () => {
  const { alice, bob } = pair();
  const { callerCall, calleeCall } = await connect(alice, bob, 'bob', 'audio');
  for (const call of [callerCall, calleeCall]) {
    assert.deepEqual(call.features, ['renegotiate']);
    assert.deepEqual(call.remoteFeatures, ['renegotiate']);
    assert.equal(call.supports('renegotiate'), true);
  }
});

test('a peer that lists no features (the original JSONgle): supports() is false on both sides; hostile features count as none', async () => {
  const [ta, tb] = createMemoryPair();
  const alice = new JSONgle({ transport: ta, user: { uid: 'alice' } });
  const bob = new JSONgle({ transport: tb, user: { uid: 'bob' }, features: [] });
  const { callerCall, calleeCall } = await connect(alice, bob, 'bob', 'audio');
  assert.deepEqual(calleeCall.remoteFeatures, ['renegotiate']);
  assert.deepEqual(callerCall.remoteFeatures, []);
  assert.equal(callerCall.supports('renegotiate'), false);
  assert.equal(calleeCall.supports('renegotiate'), false);
  assert.throws(() => new JSONgle({ transport: createMemoryPair()[0], features: 'renegotiate' as any }), /cfg.features/);

  const w = wire({ user: { uid: 'bob' } });
  const errors = record(w.client, ['error']);
  w.push({ id: 'p1', from: 'alice', to: 'bob', jsongle: { action: 'session-propose', sid: 's1', initiator: 'alice', responder: 'bob', reason: '', description: { initiated: new Date().toISOString(), media: 'audio', features: { renegotiate: true } } } });
  await once(w.client, 'callstatechanged');
  assert.deepEqual(w.client.currentCall!.remoteFeatures, []);
  assert.deepEqual(errors, []);
});

test('while active, either side may send a new offer and answer: the call stays active, the first times stay', async () => {
  const { alice, bob } = pair();
  const { callerCall, calleeCall } = await connect(alice, bob, 'bob', 'audio');
  const offering = callerCall.times.offering;
  const aLog = record(alice, ['callstatechanged', 'error']);
  const bLog = record(bob, ['callstatechanged', 'error']);
  const RESTART = { type: 'offer' as const, sdp: `${OFFER.sdp}a=ice-options:trickle\r\n` };
  // The callee offers (e.g. its ICE restart); the caller answers.
  let got = once(alice, 'offerreceived');
  bob.sendOffer(RESTART);
  assert.deepEqual((await got)[0], RESTART);
  got = once(bob, 'offerreceived');
  alice.sendOffer(ANSWER);
  await got;
  // And the other way round.
  got = once(bob, 'offerreceived');
  alice.sendOffer(OFFER);
  await got;
  got = once(alice, 'offerreceived');
  bob.sendOffer(ANSWER);
  await got;
  assert.equal(callerCall.state, 'active');
  assert.equal(calleeCall.state, 'active');
  assert.equal(callerCall.times.offering, offering);
  assert.deepEqual([...aLog, ...bLog], []);
});

test("end('connectivity-error') terminates with that reason; the peer's call says it as its cause", async () => {
  const { alice, bob } = pair();
  const { callerCall, calleeCall } = await connect(alice, bob, 'bob', 'audio');
  const ended = once(bob, 'callended');
  alice.end('connectivity-error');
  await ended;
  assert.equal(callerCall.reason, 'terminated');
  assert.equal(callerCall.cause, 'connectivity-error');
  assert.equal(calleeCall.cause, 'connectivity-error');
  assert.equal(bob.ticket!.endedReason, 'connectivity-error');
  assert.equal(alice.ticket!.restarts, 0);
  assert.throws(() => alice.end(42 as any), /needs a call|reason/);

  const w = wire({ user: { uid: 'alice' } });
  w.client.call('bob', 'audio');
  const propose = await w.sentWhere(action('session-propose'));
  assert.deepEqual(propose.jsongle.description.features, ['renegotiate']);
});

test('session-info unreachable during an active call: kept up (peerunreachable) between renegotiating peers, ended as before otherwise', async () => {
  for (const features of [undefined, []] as const) {
    const w = wire({ user: { uid: 'bob' }, features: features as string[] | undefined });
    const sid = `s-${features ? 'old' : 'new'}`;
    const roles = { sid, initiator: 'alice', responder: 'bob', reason: '' };
    const push = (action: string, description: Record<string, unknown>, reason = '') => w.push({ id: `${action}-${reason}`, from: 'alice', to: 'bob', jsongle: { ...roles, action, reason, description } });
    push('session-propose', { initiated: new Date().toISOString(), media: 'audio', features: ['renegotiate'] });
    await w.sentWhere(action('session-info', 'ringing'));
    w.client.proceed();
    push('session-initiate', { offering: new Date().toISOString(), offer: OFFER });
    await once(w.client, 'offerreceived');
    w.client.sendOffer(ANSWER);
    w.client.setAsActive();
    const call = w.client.currentCall!;
    assert.equal(call.state, 'active');
    const away = record(w.client, ['peerunreachable', 'callended']);
    push('session-info', { ended: new Date().toISOString() }, 'unreachable');
    await new Promise((r) => setTimeout(r, 20));
    if (features) {
      assert.equal(call.state, 'ended');
      assert.equal(call.reason, 'unreachable');
    } else {
      assert.equal(call.state, 'active');
      assert.deepEqual(away.map(([e]) => e), ['peerunreachable']);
    }
  }
});

test('without renegotiate on both sides, a mid-call offer is refused as before: unexpected-state received, invalid-state sent', async () => {
  const [ta, tb] = createMemoryPair();
  const alice = new JSONgle({ transport: ta, user: { uid: 'alice' } });
  const bob = new JSONgle({ transport: tb, user: { uid: 'bob' }, features: [] });
  const { calleeCall } = await connect(alice, bob, 'bob', 'audio');
  assert.throws(() => bob.sendOffer(OFFER), (e: any) => e.code === 'invalid-state');
  const w = wire({ user: { uid: 'bob' }, features: [] });
  const errors = record(w.client, ['error', 'offerreceived']);
  const roles = { sid: 's9', initiator: 'alice', responder: 'bob', reason: '' };
  const push = (action: string, description: Record<string, unknown>) => w.push({ id: `${action}-${Math.random()}`, from: 'alice', to: 'bob', jsongle: { ...roles, action, description } });
  push('session-propose', { initiated: new Date().toISOString(), media: 'audio', features: ['renegotiate'] });
  await w.sentWhere(action('session-info', 'ringing'));
  w.client.proceed();
  push('session-initiate', { offering: new Date().toISOString(), offer: OFFER });
  await once(w.client, 'offerreceived');
  w.client.sendOffer(ANSWER);
  w.client.setAsActive();
  errors.length = 0;
  push('session-initiate', { offering: new Date().toISOString(), offer: OFFER });
  await once(w.client, 'error');
  assert.deepEqual(errors.map(([e, err]) => `${e} ${err.code}`), ['error unexpected-state']);
  assert.equal(w.client.currentCall!.state, 'active');
  assert.equal(calleeCall.state, 'active');
});

test('between renegotiating peers, an audio call may mute video (added mid-call by addVideo): the peer is told', async () => {
  const { alice, bob } = pair();
  const { calleeCall } = await connect(alice, bob, 'bob', 'audio');
  const told = once(bob, 'callmuted');
  alice.muteVideo();
  assert.equal((await told)[1], 'video');
  assert.equal(calleeCall.remoteMuted.video, true);
});
