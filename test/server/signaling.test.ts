// Whole scenarios through a real server: rooms, direct addressing, several devices, multi-user rooms.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JSONgle } from '../../src/client.ts';
import { cleanup, connectClient, Raw, startServer, text, transportInfo, waitEvent, waitFor } from './helpers.ts';
import { ANSWER, CANDIDATE, chat, OFFER, states, wholeCall } from './scenarios.ts';

afterEach(cleanup);

describe('through a 1:1 room', () => {
  test('two clients join, run a whole call and a chat; the other gets joined, then left on disconnect', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice', 'Alice');
    const bob = await connectClient(server, 'bob', 'Bob');
    assert.equal(alice.server, 'jsongle');

    const first = await alice.request(alice.server, 'session-join', { rid: 'room-1' });
    assert.deepEqual(first, { members: [], rid: 'room-1' });
    const joined = waitEvent(alice, 'joined');
    const second = await bob.request(bob.server, 'session-join', { rid: 'room-1' });
    assert.deepEqual(second, { members: [{ uid: 'alice', dn: 'Alice' }], rid: 'room-1' });
    const { body: event, from } = await joined;
    assert.equal(event.namespace, 'room');
    assert.deepEqual(event.description, { member: { uid: 'bob', dn: 'Bob' }, rid: 'room-1' });
    assert.equal(from, 'room-1');

    await wholeCall(alice, bob, 'room-1');
    await wholeCall(bob, alice, 'room-1');
    // In a 1:1 room the room stands for the other party: messages come `from` the room.
    await chat(alice, bob, 'room-1', 'room-1');

    const left = waitEvent(alice, 'left');
    bob.close();
    assert.deepEqual((await left).description, { member: { uid: 'bob', dn: 'Bob' }, rid: 'room-1' });
  });

  test('session-leave answers the rid and tells the other member', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const bob = await connectClient(server, 'bob');
    await alice.request(alice.server, 'session-join', { rid: 'r' });
    await bob.request(bob.server, 'session-join', { rid: 'r' });
    const left = waitEvent(alice, 'left');
    assert.deepEqual(await bob.request(bob.server, 'session-leave', { rid: 'r' }), { rid: 'r' });
    await left;
  });
});

describe('direct addressing by uid', () => {
  test('a whole call and a chat addressed to the other uid', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const bob = await connectClient(server, 'bob');
    await wholeCall(alice, bob, 'bob');
    await chat(alice, bob, 'bob', 'alice');
  });

  test('a call to a uid nobody has registered ends unreachable', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const ended = waitFor(alice, 'callended');
    const call = alice.call('nobody');
    await ended;
    assert.equal(call.reason, 'unreachable');
    assert.equal(call.endedBy, 'server');
  });

  test('a request to another user is answered by that user', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const bob = await connectClient(server, 'bob');
    bob.on('request', (req, from) => void bob.answer(from, req.query, { echo: req.description.q }, req.transaction));
    const result = await alice.request('bob', 'echo', { q: 42 });
    assert.equal(result.echo, 42);
    assert.equal(typeof result.relayed, 'string');
  });

  test('a user with two connections: both ring, one answers, the other gets answered-elsewhere', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const phone = await connectClient(server, 'bob');
    const laptop = await connectClient(server, 'bob');
    const aliceStates = states(alice);
    const ringPhone = waitFor(phone, 'call');
    const ringLaptop = waitFor(laptop, 'call');
    const call = alice.call('bob', 'audio');
    const [[onPhone], [onLaptop]] = await Promise.all([ringPhone, ringLaptop]);
    assert.equal(onPhone.id, call.id);
    assert.equal(onLaptop.id, call.id);

    const elsewhere = waitFor(laptop, 'callended');
    const needed = waitFor(alice, 'offerneeded');
    phone.proceed();
    await needed;
    await elsewhere;
    assert.equal(onLaptop.reason, 'retracted');
    assert.equal(onLaptop.cause, 'answered-elsewhere');

    // The rest of the call goes to the phone only.
    const offered = waitFor(phone, 'offerreceived');
    let laptopHeard = 0;
    laptop.on('error', () => laptopHeard++);
    laptop.on('call', () => laptopHeard++);
    alice.sendOffer(OFFER);
    await offered;
    const ended = waitFor(phone, 'callended');
    alice.end();
    await ended;
    assert.equal(laptopHeard, 0);
    // Both devices rang, but the caller heard `ringing` once (a second one would be refused by its state machine).
    assert.deepEqual(aliceStates, ['trying', 'ringing', 'proceeded', 'offering', 'ended']);
  });

  test('when the winner declines, the other device is retracted and the caller hears the decline', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const phone = await connectClient(server, 'bob');
    const laptop = await connectClient(server, 'bob');
    const rang = Promise.all([waitFor(phone, 'call'), waitFor(laptop, 'call')]);
    const call = alice.call('bob');
    await rang;
    const ended = waitFor(alice, 'callended');
    const elsewhere = waitFor(laptop, 'callended');
    phone.decline();
    await Promise.all([ended, elsewhere]);
    assert.equal(call.reason, 'declined');
  });

  test('a text to a user reaches each of their connections', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const one = await connectClient(server, 'bob');
    const two = await connectClient(server, 'bob');
    const got = Promise.all([waitFor(one, 'messagereceived'), waitFor(two, 'messagereceived')]);
    alice.send('bob', 'to all of you');
    for (const [content, from] of await got) {
      assert.equal(content.description.content, 'to all of you');
      assert.equal(from, 'alice');
    }
  });
});

