// Whole calls between two real clients over the in-memory pair (and a three-party switch for busy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANSWER, CANDIDATE, OFFER, action, connect, hub, negotiate, once, pair, record, wire } from './helpers.ts';

const states = (log: [string, ...any[]][]) => log.filter(([e]) => e === 'callstatechanged').map(([, , ch]) => `${ch.state}${ch.reason ? `:${ch.reason}` : ''}`);

test('a call answered by the callee and terminated by the caller walks every state on both sides', async () => {
  const { alice, bob } = pair();
  const aLog = record(alice, ['call', 'callstatechanged', 'callended', 'ticket']);
  const bLog = record(bob, ['call', 'callstatechanged', 'callended', 'ticket']);
  const { callerCall, calleeCall } = await connect(alice, bob, 'bob', 'video');
  assert.equal(callerCall.id, calleeCall.id);
  assert.equal(alice.currentCall, callerCall);
  const ended = once(bob, 'callended');
  alice.end();
  const [local] = await ended;
  assert.equal(local, false);
  // The caller never saw `trying` (no server here): ringing comes straight from the callee.
  assert.deepEqual(states(aLog), ['ringing', 'proceeded', 'offering:have-offer', 'offering:have-answer', 'offering:have-both',
    'active:is-active-local', 'active:is-active-both-side', 'ended:terminated']);
  assert.deepEqual(states(bLog), ['ringing', 'proceeded', 'offering:have-offer', 'offering:have-answer', 'offering:have-both',
    'active:is-active-local', 'active:is-active-both-side', 'ended:terminated']);
  assert.deepEqual(aLog.filter(([e]) => e === 'callended').map(([, l]) => l), [true]);
  assert.equal(callerCall.endedBy, 'local');
  assert.equal(calleeCall.endedBy, 'remote');
  assert.equal(alice.currentCall, null);
  assert.equal(bob.currentCall, null);
  assert.deepEqual(callerCall.localOffer, OFFER);
  assert.deepEqual(callerCall.remoteOffer, ANSWER);
  assert.deepEqual(calleeCall.remoteCandidates, [CANDIDATE(1)]);
});

test('the ticket at the end holds every timestamp, the outcome and the duration', async () => {
  const { alice, bob } = pair();
  await connect(alice, bob, 'bob', 'audio');
  await new Promise((r) => setTimeout(r, 30));
  const tickets = Promise.all([once(alice, 'ticket'), once(bob, 'ticket')]);
  bob.end();
  const [[a], [b]] = await tickets;
  for (const t of [a, b]) {
    // The original client's names, ISO strings.
    for (const k of ['initiatedAt', 'rangAt', 'proceededAt', 'offeringAt', 'offeredAt', 'establishingAt', 'activeAt', 'endedAt'] as const) {
      assert.match(t[k]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `${t.direction} ticket.${k} = ${t[k]}`);
    }
    assert.equal(t.endedReason, 'terminated');
    assert.equal(t.outcome, 'terminated');
    assert.equal(t.state, 'ended');
    assert.equal(t.sid, alice.ticket!.sid);
    assert.equal(t.initiator, 'alice');
    assert.equal(t.responder, 'bob');
    assert.equal(t.media, 'audio');
    // The duration is the active time, in seconds, that the timestamps show (never a wall-clock window).
    const at = (k: keyof typeof t) => Date.parse(t[k] as string);
    const order = ['initiatedAt', 'rangAt', 'proceededAt', 'activeAt', 'endedAt'] as const;
    for (let i = 1; i < order.length; i++) assert.ok(at(order[i - 1]) <= at(order[i]), `${t.direction}: ${order[i - 1]} ≤ ${order[i]}`);
    assert.equal(t.duration, (at('endedAt') - at('activeAt')) / 1000, `${t.direction}: duration = ended − active`);
    assert.ok(t.duration > 0, `${t.direction}: the call was active for a while (${t.duration} s)`);
  }
  assert.equal(a.direction, 'outgoing');
  assert.equal(a.peer, 'bob');
  assert.equal(b.peer, 'alice');
  assert.equal(b.direction, 'incoming');
  assert.equal(a.endedBy, 'remote');
  assert.equal(b.endedBy, 'local');
  assert.equal(a.triedAt, undefined); // no server said trying
  assert.deepEqual(alice.ticket, a); // the getter still gives the last call's ticket
});

test('a call terminated by the callee ends both sides as terminated', async () => {
  const { alice, bob } = pair();
  const { callerCall, calleeCall } = await connect(alice, bob, 'bob');
  const ended = once(alice, 'callended');
  bob.end();
  await ended;
  assert.equal(callerCall.reason, 'terminated');
  assert.equal(calleeCall.reason, 'terminated');
  assert.equal(callerCall.endedBy, 'remote');
});

