// Calls that end the way people expect, through a real server: the callee's ringing before any
// listener's answer, a peer gone (and one that comes back), ring timeouts, glare, and the original
// client's wire forms (mute media, receipts in multi-user rooms).
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import type { Call } from '../../src/call/call.ts';
import { JSONgle } from '../../src/client.ts';
import { createSocketIoTransport } from '../../src/transport/socket-io.ts';
import { createWebSocketTransport } from '../../src/transport/websocket.ts';
import { cleanup, connectClient, Raw, startServer, until, waitEvent, waitFor, type Msg } from './helpers.ts';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  await cleanup();
});

/**
 * A relay in the reference server's style for multi-user rooms (it cannot run here: Socket.IO,
 * event `jsongle`): `muc-join`, then a message to a room id reaches every other member `from`
 * `rid/uid`; any other `to` is refused with 404002, as the reference server refuses `rid/uid`.
 */
async function referenceStyleMucRelay() {
  const http: HttpServer = createServer();
  const server = new Server(http);
  const rooms = new Map<string, Map<string, Socket>>();
  const refused: string[] = [];
  server.on('connection', (socket) => {
    const transaction = randomUUID();
    let uid = '';
    const send = (to: string, jsongle: object, from = 'relay') => socket.emit('jsongle', { id: randomUUID(), from, to, jsongle });
    send(socket.id, { action: 'iq-get', query: 'session-hello', transaction, description: { version: '1.0.0', sn: 'relay', info: 'reference-style relay', connected: iso() } });
    socket.on('jsongle', (m: any) => {
      const j = m?.jsongle ?? {};
      if (j.action === 'iq-result' && j.query === 'session-hello' && j.transaction === transaction) {
        uid = j.description.uid;
        return send(uid, { action: 'ack', status: 'success', transaction });
      }
      if (m.to === 'relay' && j.query === 'muc-join') {
        const rid = j.description.rid;
        if (!rooms.has(rid)) rooms.set(rid, new Map());
        rooms.get(rid)!.set(uid, socket);
        return send(uid, { action: 'iq-result', query: j.query, transaction: j.transaction, description: { members: [], rid } });
      }
      const room = rooms.get(m.to);
      if (!room?.has(uid)) {
        refused.push(`${j.action} to ${m.to}`);
        return send(uid, { action: 'session-error', description: { errorCode: 404002, errorDetails: `not a member of ${m.to}` } });
      }
      for (const [member, s] of room) if (member !== uid) s.emit('jsongle', { ...m, from: `${m.to}/${uid}`, to: member });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  stops.push(() => new Promise((resolve) => server.close(() => resolve(undefined))));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, refused };
}

const OFFER = { type: 'offer' as const, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
const ANSWER = { type: 'answer' as const, sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
const iso = () => new Date().toISOString();
const callMsg = (sid: string, action: string, to: string, description: Record<string, unknown>, reason = '', initiator = 'raw', responder = to) =>
  ({ id: `${action}-${Math.random().toString(36).slice(2)}`, from: initiator, to, jsongle: { sid, action, reason, initiator, responder, description } });
const isCall = (sid: string, action: string, reason?: string) => (m: Msg) =>
  m.jsongle.sid === sid && m.jsongle.action === action && (reason === undefined || m.jsongle.reason === reason);

describe('the callee rings inside the transition', () => {
  test('a callstatechanged listener that declines at once puts ringing before decline on the wire', async () => {
    const server = await startServer();
    const caller = await Raw.registered(server, 'raw');
    const bob = await connectClient(server, 'bob');
    bob.on('callstatechanged', (_call, change) => { if (change.state === 'ringing') bob.decline(); });
    const errors: string[] = [];
    bob.on('error', (e) => errors.push(e.message));
    caller.send(callMsg('s-sync', 'session-propose', 'bob', { initiated: iso(), media: 'audio' }));
    await caller.next(isCall('s-sync', 'session-decline'));
    const order = caller.received.filter((m) => m.jsongle.sid === 's-sync').map((m) => `${m.jsongle.action}/${m.jsongle.reason}`);
    assert.deepEqual(order, ['session-info/trying', 'session-info/ringing', 'session-decline/']);
    assert.deepEqual(errors, []);
  });
});

describe('peer gone', () => {
  /** Raw bob (with a resume id) in an answered call from core alice; bob is in muc room `team` with her. */
  async function answeredCall(server: Awaited<ReturnType<typeof startServer>>) {
    const alice = await connectClient(server, 'alice');
    const bob = await Raw.registered(server, 'bob', 'bob', { resume: 'resume-bob-1' });
    await alice.request(alice.server, 'muc-join', { rid: 'team' });
    await bob.request('muc-join', { rid: 'team' });
    const call = alice.call('bob', 'audio');
    const propose = await bob.next(isCall(call.id, 'session-propose'));
    const ringing = waitFor(alice, 'callstatechanged', (_c, ch) => ch.state === 'ringing');
    const ref = (action: string, description: Record<string, unknown>, reason = '') =>
      ({ id: `${action}-${Math.random()}`, from: 'bob', to: 'alice', jsongle: { sid: call.id, action, reason, initiator: propose.jsongle.initiator, responder: 'bob', description } });
    bob.send(ref('session-info', { rang: iso() }, 'ringing'));
    await ringing;
    const needed = waitFor(alice, 'offerneeded');
    bob.send(ref('session-proceed', { proceeded: iso() }));
    await needed;
    alice.sendOffer(OFFER);
    await bob.next(isCall(call.id, 'session-initiate'));
    const accepted = waitFor(alice, 'offerreceived');
    bob.send(ref('session-accept', { offered: null, answer: ANSWER }));
    await accepted;
    return { alice, bob, call, ref };
  }

  test('a connection closed mid-call: after the grace the other side ends with gone, and the room hears left', async () => {
    const server = await startServer({ callGrace: 300 });
    const { alice, bob, call } = await answeredCall(server);
    const ended = waitFor(alice, 'callended');
    const left = waitEvent(alice, 'left', (d) => d.rid === 'team');
    const ticket = waitFor(alice, 'ticket');
    bob.ws.terminate(); // no close handshake: a crash, a lost network
    const [local] = await ended;
    assert.equal(local, false);
    assert.equal(call.reason, 'terminated');
    assert.equal(call.cause, 'gone');
    assert.equal((await ticket)[0].endedReason, 'gone');
    assert.equal((await left).description.member.uid, 'bob');
  });

  test('a connection that resumes within the grace keeps its call and rooms, and nobody hears left', async () => {
    const server = await startServer({ callGrace: 400 });
    const { alice, bob, call, ref } = await answeredCall(server);
    const heard: string[] = [];
    alice.on('event', (e) => { if ('event' in e) heard.push(e.event); });
    alice.on('callended', () => heard.push('callended'));
    bob.ws.terminate();
    await bob.closed;
    const again = await Raw.registered(server, 'bob', 'bob', { resume: 'resume-bob-1' });
    await new Promise((r) => setTimeout(r, 600)); // past the grace
    assert.deepEqual(heard.filter((e) => e === 'left' || e === 'callended'), []);
    assert.equal(call.state, 'offering');
    // The call goes on through the new connection, both ways.
    const candidate = waitFor(alice, 'candidatereceived');
    again.send(ref('transport-info', { establishing: iso(), candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } }));
    await candidate;
    alice.setAsActive();
    await again.next(isCall(call.id, 'session-info', 'active'));
    // And the room: a text to `team` reaches the resumed connection.
    alice.sendMuc('team', 'still here?');
    const got = await again.next((m) => m.jsongle.action === 'session-text');
    assert.equal(got.from, 'team/alice');
  });

  test('a server closing while a connection is parked ends what it left at once, without an error', async () => {
    const server = await startServer({ callGrace: 60_000 });
    const { alice, bob, call } = await answeredCall(server);
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('unhandledRejection', onError);
    try {
      const ended = waitFor(alice, 'callended');
      bob.ws.terminate();
      await bob.closed;
      await until(async () => (await (await fetch(`${server.url}/healthz`)).json()).users === 1, 2000, 'bob parked');
      await server.close();
      await ended;
      assert.equal(call.cause, 'gone', 'the call ended for the connection still open when the server closed');
      assert.deepEqual(errors, []);
    } finally {
      process.off('unhandledRejection', onError);
    }
  });

  test('a ringing callee whose only connection goes away: the caller hears unreachable at once', async () => {
    const server = await startServer({ callGrace: 60_000 });
    const alice = await connectClient(server, 'alice');
    const bob = await Raw.registered(server, 'bob', 'bob', { resume: 'resume-bob-2' });
    const call = alice.call('bob');
    await bob.next(isCall(call.id, 'session-propose'));
    const ended = waitFor(alice, 'callended');
    bob.ws.terminate();
    await ended;
    assert.equal(call.reason, 'unreachable');
  });
});

describe('ring timeout', () => {
  test('an unanswered call is retracted with reason timeout; both tickets say so', async () => {
    const server = await startServer();
    const bob = await connectClient(server, 'bob');
    // ringTimeout is a client option: a client of its own.
    const carol = new JSONgle({ transport: createWebSocketTransport({ url: server.wsUrl, WebSocket }), user: { uid: 'carol' }, ringTimeout: 200 });
    await waitFor(carol, 'registered');
    const tickets = Promise.all([waitFor(carol, 'ticket'), waitFor(bob, 'ticket')]);
    const call = carol.call('bob');
    const [[mine], [theirs]] = await tickets;
    carol.close();
    assert.equal(call.reason, 'retracted');
    assert.equal(mine.endedReason, 'timeout');
    assert.equal(mine.outcome, 'retracted');
    assert.equal(theirs.endedReason, 'timeout');
    assert.equal(theirs.direction, 'incoming');
    assert.equal(bob.currentCall, null);
  });

  test('the server ends a call nobody answers after JSONGLE_RING_TIMEOUT', async () => {
    const server = await startServer({ ringTimeout: 300 });
    const caller = await Raw.registered(server, 'raw'); // a client without a ring timer of its own
    const bob = await connectClient(server, 'bob');
    const ended = waitFor(bob, 'callended');
    caller.send(callMsg('s-ring', 'session-propose', 'bob', { initiated: iso(), media: 'audio' }));
    await caller.next(isCall('s-ring', 'session-info', 'ringing'));
    await caller.next(isCall('s-ring', 'session-info', 'unreachable'), 3000);
    await ended;
    assert.equal(bob.ticket!.endedReason, 'timeout');
  });
});

describe('glare', () => {
  test('100 times A and B call each other at once: one call survives on both sides, the lower sid, answered', async () => {
    const server = await startServer({ rateLimit: 10_000, rateBurst: 10_000 }); // 100 calls in a few seconds
    const alice = await connectClient(server, 'alice');
    const bob = await connectClient(server, 'bob');
    const errors: string[] = [];
    for (const c of [alice, bob]) c.on('error', (e) => errors.push(e.message));
    let single = 0;
    for (let i = 0; i < 100; i++) {
      const proceeded = (c: typeof alice) => waitFor(c, 'callstatechanged', (_call, ch) => ch.state === 'proceeded');
      const both = Promise.all([proceeded(alice), proceeded(bob)]);
      const a = alice.call('bob');
      const b = bob.call('alice');
      const [[atAlice], [atBob]] = await both;
      const survivor = a.id < b.id ? a.id : b.id;
      const loser = a.id < b.id ? b : a;
      if ((atAlice as Call).id === survivor && (atBob as Call).id === survivor && loser.ended && loser.cause === 'glare') single++;
      const ended = Promise.all([waitFor(alice, 'callended'), waitFor(bob, 'callended')]);
      alice.end();
      await ended;
    }
    assert.equal(single, 100);
    assert.deepEqual(errors, []);
  });
});

describe("the original client's wire forms", () => {
  test('mute and unmute carry what remains muted; an unmute of everything (media none) clears the remote state', async () => {
    const server = await startServer();
    const caller = await Raw.registered(server, 'raw');
    const bob = await connectClient(server, 'bob');
    const errors: string[] = [];
    bob.on('error', (e) => errors.push(e.message));
    const incoming = waitFor(bob, 'call');
    caller.send(callMsg('s-mute', 'session-propose', 'bob', { initiated: iso(), media: 'video' }));
    const [call] = await incoming;
    const muted = waitFor(bob, 'callmuted');
    caller.send(callMsg('s-mute', 'session-info', 'bob', { muted: iso(), media: 'audio+video' }, 'mute'));
    await muted;
    assert.deepEqual(call.remoteMuted, { audio: true, video: true });
    const unmuted = waitFor(bob, 'callunmuted');
    caller.send(callMsg('s-mute', 'session-info', 'bob', { unmuted: iso(), media: 'none' }, 'unmute'));
    assert.equal((await unmuted)[1], 'audio+video', 'the event names what changed');
    assert.deepEqual(call.remoteMuted, { audio: false, video: false });
    // Ours sends the same meaning.
    bob.muteAudio();

    assert.equal((await caller.next(isCall('s-mute', 'session-info', 'mute'))).jsongle.description.media, 'audio');
    bob.muteVideo();

    assert.equal((await caller.next(isCall('s-mute', 'session-info', 'mute'))).jsongle.description.media, 'audio+video');
    bob.unmuteAudio();
    assert.equal((await caller.next(isCall('s-mute', 'session-info', 'unmute'))).jsongle.description.media, 'video');
    bob.unmute();
    assert.equal((await caller.next(isCall('s-mute', 'session-info', 'unmute'))).jsongle.description.media, 'none');
    // A late session-info transport without a candidate is ignored: no error on either side.
    caller.send(callMsg('s-mute', 'session-info', 'bob', { establishing: iso() }, 'transport'));
    bob.end();
    await caller.next(isCall('s-mute', 'session-decline'));
    assert.deepEqual(errors, []);
    assert.deepEqual(caller.received.filter((m) => m.jsongle.action === 'session-error'), [], 'the server took every message');
  });

  test('MUC receipts and reactions reach the sender through a server that only routes room ids', async () => {
    const relay = await referenceStyleMucRelay();
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((uid) => {
      const c = new JSONgle({ transport: createSocketIoTransport({ io, url: relay.url, options: { transports: ['websocket'] } }), user: { uid } });
      stops.push(() => c.close());
      return c;
    });
    await Promise.all([alice, bob, carol].map((c) => waitFor(c, 'registered')));
    for (const c of [alice, bob, carol]) await c.request(c.server, 'muc-join', { rid: 'team' });
    const receipts = waitEvent(alice, 'ack', (d) => d.type === 'received', 3000);
    const got = waitFor(bob, 'messagereceived');
    const id = alice.sendMuc('team', 'hello team');
    const [, from, mid] = await got;
    assert.equal(from, 'team/alice');
    assert.equal((await receipts).description.mid, id);
    const read = waitEvent(alice, 'ack', (d) => d.type === 'read' && d.mid === id);
    const reaction = waitEvent(alice, 'reaction', (d) => d.mid === id);
    bob.sendAReadAcknowledgementMuc(mid, 'team');
    bob.reactToMessageMUC(mid, '👍', 'team');
    await Promise.all([read, reaction]);
    assert.deepEqual(relay.refused, []);
  });

  test('receipts in a multi-user room go to the room id on our server too', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const bob = await connectClient(server, 'bob');
    const carol = await connectClient(server, 'carol');
    for (const c of [alice, bob, carol]) await c.request(c.server, 'muc-join', { rid: 'team' });
    const sent: Msg[] = [];
    const send = bob.transport.send.bind(bob.transport);
    bob.transport.send = (m) => { sent.push(m as Msg); send(m); };
    const received = waitEvent(alice, 'ack', (d) => d.type === 'received' && d.from !== 'carol', 3000);
    const got = waitFor(bob, 'messagereceived');
    const id = alice.sendMuc('team', 'hello team');
    const [, from, mid] = await got;
    assert.equal(from, 'team/alice');
    const read = waitEvent(alice, 'ack', (d) => d.type === 'read' && d.mid === id);
    bob.sendAReadAcknowledgementMuc(mid, 'team');
    await Promise.all([received, read]);
    const receipts = sent.filter((m) => m.jsongle.action === 'session-event');
    assert.deepEqual(receipts.map((m) => m.to), ['team', 'team']);
  });
});