describe('multi-user rooms', () => {
  test('messages reach every other member as rid/uid; an ack to rid/uid reaches that member only', async () => {
    const server = await startServer();
    const [a, b, c] = await Promise.all(['ann', 'ben', 'cat'].map((uid) => Raw.registered(server, uid)));
    for (const raw of [a, b, c]) assert.equal((await raw.request('muc-join', { rid: 'team' })).jsongle.action, 'iq-result');
    const joined = await a.next((m) => m.jsongle.event === 'joined');
    assert.equal(joined.jsongle.namespace, 'muc');

    const msg = text('forged', 'team', 'hello team', 'muc');
    a.send(msg);
    const [atB, atC] = await Promise.all([b.next((m) => m.id === msg.id), c.next((m) => m.id === msg.id)]);
    assert.equal(atB.from, 'team/ann');
    assert.equal(atB.to, 'ben');
    assert.equal(atC.to, 'cat');
    const serverAck = await a.next((m) => m.jsongle.event === 'ack');
    assert.equal(serverAck.jsongle.description.type, 'server-received');
    assert.equal(serverAck.jsongle.description.mid, msg.id);

    // ben acknowledges to `team/ann`: only ann gets it, from `team/ben`.
    b.send({ id: 'ack-1', from: 'ben', to: 'team/ann', jsongle: { action: 'session-event', namespace: 'muc', event: 'ack', description: { acknowledged: 'now', mid: msg.id, type: 'received' } } });
    const ack = await a.next((m) => m.id === 'ack-1');
    assert.equal(ack.from, 'team/ben');
    assert.deepEqual((await c.quiet()).filter((m) => m.id === 'ack-1'), []);
  });

  test('a user in a room from two connections joins with the first and leaves with the last', async () => {
    const server = await startServer();
    const ben = await Raw.registered(server, 'ben');
    const [tab1, tab2] = await Promise.all([Raw.registered(server, 'ann'), Raw.registered(server, 'ann')]);
    await ben.request('muc-join', { rid: 'lobby' });
    await tab1.request('muc-join', { rid: 'lobby' });
    assert.equal((await ben.next((m) => m.jsongle.event === 'joined')).jsongle.description.member.uid, 'ann');
    // The second tab: the members are the other users (not ann herself), and nobody hears ann join again.
    assert.deepEqual((await tab2.request('muc-join', { rid: 'lobby' })).jsongle.description.members, [{ uid: 'ben', dn: 'ben' }]);
    tab1.ws.close();
    await tab1.closed;
    assert.deepEqual([...(await ben.quiet()), ...(await tab1.quiet(0)), ...(await tab2.quiet(0))].map((m) => m.jsongle.event).filter(Boolean), []);
    // Still in the room through tab2: messages reach ann there.
    const msg = text('ben', 'lobby', 'still here?', 'muc');
    ben.send(msg);
    assert.equal((await tab2.next((m) => m.id === msg.id)).from, 'lobby/ben');
    tab2.ws.close();
    const left = await ben.next((m) => m.jsongle.event === 'left');
    assert.deepEqual(left.jsongle.description, { member: { uid: 'ann', dn: 'ann' }, rid: 'lobby' });
  });

  test('core clients chat in a muc room', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const bob = await connectClient(server, 'bob');
    await alice.request(alice.server, 'muc-join', { rid: 'club' });
    const members = await bob.request(bob.server, 'muc-join', { rid: 'club' });
    assert.deepEqual(members.members, [{ uid: 'alice', dn: 'alice' }]);
    const got = waitFor(bob, 'messagereceived');
    const received = waitEvent(alice, 'ack', (d) => d.type === 'received');
    alice.sendMuc('club', 'hi club');
    const [content, from] = await got;
    assert.equal(content.namespace, 'muc');
    assert.equal(from, 'club/alice');
    assert.equal((await received).from, 'club/bob');
  });

  test('a call to a muc room rings every other member; the first to proceed gets the call', async () => {
    const server = await startServer();
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((uid) => connectClient(server, uid)));
    for (const c of [alice, bob, carol]) await c.request(c.server, 'muc-join', { rid: 'team' });
    const rang = Promise.all([waitFor(bob, 'call'), waitFor(carol, 'call')]);
    alice.call('team');
    const [[atBob], [atCarol]] = await rang;
    assert.equal(atCarol.peer, 'team/alice', 'the callee answers through the room');
    const retracted = waitFor(bob, 'callended');
    const needed = waitFor(alice, 'offerneeded');
    carol.proceed();
    await Promise.all([retracted, needed]);
    assert.equal(atBob.cause, 'answered-elsewhere');
    const offered = waitFor(carol, 'offerreceived');
    alice.sendOffer(OFFER);
    await offered;
    const answered = waitFor(alice, 'offerreceived');
    carol.sendOffer(ANSWER);
    await answered;
    assert.equal(bob.currentCall, null, 'bob is out of it');
  });
});

