// Bad input over a real socket: each gets its documented error (or close code), the connection that
// sent it is otherwise unaffected, and the server keeps serving everyone else.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { JSONgle } from '../../src/client.ts';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { createWebSocketTransport } from '../../src/transport/websocket.ts';
import { cleanup, connectClient, errorCode, isError, metric, Raw, startServer, text, transportInfo, until, waitFor } from './helpers.ts';

/** Resolves with the id of the next message of `client` that failed with server error `code`. */
const failedWith = (client: Awaited<ReturnType<typeof connectClient>>, code: number) =>
  waitFor(client, 'messagefailed', (_m, e) => e.detail.errorCode === code).then(([m]) => m.id);

afterEach(cleanup);

/** Rejects with the JsongleError's wire code. */
async function refusedWith(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
  } catch (e: any) {
    assert.equal(e.code, 'request-failed');
    return e.detail.errorCode;
  }
  assert.fail('the request succeeded');
}

/** alice and bob in a 1:1 room still exchange a message: the server serves everyone else. */
async function stillServing(server: { wsUrl: string }) {
  const a = await Raw.registered(server, `ok-a-${Math.random()}`);
  const b = await Raw.registered(server, `ok-b-${Math.random()}`);
  const rid = `ok-${Math.random()}`;
  await a.request('session-join', { rid });
  await b.request('session-join', { rid });
  const m = text('x', rid, 'still here');
  a.send(m);
  assert.equal((await b.next((x) => x.id === m.id)).jsongle.description.content, 'still here');
}

describe('every error code from a real client action', () => {
  test('400001: hello answered without uid (ack failed), join without rid', async () => {
    const server = await startServer();
    const raw = await Raw.open(server.wsUrl);
    const hello = await raw.next();
    raw.send({ id: '1', from: hello.to, to: hello.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: hello.jsongle.transaction, description: { dn: 'no uid' } } });
    assert.equal((await raw.next((m) => m.jsongle.action === 'ack')).jsongle.status, 'failed');
    await raw.next(isError(ERROR_CODE.BAD_PARAMETERS));
    // The connection may still register properly afterwards.
    raw.send({ id: '2', from: hello.to, to: hello.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: hello.jsongle.transaction, description: { uid: 'u' } } });
    assert.equal((await raw.next((m) => m.jsongle.action === 'ack')).jsongle.status, 'success');

    const alice = await connectClient(server, 'alice');
    assert.equal(await refusedWith(alice.request(alice.server, 'session-join', {})), ERROR_CODE.BAD_PARAMETERS);
  });

  test('400001: a uid with "/" or the server name is refused', async () => {
    const server = await startServer();
    for (const uid of ['a/b', 'jsongle']) {
      const raw = await Raw.open(server.wsUrl);
      await assert.rejects(raw.register(uid), /registration of .* failed/);
    }
  });

  test('403001: a third member for a 1:1 room, a member too many for a muc room', async () => {
    const server = await startServer({ maxMucMembers: 3 });
    const clients = await Promise.all(['a', 'b', 'c', 'd'].map((uid) => connectClient(server, uid)));
    await clients[0].request('jsongle', 'session-join', { rid: 'pair' });
    await clients[1].request('jsongle', 'session-join', { rid: 'pair' });
    assert.equal(await refusedWith(clients[2].request('jsongle', 'session-join', { rid: 'pair' })), ERROR_CODE.ROOM_FULL);
    for (const c of clients.slice(0, 3)) await c.request('jsongle', 'muc-join', { rid: 'trio' });
    assert.equal(await refusedWith(clients[3].request('jsongle', 'muc-join', { rid: 'trio' })), ERROR_CODE.ROOM_FULL);
  });

  test('403001: more rooms than a user may be in', async () => {
    const server = await startServer({ maxRoomsPerUser: 2 });
    const a = await connectClient(server, 'a');
    await a.request('jsongle', 'muc-join', { rid: 'r1' });
    await a.request('jsongle', 'muc-join', { rid: 'r2' });
    assert.equal(await refusedWith(a.request('jsongle', 'muc-join', { rid: 'r3' })), ERROR_CODE.ROOM_FULL);
  });

  test('403002: a client that has not answered the hello', async () => {
    const server = await startServer();
    // No `user`: the client does not answer the hello by itself.
    const anonymous = new JSONgle({ transport: createWebSocketTransport({ url: server.wsUrl, WebSocket, awaitHello: false }) });
    try {
      await waitFor(anonymous, 'request');
      const refused = errorCode(anonymous, ERROR_CODE.NOT_REGISTERED);
      anonymous.isTyping(true, 'bob'); // a text would wait in the outbox until registered
      await refused;
    } finally {
      anonymous.close();
    }
  });

  test('404001: an unknown query to the server', async () => {
    const server = await startServer();
    const a = await connectClient(server, 'a');
    assert.equal(await refusedWith(a.request(a.server, 'session-teleport', { rid: 'x' })), ERROR_CODE.QUERY_NOT_FOUND);
  });

  test('404002: leaving a room one is not in; sending to a room one is not in', async () => {
    const server = await startServer();
    const a = await connectClient(server, 'a');
    const b = await connectClient(server, 'b');
    assert.equal(await refusedWith(a.request(a.server, 'session-leave', { rid: 'nowhere' })), ERROR_CODE.NOT_A_MEMBER);
    await b.request(b.server, 'session-join', { rid: 'private' });
    // A refused text is a failed message of the outbox (the error names it with description.mid).
    const refused = failedWith(a, ERROR_CODE.NOT_A_MEMBER);
    const id = a.send('private', 'let me in');
    assert.equal(await refused, id);
  });

  test('404003: a message nobody can receive; a call nobody can receive ends unreachable', async () => {
    const server = await startServer();
    const a = await connectClient(server, 'a');
    // A message to a user who is offline is stored for them (store.test.ts); to oneself, nobody has it.
    const refused = failedWith(a, ERROR_CODE.NO_OTHER_MEMBER);
    a.send('a', 'anyone?');
    await refused;
    await a.request(a.server, 'session-join', { rid: 'alone' });
    const alone = failedWith(a, ERROR_CODE.NO_OTHER_MEMBER);
    a.send('alone', 'anyone?');
    await alone;
    const ended = waitFor(a, 'callended');
    const call = a.call('alone');
    await ended;
    assert.equal(call.reason, 'unreachable');
    // A request to nobody gets iq-error, so the promise settles at once.
    assert.equal(await refusedWith(a.request('ghost', 'ping')), ERROR_CODE.NO_OTHER_MEMBER);
  });

  test('405001: an action the server does not relay; a session-info only the server may send', async () => {
    const server = await startServer();
    const a = await Raw.registered(server, 'a');
    await Raw.registered(server, 'b');
    a.send({ id: '1', from: 'a', to: 'b', jsongle: { action: 'ack', status: 'success', transaction: 't' } });
    await a.next(isError(ERROR_CODE.ACTION_NOT_ALLOWED));
    a.send({ id: '2', from: 'a', to: 'b', jsongle: { sid: 's', action: 'session-info', reason: 'unreachable', initiator: 'a', responder: 'b', description: { ended: 'now' } } });
    await a.next(isError(ERROR_CODE.ACTION_NOT_ALLOWED));
  });
  // 429001 (floods): flood.test.ts.
});

