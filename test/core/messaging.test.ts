// Messaging between two real clients: text, custom JSON, receipts, typing, reactions, requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { action, connect, once, onceWhere, pair, record, tick, until, wire } from './helpers.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

test('text 1:1 with additionalContent arrives with its exact wire shape and is acknowledged as received', async () => {
  const { alice, bob } = pair();
  const got = once(bob, 'messagereceived');
  const acked = once(alice, 'event');
  const id = alice.send('bob', 'Hello Bob', { lang: 'en', n: [1, 2] });
  const [content, from, mid] = await got;
  assert.deepEqual(Object.keys(content).sort(), ['action', 'description', 'namespace']);
  assert.equal(content.namespace, 'message');
  assert.match(content.description.sent, ISO);
  assert.equal(content.description.content, 'Hello Bob');
  assert.deepEqual(content.description.additionalContent, { lang: 'en', n: [1, 2] });
  assert.deepEqual([from, mid], ['alice', id]);
  const [ack, ackFrom]: any[] = await acked;
  assert.equal(ack.event, 'ack');
  assert.equal(ackFrom, 'bob');
  assert.deepEqual({ ...ack.description, acknowledged: 'x' }, { acknowledged: 'x', mid: id, type: 'received' });
});

test('a text with only additionalContent may have empty content; an empty text alone is refused', async () => {
  const { alice, bob } = pair();
  const got = once(bob, 'messagereceived');
  alice.send('bob', '', { sticker: 'wave' });
  const [content] = await got;
  assert.equal(content.description.content, '');
  assert.throws(() => alice.send('bob', ''), { code: 'invalid-argument', message: /'content'/ });
});

test('room text (sendMuc) uses the muc namespace and its receipt does too', async () => {
  const { client, sentWhere, push } = wire({ user: { uid: 'alice' } });
  const id = client.sendMuc('room-1', 'hi all', { x: 1 });
  const sent = await sentWhere(action('session-text'));
  assert.equal(sent.id, id);
  assert.equal(sent.to, 'room-1');
  assert.equal(sent.from, 'alice');
  assert.equal(sent.jsongle.namespace, 'muc');
  assert.deepEqual(sent.jsongle.description.additionalContent, { x: 1 });
  push({ id: 'm2', from: 'room-1/bob', to: 'alice', jsongle: { action: 'session-text', namespace: 'muc', description: { sent: new Date().toISOString(), content: 'hey' } } });
  const ack = await sentWhere(action('session-event'));
  assert.equal(ack.to, 'room-1', 'receipts go to the room id, as the original client sends them');
  assert.equal(ack.jsongle.namespace, 'muc');
  assert.equal(ack.jsongle.description.mid, 'm2');
});

test('custom JSON (sendJSON / sendJSONMUC) carries any JSON value and reaches ondatareceived', async () => {
  const { alice, bob } = pair();
  for (const value of [{ presence: 'available' }, [1, 'two'], 'text', 42, null, false]) {
    const got = once(bob, 'datareceived');
    const id = alice.sendJSON('bob', value);
    const [content, from, mid] = await got;
    assert.deepEqual(content.description.content, value);
    assert.equal(content.namespace, 'message');
    assert.deepEqual([from, mid], ['alice', id]);
  }
  const got = once(bob, 'datareceived');
  alice.sendJSONMUC('bob', { a: 1 });
  assert.equal((await got)[0].namespace, 'muc');
  assert.throws(() => alice.sendJSON('bob', undefined), { code: 'invalid-argument', message: /'content'/ });
});