test('a declined call ends both sides as declined and the caller gets the ticket', async () => {
  const { alice, bob } = pair();
  const incoming = once(bob, 'call');
  const call = alice.call('bob', 'video');
  await incoming;
  await once(alice, 'callstatechanged'); // ringing
  const ticket = once(alice, 'ticket');
  bob.decline();
  const [t] = await ticket;
  assert.equal(call.reason, 'declined');
  assert.equal(t.outcome, 'declined');
  assert.equal(t.duration, 0);
  assert.equal(bob.ticket!.outcome, 'declined');
});

test('end() by the callee while ringing declines', async () => {
  const { alice, bob } = pair();
  const incoming = once(bob, 'call');
  const call = alice.call('bob');
  await incoming;
  const ended = once(alice, 'callended');
  bob.end();
  await ended;
  assert.equal(call.reason, 'declined');
});

test('a call retracted while ringing ends both sides as retracted', async () => {
  const { alice, bob } = pair();
  const incoming = once(bob, 'call');
  const call = alice.call('bob');
  const [calleeCall] = await incoming;
  await once(alice, 'callstatechanged'); // ringing
  const ended = once(bob, 'callended');
  alice.end();
  await ended;
  assert.equal(call.reason, 'retracted');
  assert.equal(calleeCall.reason, 'retracted');
  assert.equal(calleeCall.endedBy, 'remote');
});

test('a caller hanging up before it sees the call active retracts, and ends a callee that already is active', async () => {
  const { alice, bob } = pair();
  const { callerCall: call, calleeCall } = await negotiate(alice, bob, 'bob', 'audio');
  bob.setAsActive(); // the callee's media connected first; the caller has not heard of it yet
  assert.equal(calleeCall.state, 'active');
  assert.equal(call.state, 'offering');
  const ended = once(bob, 'callended');
  alice.end();
  await ended;
  assert.equal(call.reason, 'retracted');
  assert.equal(calleeCall.reason, 'retracted');
  assert.equal(calleeCall.state, 'ended');
  assert.equal(bob.currentCall, null);
});

test('an unreachable callee: the server says so and the call ends as unreachable', async () => {
  const { client, push, sentWhere } = wire({ user: { uid: 'alice' } });
  const call = client.call('nobody');
  const propose = await sentWhere(action('session-propose'));
  const ticket = once(client, 'ticket');
  push({ id: 'u1', from: 'server', to: 'alice', jsongle: { sid: propose.jsongle.sid, action: 'session-info', reason: 'unreachable',
    initiator: 'alice', responder: 'nobody', description: { ended: new Date().toISOString() } } });
  const [t] = await ticket;
  assert.equal(call.reason, 'unreachable');
  assert.equal(t.outcome, 'unreachable');
  assert.equal(t.endedBy, 'server');
});

test('the callee of a call whose caller is gone is told unreachable by the server, and its call ends', async () => {
  const { client, push, sentWhere } = wire({ user: { uid: 'bob' } });
  const incoming = once(client, 'call');
  push({ id: 'p', from: 'alice', to: 'bob', jsongle: { sid: 's1', action: 'session-propose', reason: '', initiator: 'alice', responder: 'bob',
    description: { initiated: new Date().toISOString(), media: 'audio' } } });
  const [call] = await incoming;
  client.proceed();
  await sentWhere(action('session-proceed'));
  const ticket = once(client, 'ticket');
  push({ id: 'u', from: 'server', to: 'bob', jsongle: { sid: 's1', action: 'session-info', reason: 'unreachable', initiator: 'alice', responder: 'bob',
    description: { ended: new Date().toISOString() } } });
  const [t] = await ticket;
  assert.equal(call.reason, 'unreachable');
  assert.equal(t.endedBy, 'server');
});

test('busy: a propose during a call is declined with reason busy and the current call goes on', async () => {
  const { alice, bob, carol } = hub('alice', 'bob', 'carol');
  const { callerCall, calleeCall } = await connect(alice, bob, 'bob');
  const errors = record(bob, ['error', 'call']);
  const carolEnded = once(carol, 'ticket');
  const carolCall = carol.call('bob');
  const [t] = await carolEnded;
  assert.equal(carolCall.reason, 'declined');
  assert.equal(t.endedReason, 'busy');
  assert.equal(errors.length, 0);
  assert.equal(bob.currentCall, calleeCall);
  assert.equal(calleeCall.state, 'active');
  // the first call still works end to end
  const muted = once(alice, 'callmuted');
  bob.muteAudio();
  await muted;
  assert.equal(callerCall.remoteMuted.audio, true);
});