describe('bad frames over a raw socket', () => {
  const cases: [string, string | Buffer, number][] = [
    ['not JSON', '{"id": "1", jsongle', ERROR_CODE.NOT_JSONGLE],
    ['not an object', '[1,2,3]', ERROR_CODE.NOT_JSONGLE],
    ['a bare number', '42', ERROR_CODE.NOT_JSONGLE],
    ['no jsongle', JSON.stringify({ id: '1', from: 'a', to: 'b' }), ERROR_CODE.NOT_JSONGLE],
    ['an unknown action', JSON.stringify({ id: '1', from: 'a', to: 'b', jsongle: { action: 'session-dance' } }), ERROR_CODE.ACTION_NOT_ALLOWED],
    ['wrong types', JSON.stringify({ ...transportInfo('a', 'b'), jsongle: { ...transportInfo('a', 'b').jsongle, sid: 42 } }), ERROR_CODE.BAD_PARAMETERS],
    ['a to that is not a string', JSON.stringify({ ...text('a', 'b'), to: ['b'] }), ERROR_CODE.BAD_PARAMETERS],
    ['a prototype key', '{"id":"1","from":"a","to":"b","jsongle":{"action":"session-custom","namespace":"message","description":{"__proto__":{"admin":true}}}}', ERROR_CODE.BAD_PARAMETERS],
    ['a binary frame', Buffer.from([1, 2, 3]), ERROR_CODE.NOT_JSONGLE],
  ];
  for (const [what, frame, code] of cases) {
    test(`${what} → session-error ${code}, and the connection keeps working`, async () => {
      const server = await startServer();
      const a = await Raw.registered(server, 'a');
      const b = await Raw.registered(server, 'b');
      a.ws.send(frame);
      const error = await a.next(isError(code));
      assert.equal(error.from, 'jsongle');
      assert.equal(error.to, 'a');
      const m = text('a', 'b', 'after the bad frame');
      a.send(m);
      await b.next((x) => x.id === m.id);
      assert.deepEqual(await b.quiet(50), [], 'b saw nothing of the bad frame');
    });
  }

  test('messages before the hello get 403002 (also bad ones get their own code first)', async () => {
    const server = await startServer();
    const raw = await Raw.open(server.wsUrl);
    const hello = await raw.next((m) => m.jsongle.query === 'session-hello');
    raw.send(text('me', 'you'));
    await raw.next(isError(ERROR_CODE.NOT_REGISTERED));
    raw.send('nonsense');
    await raw.next(isError(ERROR_CODE.NOT_JSONGLE));
    raw.send({ id: 'j', from: 'me', to: 'jsongle', jsongle: { action: 'iq-set', query: 'session-join', transaction: 't', description: { rid: 'r' } } });
    await raw.next(isError(ERROR_CODE.NOT_REGISTERED));
    raw.send({ id: 'h', from: hello.to, to: hello.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: hello.jsongle.transaction, description: { uid: 'late' } } });
    assert.equal((await raw.next((m) => m.jsongle.action === 'ack')).jsongle.status, 'success');
  });

  test('a forged from is overwritten with the registered identity', async () => {
    const server = await startServer();
    const mallory = await Raw.registered(server, 'mallory');
    const bob = await Raw.registered(server, 'bob');
    await Raw.registered(server, 'alice');
    const m = text('alice', 'bob', 'it is me, alice');
    mallory.send(m);
    const got = await bob.next((x) => x.id === m.id);
    assert.equal(got.from, 'mallory');
    const call = transportInfo('alice', 'bob');
    mallory.send(call);
    assert.equal((await bob.next((x) => x.id === call.id)).from, 'mallory');
  });

  test('a frame over 64 KB closes that connection with 1009; the others go on', async () => {
    const server = await startServer();
    const big = await Raw.registered(server, 'big');
    const m = text('big', 'bob', 'x'.repeat(64 * 1024));
    big.send(m);
    assert.equal((await big.closed).code, 1009);
    await stillServing(server);
    // Just under the limit is fine, even when the stamped, relayed frame grows past 65,535 bytes.
    const a = await Raw.registered(server, 'a');
    const b = await Raw.registered(server, 'b');
    const fits = text('a', 'b', '');
    fits.jsongle.description.content = 'y'.repeat(64 * 1024 - JSON.stringify(fits).length);
    assert.equal(JSON.stringify(fits).length, 64 * 1024);
    a.send(fits);
    const relayed = await b.next((x) => x.id === fits.id);
    assert.equal(relayed.jsongle.description.content, fits.jsongle.description.content);
    assert.ok(JSON.stringify(relayed).length > 65535);
  });
});