test('read receipts: sendAReadAcknowledgement(id, to) reaches the sender as an ack of type read', async () => {
  const { alice, bob } = pair();
  const got = once(bob, 'messagereceived');
  const id = alice.send('bob', 'read me');
  const [, from, mid] = await got;
  const events = record(alice, ['event']);
  bob.sendAReadAcknowledgement(mid, from);
  await until(() => events.length >= 2, 2000, 'the received and read acks');
  const types = events.map(([, e]) => e.description.type);
  assert.deepEqual(types.sort(), ['read', 'received']);
  assert.ok(events.every(([, e]) => e.description.mid === id));
  const muc = wire({ user: { uid: 'alice' } });
  muc.client.sendAReadAcknowledgementMuc('m9', 'room-1/bob');
  const sent = await muc.sentWhere(action('session-event'));
  assert.deepEqual([sent.jsongle.namespace, sent.jsongle.description.type, sent.jsongle.description.mid], ['muc', 'read', 'm9']);
});

test('typing: composing then active is tracked; a new message from the typist resets it', async () => {
  const { alice, bob } = pair();
  const composing = once(bob, 'event');
  alice.isTyping(true, 'bob');
  const [e]: any[] = await composing;
  assert.equal(e.event, 'typing');
  assert.equal(e.description.state, 'composing');
  assert.match(e.description.updated as string, ISO);
  assert.deepEqual(bob.typing, ['alice']);
  const reset = once(bob, 'event');
  alice.send('bob', 'done typing');
  const [r]: any[] = await reset;
  assert.equal(r.event, 'typing');
  assert.equal(r.description.state, 'active');
  assert.deepEqual(bob.typing, []);
  alice.isTyping(true, 'bob');
  await once(bob, 'event');
  alice.isTyping(false, 'bob');
  const [stop]: any[] = await once(bob, 'event');
  assert.equal(stop.description.state, 'active');
  assert.deepEqual(bob.typing, []);
  const muc = wire({ user: { uid: 'a' } });
  muc.client.isTypingMuc(true, 'room-1');
  assert.equal((await muc.sentWhere(action('session-event'))).jsongle.namespace, 'muc');
});

test('reactions: set and remove (empty reaction) reach the other side with the message id', async () => {
  const { alice, bob } = pair();
  const got = once(bob, 'messagereceived');
  alice.send('bob', 'react to me');
  const [, , mid] = await got;
  const isReaction = (e: any) => e.event === 'reaction';
  const set = onceWhere(alice, 'event', isReaction);
  bob.reactToMessage(mid, '👍', 'alice');
  let [e]: any[] = await set;
  assert.equal(e.event, 'reaction');
  assert.equal(e.description.mid, mid);
  assert.equal(e.description.type, '👍');
  assert.match(e.description.reacted as string, ISO);
  const removed = onceWhere(alice, 'event', isReaction);
  bob.reactToMessage(mid, '', 'alice');
  [e] = await removed;
  assert.equal(e.description.type, '');
  const muc = wire({ user: { uid: 'a' } });
  muc.client.reactToMessageMUC('m1', '❤', 'room-1');
  assert.equal((await muc.sentWhere(action('session-event'))).jsongle.namespace, 'muc');
});

test('request/answer between two clients: the answer resolves the request; a failed ack rejects it', async () => {
  const { alice, bob } = pair();
  bob.onrequest = (req, from) => {
    bob.answer(from, req.query, { echo: req.description, ok: true }, req.transaction);
  };
  const result = await alice.request('bob', 'ping', { n: 1 });
  assert.deepEqual(result, { echo: { n: 1 }, ok: true });
  const w = wire({ user: { uid: 'me' } });
  const pending = w.client.request('server', 'session-join', { rid: 'r' }, 't-1');
  w.push({ id: 'a', from: 'server', to: 'me', jsongle: { action: 'ack', status: 'failed', transaction: 't-1' } });
  await assert.rejects(pending, { code: 'request-failed' });
});

