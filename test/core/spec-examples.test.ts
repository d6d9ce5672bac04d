// Every example message of the specification is accepted and drives the documented event or state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from '../../src/protocol/parse.ts';
import type { Call } from '../../src/call/call.ts';
import { action, fixture, fixtures, once, wire, within } from './helpers.ts';

test('every spec example decodes as a valid JSONgle message', () => {
  assert.equal(fixtures.length, 22);
  for (const { title, message } of fixtures) {
    const d = decode(JSON.stringify(message));
    assert.ok(d.ok, `${title}: ${!d.ok && d.reason}`);
  }
});

/** An outgoing call from the client, with the spec example's `sid` and peer replaced by the call's (the client takes call messages from its peer only). */
function outgoing(media: 'audio' | 'video' = 'audio') {
  const w = wire({ user: { uid: '70001' } });
  const call = w.client.call('70002', media);
  const as = (title: string) => {
    const m = fixture(title);
    m.jsongle.sid = call.id;
    if (m.from !== 'server') m.from = call.peer;
    return m;
  };
  return { ...w, call, as };
}

/** An incoming call driven by the spec's own propose example. */
async function incoming() {
  const w = wire({ user: { uid: '70002' } });
  const got = once(w.client, 'call');
  w.push(fixture('session-propose'));
  const [call] = await got;
  return { ...w, call };
}

const stateAfter = async (client: any, push: () => void): Promise<[Call, any]> => {
  const got = once(client, 'callstatechanged');
  push();
  return got as any;
};

test('session-propose: an incoming call rings and the callee sends session-info ringing', async () => {
  const { call, sentWhere } = await incoming();
  const spec = fixture('session-propose');
  assert.equal(call.id, spec.jsongle.sid);
  assert.equal(call.caller, '70001');
  assert.equal(call.callee, '70002');
  assert.equal(call.media, 'audio');
  assert.equal(call.direction, 'incoming');
  assert.equal(call.state, 'ringing');
  const ringing = await sentWhere(action('session-info', 'ringing'));
  assert.equal(ringing.to, spec.from);
  assert.equal(ringing.jsongle.sid, spec.jsongle.sid);
  assert.equal(typeof ringing.jsongle.description.rang, 'string');
});

test('session-info trying, ringing: the caller goes trying then ringing', async () => {
  const { client, call, push, as } = outgoing();
  let [, change] = await stateAfter(client, () => push(as('session-info - trying')));
  assert.deepEqual([change.previous, change.state], ['new', 'trying']);
  [, change] = await stateAfter(client, () => push(as('session-info - ringing')));
  assert.deepEqual([change.previous, change.state], ['trying', 'ringing']);
  assert.ok(call.times.tried && call.times.rang);
});

test('session-info unreachable ends the outgoing call as unreachable', async () => {
  const { client, call, push, as } = outgoing();
  const ended = once(client, 'callended');
  push(as('session-info - unreachable'));
  const [local] = await ended;
  assert.equal(local, false);
  assert.equal(call.state, 'ended');
  assert.equal(call.reason, 'unreachable');
  assert.equal(call.endedBy, 'server');
});

test('session-proceed moves the caller to proceeded and asks for the offer', async () => {
  const { client, call, push, as } = outgoing();
  const needed = once(client, 'offerneeded');
  push(as('session-proceed'));
  const [c] = await needed;
  assert.equal(c, call);
  assert.equal(call.state, 'proceeded');
});

test('session-decline ends the outgoing call as declined', async () => {
  const { client, call, push, as } = outgoing();
  const ended = once(client, 'callended');
  push(as('session-decline'));
  await ended;
  assert.equal(call.reason, 'declined');
});

test('session-accept gives the caller the answer', async () => {
  const { client, call, push, as } = outgoing('video');
  push(as('session-proceed'));
  await once(client, 'offerneeded');
  client.sendOffer({ type: 'offer', sdp: 'v=0\r\n' });
  const received = once(client, 'offerreceived');
  push(as('session-accept'));
  const [answer] = await received;
  assert.equal(answer.type, 'answer');
  assert.equal(answer.sdp, fixture('session-accept').jsongle.description.answer.sdp);
  assert.equal(call.state, 'offering');
  assert.equal(call.reason, 'have-answer');
});

test('session-initiate gives the callee the offer', async () => {
  const { client, call, push } = await incoming();
  client.proceed();
  const received = once(client, 'offerreceived');
  const initiate = fixture('session-initiate');
  initiate.jsongle.sid = call.id;
  push(initiate);
  const [offer] = await received;
  assert.equal(offer.type, 'offer');
  assert.match(offer.sdp, /^v=0/);
  assert.equal(call.state, 'offering');
  assert.equal(call.reason, 'have-offer');
});

test('transport-info delivers the candidate; session-info active makes the call active', async () => {
  const { client, call, push, as } = outgoing();
  push(as('session-proceed'));
  await once(client, 'offerneeded');
  client.sendOffer({ type: 'offer', sdp: 'v=0\r\n' });
  const cand = once(client, 'candidatereceived');
  push(as('transport-info'));
  const [candidate] = await cand;
  assert.deepEqual(candidate, fixture('transport-info').jsongle.description.candidate);
  const [, change] = await stateAfter(client, () => push(as('session-info - active')));
  assert.equal(change.state, 'active');
  assert.equal(change.reason, 'is-active-remote');
  assert.equal(call.active, true);
});