describe('refusals at the upgrade', () => {
  test('without the token: 401; with it: connected', async () => {
    const server = await startServer({ token: 's3cret' });
    await assert.rejects(Raw.open(server.wsUrl), { status: 401 });
    await assert.rejects(Raw.open(`${server.wsUrl}?token=wrong`), { status: 401 });
    const ok = await Raw.open(`${server.wsUrl}?token=s3cret`);
    await ok.register('a');
    // The transport passes the token itself.
    const client = new JSONgle({ transport: createWebSocketTransport({ url: server.wsUrl, token: 's3cret', WebSocket }), user: { uid: 'b' } });
    try {
      await waitFor(client, 'registered');
    } finally {
      client.close();
    }
  });

  test('an Origin not allowed: 403; an allowed one, or none (not a browser): connected', async () => {
    const server = await startServer({ allowedOrigins: ['https://app.example'] });
    await assert.rejects(Raw.open(server.wsUrl, { origin: 'https://evil.example' }), { status: 403 });
    await (await Raw.open(server.wsUrl, { origin: 'https://app.example' })).register('a');
    await (await Raw.open(server.wsUrl)).register('b');
  });

  test('another path: 404; beyond the connection limit: 503', async () => {
    const server = await startServer({ maxConnections: 2 });
    await assert.rejects(Raw.open(server.wsUrl.replace('/ws', '/other')), { status: 404 });
    await Raw.open(server.wsUrl);
    await Raw.open(server.wsUrl);
    await assert.rejects(Raw.open(server.wsUrl), { status: 503 });
  });
});

describe('liveness', () => {
  test('a connection that does not answer pings is terminated; one that does stays', async () => {
    const server = await startServer({ heartbeatInterval: 50 });
    const deaf = await Raw.open(server.wsUrl, { autoPong: false });
    await deaf.register('deaf');
    const fine = await Raw.registered(server, 'fine');
    const closed = await deaf.closedWithin(2000); // the deaf connection was terminated
    assert.equal(closed.code, 1006, 'terminated without a close handshake');
    assert.equal(fine.ws.readyState, WebSocket.OPEN);
    await until(() => server.connections === 1, 2000, 'the server forgot the deaf connection');
  });

  test('a connection that never answers the hello is destroyed at the deadline (no close handshake)', async () => {
    const server = await startServer({ helloTimeout: 100 });
    const silent = await Raw.open(server.wsUrl);
    assert.equal((await silent.closed).code, 1006);
  });
});