describe('what the caller hears and what the server stamps', () => {
  test('a callee ringing on two devices: the caller hears `ringing` exactly once, and no error', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const [phone, laptop] = await Promise.all([Raw.registered(server, 'bob'), Raw.registered(server, 'bob')]);
    let ringing = 0;
    const errors: string[] = [];
    alice.on('callstatechanged', (_c, ch) => { if (ch.state === 'ringing') ringing++; });
    alice.on('error', (e) => errors.push(e.message));
    const call = alice.call('bob', 'audio');
    const [atPhone, atLaptop] = await Promise.all([phone, laptop].map((d) => d.next((m) => m.jsongle.action === 'session-propose')));
    for (const [device, propose] of [[phone, atPhone], [laptop, atLaptop]] as const) {
      const j = propose.jsongle;
      device.send({ id: `ring-${Math.random()}`, from: 'bob', to: propose.from, jsongle: { sid: j.sid, action: 'session-info', reason: 'ringing', initiator: j.initiator, responder: j.responder, description: { rang: new Date().toISOString() } } });
      // A round trip on the same connection: the server has handled the ringing before this answer.
      await device.request('session-nothing', {});
    }
    // Whatever the server relayed of both ringings reaches alice before the proceed that follows them.
    const j = atPhone.jsongle;
    const proceeded = waitFor(alice, 'callstatechanged', (_c, ch) => ch.state === 'proceeded');
    phone.send({ id: 'proceed-1', from: 'bob', to: atPhone.from, jsongle: { sid: j.sid, action: 'session-proceed', reason: '', initiator: j.initiator, responder: j.responder, description: { proceeded: new Date().toISOString() } } });
    await proceeded;
    assert.equal(call.state, 'proceeded');
    assert.equal(ringing, 1, 'ringing heard once');
    assert.deepEqual(errors, []);
  });

  test('the server keeps the sender\'s `sent` and only adds `relayed`, on texts and on call messages', async () => {
    const server = await startServer();
    const [a, b] = await Promise.all([Raw.registered(server, 'a'), Raw.registered(server, 'b')]);
    const sent = '2001-02-03T04:05:06.789Z';
    const m = text('a', 'b', 'from the past');
    m.jsongle.description.sent = sent;
    const ti = transportInfo('a', 'b');
    (ti.jsongle.description as Record<string, unknown>).sent = sent;
    const before = new Date().toISOString();
    for (const x of [m, ti]) a.send(x);
    for (const x of [m, ti]) {
      const got = await b.next((y) => y.id === x.id);
      assert.equal(got.jsongle.description.sent, sent, `${x.jsongle.action}: sent kept`);
      const relayed = got.jsongle.description.relayed;
      assert.equal(new Date(relayed).toISOString(), relayed, `${x.jsongle.action}: relayed is an ISO time`);
      assert.ok(relayed >= before, `${x.jsongle.action}: relayed stamped now (${relayed} ≥ ${before})`);
      const { relayed: _r, ...rest } = got.jsongle.description;
      assert.deepEqual(rest, x.jsongle.description, `${x.jsongle.action}: nothing else changed`);
    }
    // Without a `sent`, the server gives the relay time as both.
    const bare = text('a', 'b', 'no time');
    delete (bare.jsongle.description as Partial<typeof bare.jsongle.description>).sent;
    a.send(bare);
    const got = await b.next((y) => y.id === bare.id);
    assert.equal(got.jsongle.description.sent, got.jsongle.description.relayed);
  });
});