test('session-info mute / unmute: the remote side shows muted then unmuted', async () => {
  const { client, call, push, as } = outgoing();
  const muted = once(client, 'callmuted');
  push(as('session-info - muted'));
  const [c, media] = await muted;
  assert.equal(c.remoteIsMuted, true);
  assert.equal(media, 'audio'); // the example has no media: the whole (audio) call
  const unmuted = once(client, 'callunmuted');
  push(as('session-info - unmuted'));
  await unmuted;
  assert.equal(call.remoteIsMuted, false);
});

test('session-retract ends the ringing incoming call as retracted', async () => {
  const { client, call, push } = await incoming();
  const retract = fixture('session-retract');
  retract.jsongle.sid = call.id;
  const ended = once(client, 'ticket');
  push(retract);
  const [ticket] = await ended;
  assert.equal(ticket.outcome, 'retracted');
  assert.equal(call.state, 'ended');
});

test('session-terminate ends the active call as terminated', async () => {
  const { client, call, push, as } = outgoing();
  push(as('session-proceed'));
  await once(client, 'offerneeded');
  client.sendOffer({ type: 'offer', sdp: 'v=0\r\n' });
  client.setAsActive();
  const ended = once(client, 'callended');
  push(as('session-terminate'));
  await ended;
  assert.equal(call.reason, 'terminated');
  assert.equal(call.endedBy, 'remote');
});

test('session-hello (plain) sets the provisional id and the server name, and is surfaced as an event', async () => {
  const { client, push } = wire();
  const ev = once(client, 'event');
  push(fixture('session-hello'));
  const [event, from] = await ev;
  assert.equal(event.action, 'session-hello');
  assert.equal(from, 'barracuda');
  assert.equal(client.id, fixture('session-hello').to);
  assert.equal(client.server, 'barracuda');
});

test('session-custom reaches ondatareceived(content, from, id) and is acknowledged as received', async () => {
  const { client, push, sentWhere } = wire({ user: { uid: 'me' } });
  const spec = fixture('session-custom');
  const got = within(new Promise<any[]>((resolve) => { client.ondatareceived = (...args) => resolve(args); }), 2000, 'ondatareceived');
  push(spec);
  const [content, from, id] = await got;
  assert.equal(content.action, 'session-custom');
  assert.equal(from, spec.from);
  assert.equal(id, spec.id);
  const ack = await sentWhere(action('session-event'));
  assert.equal(ack.to, spec.from);
  assert.equal(ack.jsongle.description.mid, spec.id);
  assert.equal(ack.jsongle.description.type, 'received');
});

test('session-text reaches onmessagereceived and is acknowledged as received', async () => {
  const { client, push, sentWhere } = wire({ user: { uid: 'me' } });
  const spec = fixture('session-text');
  const got = within(new Promise<any[]>((resolve) => { client.onmessagereceived = (...args) => resolve(args); }), 2000, 'onmessagereceived');
  push(spec);
  const [content, from, id] = await got;
  assert.equal(content.description.content, 'the text message');
  assert.deepEqual(content.description.additionalContent, { property_1: 'value_1', property_2: 'value_2' });
  assert.deepEqual([from, id], [spec.from, spec.id]);
  const ack = await sentWhere((m) => m.jsongle.event === 'ack');
  assert.equal(ack.jsongle.namespace, 'message');
  assert.equal(ack.jsongle.description.type, 'received');
});

test('iq-set reaches onrequest(request, from)', async () => {
  const { client, push } = wire({ user: { uid: 'me' } });
  const spec = fixture('iq-set');
  const got = within(new Promise<any[]>((resolve) => { client.onrequest = (...args) => resolve(args); }), 2000, 'onrequest');
  push(spec);
  const [request, from] = await got;
  assert.equal(request.query, 'session-register');
  assert.equal(request.transaction, spec.jsongle.transaction);
  assert.equal(from, spec.from);
});

test('iq-result resolves the request with its transaction', async () => {
  const { client, push, sentWhere } = wire({ user: { uid: 'me' } });
  const spec = fixture('iq-result');
  const pending = client.request(spec.from, 'session-register', { a: 1 }, spec.jsongle.transaction);
  const sent = await sentWhere(action('iq-set'));
  assert.equal(sent.jsongle.transaction, spec.jsongle.transaction);
  push(spec);
  assert.deepEqual(await pending, {});
});

test('iq-error rejects the request with its code and details', async () => {
  const { client, push } = wire({ user: { uid: 'me' } });
  const spec = fixture('iq-error');
  const pending = client.request(spec.from, 'session-register', {}, spec.jsongle.transaction);
  push(spec);
  await assert.rejects(pending, (e: any) => e.code === 'request-failed' && e.detail.errorCode === 400101 && /Missing 'rid'/.test(e.message));
});

test('ack resolves the answer with the same transaction', async () => {
  const { client, push } = wire({ user: { uid: 'me' } });
  const spec = fixture('ack');
  const acked = client.answer(spec.from, 'session-register', { ok: true }, spec.jsongle.transaction);
  push(spec);
  const ack = await acked;
  assert.equal(ack.status, 'success');
});

test('session-event reaches onevent(event, from)', async () => {
  const { client, push } = wire({ user: { uid: 'me' } });
  const spec = fixture('session-event');
  const got = within(new Promise<any[]>((resolve) => { client.onevent = (...args) => resolve(args); }), 2000, 'onevent');
  push(spec);
  const [event, from] = await got;
  assert.equal(event.event, 'joined');
  assert.equal(event.namespace, 'room');
  assert.equal(from, spec.from);
});