test('a request without a given transaction gets a generated one; pending acks do not settle it', async () => {
  const w = wire({ user: { uid: 'me' } });
  const pending = w.client.request('server', 'q', {});
  const sent = await w.sentWhere(action('iq-set'));
  assert.match(sent.jsongle.transaction, /^[0-9a-f-]{36}$/);
  w.push({ id: 'p', from: 'server', to: 'me', jsongle: { action: 'ack', status: 'pending', transaction: sent.jsongle.transaction } });
  await tick(10);
  w.push({ id: 'r', from: 'server', to: 'me', jsongle: { action: 'iq-result', query: 'q', transaction: sent.jsongle.transaction, description: { done: 1 } } });
  assert.deepEqual(await pending, { done: 1 });
});

test('a request that times out is rejected and leaves nothing pending; a late answer is ignored', async () => {
  const w = wire({ user: { uid: 'me' }, requestTimeout: 40 });
  const errors = record(w.client, ['error']);
  const pending = w.client.request('server', 'slow', {}, 'tx-slow');
  await assert.rejects(pending, { code: 'request-timeout', message: /'slow'.*40 ms/ });
  // The same transaction may be used again: nothing is left behind.
  const again = w.client.request('server', 'slow', {}, 'tx-slow');
  w.push({ id: 'late', from: 'server', to: 'me', jsongle: { action: 'iq-result', query: 'slow', transaction: 'tx-slow', description: {} } });
  assert.deepEqual(await again, {});
  w.push({ id: 'later', from: 'server', to: 'me', jsongle: { action: 'iq-result', query: 'slow', transaction: 'tx-slow', description: {} } });
  await tick(10);
  assert.equal(errors.length, 0);
});

test('the session-hello handshake: the client answers with its user, its id becomes the uid once acked', async () => {
  const w = wire({ user: { uid: 'alice', dn: 'Alice' } });
  assert.equal(w.client.id, 'alice'); // serverless until a hello says otherwise
  const registered = once(w.client, 'registered');
  w.push({ id: 'h', from: 'sn-1', to: 'prov-42', jsongle: { action: 'iq-get', query: 'session-hello', transaction: 'tx-h',
    description: { version: '1.0.0', sn: 'sn-1', info: 'JSONgle', connected: new Date().toISOString() } } });
  const answer = await w.sentWhere(action('iq-result'));
  assert.equal(answer.from, 'prov-42');
  assert.equal(answer.to, 'sn-1');
  assert.deepEqual(answer.jsongle, { action: 'iq-result', query: 'session-hello', transaction: 'tx-h', description: { uid: 'alice', dn: 'Alice' } });
  assert.equal(w.client.id, 'prov-42');
  assert.equal(w.client.registered, false);
  w.push({ id: 'k', from: 'sn-1', to: 'prov-42', jsongle: { action: 'ack', status: 'success', transaction: 'tx-h' } });
  assert.deepEqual(await registered, ['alice']);
  assert.equal(w.client.id, 'alice');
  assert.equal(w.client.server, 'sn-1');
  w.client.send('bob', 'after');
  assert.equal((await w.sentWhere(action('session-text'))).from, 'alice');
  // A reconnection brings a new hello: a new provisional id, then `registered` again.
  const again = once(w.client, 'registered');
  w.push({ id: 'h2', from: 'sn-1', to: 'prov-43', jsongle: { action: 'iq-get', query: 'session-hello', transaction: 'tx-h2', description: { sn: 'sn-1' } } });
  const second = await w.sentWhere((m) => m.jsongle.action === 'iq-result' && m.jsongle.transaction === 'tx-h2');
  assert.equal(second.from, 'prov-43');
  assert.equal(w.client.registered, false);
  w.push({ id: 'k2', from: 'sn-1', to: 'prov-43', jsongle: { action: 'ack', status: 'success', transaction: 'tx-h2' } });
  assert.deepEqual(await again, ['alice']);
  assert.equal(w.client.registered, true);
});