test('every mute/unmute combination, from each side, shows locally and remotely with its events', async () => {
  const { alice, bob } = pair();
  const { callerCall: a, calleeCall: b } = await connect(alice, bob, 'bob', 'video');
  const steps: [string, { audio: boolean; video: boolean }, string][] = [
    ['muteAudio', { audio: true, video: false }, 'audio'],
    ['muteVideo', { audio: true, video: true }, 'video'],
    ['unmuteAudio', { audio: false, video: true }, 'audio'],
    ['unmuteVideo', { audio: false, video: false }, 'video'],
    ['mute', { audio: true, video: true }, 'audio+video'],
    ['unmute', { audio: false, video: false }, 'audio+video'],
  ];
  for (const [me, other, mine, theirs] of [[alice, bob, a, b], [bob, alice, b, a]] as const) {
    for (const [method, expected, media] of steps) {
      const muting = method.startsWith('mute');
      const remote = once(other, muting ? 'callmuted' : 'callunmuted');
      const local = once(me, muting ? 'localcallmuted' : 'localcallunmuted');
      (me as any)[method]();
      const [[, localMedia], [, remoteMedia]] = await Promise.all([local, remote]);
      assert.equal(localMedia, media, method);
      assert.equal(remoteMedia, media, method);
      assert.deepEqual({ ...mine.localMuted }, expected, `${method} local`);
      assert.deepEqual({ ...theirs.remoteMuted }, expected, `${method} remote`);
      assert.equal(mine.muted, expected.audio || expected.video);
      assert.equal(theirs.remoteIsMuted, expected.audio || expected.video);
    }
  }
});

test('mute() on an audio call mutes audio only; muteVideo() on it is refused (with a peer that cannot renegotiate: no video can be added)', async () => {
  const { alice, bob } = pair({ features: [] });
  const { callerCall } = await connect(alice, bob, 'bob', 'audio');
  const remote = once(bob, 'callmuted');
  alice.mute();
  const [, media] = await remote;
  assert.equal(media, 'audio');
  assert.deepEqual({ ...callerCall.localMuted }, { audio: true, video: false });
  assert.throws(() => alice.muteVideo(), { code: 'invalid-state', message: /muteVideo\(\): the audio call has no video/ });
});

test('a video-only call: mute() mutes the video, muteAudio() is refused', async () => {
  const { alice, bob } = pair();
  const { callerCall, calleeCall } = await connect(alice, bob, 'bob', 'video-only' as any);
  const remote = once(alice, 'callmuted');
  bob.mute();
  const [, media] = await remote;
  assert.equal(media, 'video');
  assert.deepEqual({ ...calleeCall.localMuted }, { audio: false, video: true });
  assert.deepEqual({ ...callerCall.remoteMuted }, { audio: false, video: true });
  assert.throws(() => bob.unmuteAudio(), { code: 'invalid-state', message: /unmuteAudio\(\): the video-only call has no audio/ });
});

test('local methods refuse what the call state does not allow, naming the method and the state', async () => {
  const { alice, bob } = pair();
  assert.throws(() => alice.end(), { code: 'invalid-state', message: /end\(\) needs a call in progress/ });
  assert.throws(() => alice.proceed(), { code: 'invalid-state' });
  const incoming = once(bob, 'call');
  alice.call('bob');
  await incoming;
  assert.throws(() => alice.proceed(), { code: 'invalid-state', message: /proceed\(\) is not allowed: the outgoing call is/ });
  assert.throws(() => alice.sendOffer(OFFER), { code: 'invalid-state' });
  assert.throws(() => bob.sendOffer(ANSWER), { code: 'invalid-state', message: /'ringing'/ });
  assert.throws(() => alice.call('bob'), { code: 'invalid-state', message: /already in progress/ });
});

test('the on* setters keep one handler each and can be cleared', async () => {
  const { alice, bob } = pair();
  let first = 0;
  let second = 0;
  bob.oncall = () => first++;
  bob.oncall = () => second++;
  assert.equal(typeof bob.oncall, 'function');
  const incoming = once(bob, 'call');
  alice.call('bob');
  await incoming;
  assert.deepEqual([first, second], [0, 1]);
  bob.oncall = null;
  assert.equal(bob.oncall, null);
  assert.equal(bob.listenerCount('call'), 0);
  assert.throws(() => { (bob as any).oncall = 'nope'; }, { code: 'invalid-argument', message: /oncall/ });
});

test('a null candidate (end of gathering) is ignored; a call can be placed again after the first ends', async () => {
  const { alice, bob } = pair();
  await connect(alice, bob, 'bob');
  alice.sendCandidate(null);
  const ended = once(bob, 'callended');
  alice.end();
  await ended;
  const second = await connect(bob, alice, 'alice', 'audio');
  assert.equal(second.callerCall.caller, 'bob');
  assert.equal(second.calleeCall.state, 'active');
});