test('without a user the hello request reaches onrequest, and answer() registers the uid it gives', async () => {
  const w = wire();
  const req = once(w.client, 'request');
  w.push({ id: 'h', from: 'sn', to: 'prov-1', jsongle: { action: 'iq-get', query: 'session-hello', transaction: 'tx', description: { sn: 'sn' } } });
  const [request, from] = await req;
  assert.equal(w.client.id, 'prov-1');
  const acked = w.client.answer(from, request.query, { uid: 'jon', dn: 'Jon Doe' }, request.transaction);
  w.push({ id: 'k', from: 'sn', to: 'prov-1', jsongle: { action: 'ack', status: 'success', transaction: 'tx' } });
  await acked;
  assert.equal(w.client.id, 'jon');
});

test('a refused registration (ack failed + session-error 400001) is reported as errors, id stays provisional', async () => {
  const w = wire({ user: { uid: 'x' } });
  const errors = record(w.client, ['error']);
  w.push({ id: 'h', from: 'sn', to: 'prov', jsongle: { action: 'iq-get', query: 'session-hello', transaction: 'tx', description: {} } });
  await w.sentWhere(action('iq-result'));
  w.push({ id: 'k', from: 'sn', to: 'prov', jsongle: { action: 'ack', status: 'failed', transaction: 'tx' } });
  w.push({ id: 'e', from: 'sn', to: 'prov', jsongle: { action: 'session-error', description: { errorCode: 400001, errorDetails: "Missing 'uid'" } } });
  await until(() => errors.length >= 2, 2000, 'the failed ack and the session-error');
  assert.deepEqual(errors.map(([, e]) => e.code), ['request-failed', 'session-error']);
  assert.equal(errors[1][1].detail.errorCode, 400001);
  assert.equal(w.client.id, 'prov');
  assert.equal(w.client.registered, false);
});

test('serverless, reportMetrics only records the figures in the ticket (nothing is sent)', async () => {
  const { alice, bob } = pair();
  const { callerCall } = await connect(alice, bob, 'bob', 'audio');
  const sent: unknown[] = [];
  const send = alice.transport.send.bind(alice.transport);
  alice.transport.send = (m) => { sent.push(m); send(m); };
  assert.equal(alice.reportMetrics(callerCall.id, { route: 'host', mos: 4.4 }), null);
  assert.deepEqual(sent, []);
  assert.deepEqual(alice.ticket!.metrics, { route: 'host', mos: 4.4 });
});

test('reportMetrics sends session-metrics to the server and records the figures in the ticket', async () => {
  const w = wire({ user: { uid: 'alice' } });
  w.push({ id: 'h', from: 'sn', to: 'alice', jsongle: { action: 'session-hello', description: { sn: 'sn' } } });
  await until(() => w.client.server === 'sn', 2000, 'the hello handled');
  const call = w.client.call('bob');
  w.client.reportMetrics(call.id, { route: 'host', mos: 4.3, duration: 12 });
  const sent = await w.sentWhere(action('session-metrics'));
  assert.equal(sent.to, 'sn');
  assert.deepEqual(Object.keys(sent.jsongle), ['sid', 'action', 'namespace', 'description']);
  assert.equal(sent.jsongle.namespace, 'call');
  assert.equal(sent.jsongle.sid, call.id);
  assert.match(sent.jsongle.description.issuedAt, ISO);
  assert.deepEqual(w.client.ticket!.metrics, { route: 'host', mos: 4.3, duration: 12 });
  w.client.reportMetrics(call.id, { error: 'ice-failed' }, 'collector');
  assert.equal((await w.sentWhere((m) => m.to === 'collector')).jsongle.description.error, 'ice-failed');
  assert.throws(() => w.client.reportMetrics(call.id, {}), { code: 'invalid-argument', message: /'metrics'/ });
  assert.throws(() => w.client.reportMetrics(call.id, { mos: 1 }, 7 as any), { code: 'invalid-argument', message: /'to'/ });
  assert.throws(() => w.client.reportMetrics(call.id, { mos: 'good' as any }), { code: 'invalid-argument' });
});
