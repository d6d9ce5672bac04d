// Store-and-forward on the real server with its real SQLite store (a temp dir per test): offline
// delivery, receipts for an offline sender, missed calls, history and who may read it, retention,
// a failing store. The SIGKILL test is in store-kill.test.ts.
import { after, afterEach, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { JSONgle } from '../../src/client.ts';
import { createWebSocketTransport } from '../../src/transport/websocket.ts';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { DB_FILE, SqliteStore } from '../../server/store/sqlite.ts';
import { directConversation, roomConversation } from '../../server/store/store.ts';
import { cleanup, connectClient, isError, type Msg, Raw, sleep, startServer, tempDir, text, until, waitEvent, waitFor } from './helpers.ts';

afterEach(cleanup);

const refusedWith = (p: Promise<unknown>) => p.then(() => 0, (e) => e.detail?.errorCode);

describe('store-and-forward', () => {
  test('a message to an offline user arrives on its next hello with its id, from and sent; the sender then gets received', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const stored = waitEvent(alice, 'ack', (d) => d.type === 'server-received');
    const sending = new Date().toISOString();
    const id = alice.send('bob', 'are you there?');
    assert.equal((await stored).description.mid, id, 'server-received (stored) although bob never connected');
    assert.deepEqual(alice.pendingMessages, []);
    const received = waitEvent(alice, 'ack', (d) => d.type === 'received' && d.mid === id);

    const got: [string, string, string, string][] = [];
    const bob = new JSONgle({ transport: createWebSocketTransport({ url: server.wsUrl, WebSocket }), user: { uid: 'bob' } });
    after(() => bob.close());
    bob.on('messagereceived', (j, from, mid) => got.push([j.description.content, from, mid, j.description.sent]));
    await until(() => got.length === 1, 3000, 'bob got the stored message');
    await received;
    assert.equal(got[0][0], 'are you there?');
    assert.equal(got[0][1], 'alice');
    assert.equal(got[0][2], id);
    assert.ok(got[0][3] >= sending && got[0][3] <= new Date().toISOString(), `sent is the time alice sent it (${got[0][3]}, sent at ${sending})`);

    // Acknowledged: a later connection of bob gets nothing again.
    const again = await Raw.registered(server, 'bob');
    assert.deepEqual((await again.quiet(200)).filter((m) => m.jsongle.action === 'session-text'), []);
  });

  test('pending messages come in order; the same (sender, id) sent twice is stored and delivered once', async () => {
    const server = await startServer();
    const a = await Raw.registered(server, 'a');
    const first = text('a', 'b', 'one');
    a.send(first);
    a.send(first); // a resend after a lost ack: same id
    a.send(text('a', 'b', 'two'));
    for (let i = 0; i < 3; i++) await a.next((m) => m.jsongle.event === 'ack' && m.jsongle.description.type === 'server-received');
    const b = await Raw.registered(server, 'b');
    const texts = [await b.next((m) => m.jsongle.action === 'session-text'), await b.next((m) => m.jsongle.action === 'session-text')];
    assert.deepEqual(texts.map((m) => m.jsongle.description.content), ['one', 'two']);
    assert.equal(texts[0].id, first.id);
    assert.deepEqual((await b.quiet(150)).filter((m) => m.jsongle.action === 'session-text'), [], 'no third text');
  });

  test('a read receipt to a sender who went offline arrives when it comes back', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const bob = await connectClient(server, 'bob');
    const [, , id] = await Promise.all([waitFor(bob, 'messagereceived'), null, alice.send('bob', 'read me')]).then(([r]) => r);
    await until(() => alice.pendingMessages.length === 0, 2000, 'stored');
    alice.close();
    await until(async () => ((await (await fetch(`${server.url}/healthz`)).json()) as any).users === 1, 2000, 'alice gone');
    bob.sendAReadAcknowledgement(id, 'alice');

    const back = await Raw.registered(server, 'alice');
    const read = await back.next((m) => m.jsongle.event === 'ack' && m.jsongle.description.type === 'read');
    assert.equal(read.jsongle.description.mid, id);
    assert.equal(read.from, 'bob');
    // And the history shows it read.
    const page = await bob.history({ with: 'alice' });
    assert.deepEqual(page.messages.map((m) => [m.id, m.state]), [[id, 'read']]);
  });

  test('a user coming back gets what waited for it before what is sent while its pending messages are read', async () => {
    const server = await startServer({ rateBurst: 10_000, rateLimit: 10_000 });
    const a = await Raw.registered(server, 'a');
    const stored = (n: number) => a.next((m) => m.jsongle.event === 'ack' && m.jsongle.description.type === 'server-received', 3000, `server-received ${n}`);
    for (let i = 0; i < 100; i++) a.send(text('a', 'b', String(i)));
    for (let i = 0; i < 100; i++) await stored(i);
    // b answers its hello while a goes on writing: each of those is stored and sent live to b.
    const b = await Raw.open(server.wsUrl);
    const registering = b.register('b');
    for (let i = 100; i < 300; i++) {
      a.send(text('a', 'b', String(i)));
      if (i % 10 === 0) await sleep(1);
    }
    await registering;
    // As a client delivers them: an id once (one stored just before the read may come again, live).
    const got: number[] = [];
    while (got.length < 300) {
      const n = Number((await b.next((m) => m.jsongle.action === 'session-text', 5000, `text ${got.length} of 300`)).jsongle.description.content);
      if (!got.includes(n)) got.push(n);
    }
    assert.deepEqual(got, Array.from({ length: 300 }, (_, i) => i), 'in the order written');
  });

  test('a call to an offline user becomes a missed call delivered on its next hello', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const ended = waitFor(alice, 'callended');
    const call = alice.call('bob');
    await ended;
    assert.equal(call.reason, 'unreachable');
    const bob = await Raw.registered(server, 'bob');
    const missed = await bob.next((m) => m.jsongle.event === 'missed-call');
    assert.equal(missed.from, 'alice');
    assert.equal(missed.jsongle.description.sid, call.id);
    // Delivered once: the next connection of bob does not get it again.
    const again = await Raw.registered(server, 'bob');
    assert.deepEqual((await again.quiet(200)).filter((m) => m.jsongle.event === 'missed-call'), []);
  });

  test('a call that rings unanswered is missed (cancelled by the caller, or at the ring timeout); a declined or an answered one is not', async () => {
    const server = await startServer({ ringTimeout: 400 });
    const alice = await connectClient(server, 'alice', 'alice', {}, { ringTimeout: 0 }); // the server's timer, not alice's
    const bob = await connectClient(server, 'bob');
    const missed: [string, string][] = [];
    bob.on('event', (j, from) => { if ('event' in j && j.event === 'missed-call') missed.push([(j.description as { sid: string }).sid, from]); });
    /** Calls bob, does `then` once it rings on his side, and waits until both sides ended it. */
    const call = async (then: () => void | Promise<unknown>) => {
      const rings = waitFor(bob, 'callstatechanged', (_, c) => c.state === 'ringing', 3000, 'ringing on bob');
      const ended = Promise.all([waitFor(alice, 'callended'), waitFor(bob, 'callended')]);
      const placed = alice.call('bob');
      await rings;
      await then();
      await ended;
      return placed.id;
    };
    const cancelled = await call(() => alice.end());
    const unanswered = await call(() => {});
    await call(() => bob.decline());
    await call(async () => {
      const proceeded = waitFor(alice, 'callstatechanged', (_, c) => c.state === 'proceeded', 3000, 'proceeded on alice');
      bob.proceed();
      await proceeded;
      alice.end();
    });
    await until(() => missed.length >= 2, 3000, 'two missed calls on bob');
    await sleep(200); // nothing more comes
    assert.deepEqual(missed, [[cancelled, 'alice'], [unanswered, 'alice']]);
    // Kept for bob's other devices and his history: the conversation holds both, and only them.
    const page = await bob.history({ with: 'alice' });
    assert.deepEqual(page.messages.filter((m) => m.jsongle.action === 'session-event').map((m) => (m.jsongle as any).description.sid), [cancelled, unanswered]);
  });
});

describe('answers in frame order', () => {
  /**
   * Sends, in one burst, frames stored before they are answered (1:1 and room texts) between frames
   * refused at once (a text to oneself, an unknown query), and returns the `mid`s of the answers in
   * the order they arrived, with the `mid`s sent.
   */
  async function burst(a: Raw, round: string, cycles = 30) {
    const sent: string[] = [];
    const frames: unknown[] = [];
    for (let i = 0; i < cycles; i++) {
      const stored = text('a', 'b', `${round} ${i}`);
      const self = text('a', 'a', `${round} to myself ${i}`);
      const room = text('a', 'r', `${round} to the room ${i}`, 'muc');
      const teleport = { id: `${round}-iq-${i}`, from: 'a', to: 'jsongle', jsongle: { action: 'iq-get', query: 'session-teleport', transaction: `${round}-t-${i}`, description: {} } };
      frames.push(stored, self, room, teleport);
      sent.push(stored.id, self.id, room.id, teleport.id);
    }
    for (const f of frames) a.send(f);
    const answers: Msg[] = [];
    while (answers.length < sent.length) answers.push(await a.next((m) => typeof m.jsongle.description?.mid === 'string', 3000, `answer ${answers.length} of ${sent.length}`));
    return { sent, answers };
  }

  test('stored texts between frames refused at once: every answer names its frame, in the order sent (also when the store fails)', async () => {
    const dataDir = tempDir();
    const server = await startServer({ dataDir, rateBurst: 1000 });
    const a = await Raw.registered(server, 'a');
    const b = await Raw.registered(server, 'b');
    await b.request('muc-join', { rid: 'r' });
    await a.request('muc-join', { rid: 'r' });

    const ok = await burst(a, 'ok');
    assert.deepEqual(ok.answers.map((m) => m.jsongle.description.mid), ok.sent);
    assert.equal(ok.answers.filter((m) => m.jsongle.description.type === 'server-received').length, 60, 'both stored texts of each cycle acknowledged');
    // Each member of the room got its own copy, addressed to it, from the room.
    const inRoom = await b.next((m) => m.jsongle.description?.content === 'ok to the room 0');
    assert.equal(inRoom.to, 'b');
    assert.equal(inRoom.from, 'r/a');

    // A store that cannot write (another connection holds its write lock) answers late with 503001: in its place too.
    const locker = new Database(join(dataDir, DB_FILE));
    locker.exec('BEGIN IMMEDIATE');
    try {
      const failed = await burst(a, 'locked', 10);
      assert.deepEqual(failed.answers.map((m) => m.jsongle.description.mid), failed.sent);
      assert.equal(failed.answers.filter(isError(ERROR_CODE.STORE_UNAVAILABLE)).length, 20, 'both stored texts of each cycle refused by the store');
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
  });
});

describe('history', () => {
  test('pages go back with before and limit, newest last, with delivery states', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    const bob = await connectClient(server, 'bob');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const got = waitEvent(alice, 'ack', (d) => d.type === 'received', 3000);
      ids.push(alice.send('bob', `m${i}`));
      await got;
    }
    const last = await bob.history({ with: 'alice', limit: 2 });
    assert.deepEqual(last.messages.map((m) => (m.jsongle as any).description.content), ['m3', 'm4']);
    assert.deepEqual(last.messages.map((m) => m.state), ['received', 'received']);
    assert.equal(last.more, true);
    const before = await alice.history({ with: 'bob', limit: 2, before: ids[3] });
    assert.deepEqual(before.messages.map((m) => m.id), [ids[1], ids[2]]);
    const oldest = await alice.history({ with: 'bob', before: ids[1] });
    assert.deepEqual(oldest.messages.map((m) => m.id), [ids[0]]);
    assert.equal(oldest.more, false);
    const all = await alice.history({ with: 'bob' });
    assert.equal(all.messages.length, 5, 'default limit 50 holds all five');
    const byTime = await alice.history({ with: 'bob', before: new Date(Date.now() + 60_000).toISOString(), limit: 1 });
    assert.deepEqual(byTime.messages.map((m) => m.id), [ids[4]]);
  });

  test('participants only: a room is for its members (403003); malformed queries get 400001', async () => {
    const server = await startServer();
    const a = await connectClient(server, 'a');
    const b = await connectClient(server, 'b');
    const c = await connectClient(server, 'c');
    await a.request(a.server, 'session-join', { rid: 'r' });
    await b.request(b.server, 'session-join', { rid: 'r' });
    const got = waitFor(b, 'messagereceived');
    a.send('r', 'in the room');
    await got;
    const page = await b.history({ rid: 'r' });
    assert.deepEqual(page.messages.map((m) => (m.jsongle as any).description.content), ['in the room']);
    assert.equal(await refusedWith(c.history({ rid: 'r' })), ERROR_CODE.NOT_A_PARTICIPANT);
    // c's own 1:1 conversation with a is empty: it never sees a and b's.
    assert.deepEqual((await c.history({ with: 'a' })).messages, []);

    const raw = await Raw.registered(server, 'd');
    const ask = async (description: Record<string, unknown>) => {
      const transaction = `t-${Math.random()}`;
      raw.send({ id: transaction, from: 'd', to: 'jsongle', jsongle: { action: 'iq-get', query: 'history', transaction, description } });
      return (await raw.next((m) => m.jsongle.transaction === transaction)).jsongle;
    };
    for (const bad of [{}, { with: 'a', rid: 'r' }, { with: 'a', limit: 201 }, { with: 'a', limit: 0 }, { with: 5 }, { with: 'a', before: {} }]) {
      const answer = await ask(bad);
      assert.equal(answer.action, 'iq-error', JSON.stringify(bad));
      assert.equal(answer.description.errorCode, ERROR_CODE.BAD_PARAMETERS, JSON.stringify(bad));
    }
    assert.equal((await ask({ with: 'a', limit: 200 })).action, 'iq-result');
  });
});

describe('retention and failures', () => {
  test('the retention job keeps JSONGLE_HISTORY_MAX_PER_CONVERSATION messages, the newest', async () => {
    const server = await startServer({ historyMaxPerConversation: 3, retentionInterval: 50 });
    const alice = await connectClient(server, 'alice');
    for (let i = 0; i < 6; i++) alice.send('bob', `m${i}`);
    await until(() => alice.pendingMessages.length === 0, 3000, 'all six stored');
    await until(async () => (await alice.history({ with: 'bob' })).messages.length === 3, 3000, 'the job trimmed the conversation to 3');
    const kept = (await alice.history({ with: 'bob' })).messages.map((m) => (m.jsongle as any).description.content);
    assert.deepEqual(kept, ['m3', 'm4', 'm5']);
  });

  test('expire() deletes what is older than the retention, at most `limit` per run', async () => {
    const store = new SqliteStore({ dir: tempDir() });
    const day = 86_400_000;
    const now = Date.now();
    const conversation = directConversation('a', 'b');
    for (let i = 0; i < 5; i++) {
      await store.append({ kind: 'message', conversation, sender: 'a', id: `old${i}`, recipient: 'b', sent: now - 31 * day, frame: '{}' });
    }
    await store.append({ kind: 'message', conversation, sender: 'a', id: 'new', recipient: 'b', sent: now, frame: '{}' });
    const dup = await store.append({ kind: 'message', conversation, sender: 'a', id: 'new', recipient: 'b', sent: now, frame: '{"x":1}' });
    assert.equal(dup.duplicate, true);
    const query = { olderThan: now - 30 * day, maxPerConversation: 10_000, limit: 3 };
    assert.equal(await store.expire(query), 3, 'bounded: 3 of 5 in the first run');
    assert.equal(await store.expire(query), 2);
    assert.equal(await store.expire(query), 0);
    assert.deepEqual((await store.page(conversation, { limit: 50 })).map((e) => e.id), ['new']);
    assert.deepEqual(await store.page(roomConversation('nowhere'), { limit: 50 }), []);
    await store.close();
  });

  test('an address no one can register (a \'/\' with no room before it, over 256 characters, empty) is refused with 404003 and nothing is stored', async () => {
    const dataDir = tempDir();
    const server = await startServer({ dataDir });
    const a = await Raw.registered(server, 'a');
    const impossible = ['nowhere/b', 'a/'.repeat(20_000), 'u'.repeat(257), ''];
    for (const to of impossible) {
      const m = text('a', to, 'for nobody');
      a.send(m);
      const refusal = await a.next(isError(ERROR_CODE.NO_OTHER_MEMBER));
      assert.equal(refusal.jsongle.description.mid, m.id, `the refusal names the message to ${to.slice(0, 12)}…`);
      // A call to it ends unreachable, and no missed call is recorded for it.
      a.send({ id: `c-${m.id}`, from: 'a', to, jsongle: { sid: `s-${m.id}`, action: 'session-propose', initiator: 'a', responder: 'b', description: { media: 'audio' } } });
      await a.next((r) => r.jsongle.action === 'session-info' && r.jsongle.reason === 'unreachable' && r.jsongle.sid === `s-${m.id}`);
    }
    // A message to a plain offline uid is still stored, which shows the database is the one written.
    a.send(text('a', 'offline-bob', 'kept'));
    await a.next((r) => r.jsongle.event === 'ack' && r.jsongle.description.type === 'server-received');
    const db = new Database(join(dataDir, DB_FILE), { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT recipient FROM entries').all(), [{ recipient: 'offline-bob' }]);
    } finally { db.close(); }
  });

  test('a store that cannot write refuses the message with 503001 (named by mid); the server keeps serving', async () => {
    const dataDir = tempDir();
    const server = await startServer({ dataDir });
    const alice = await connectClient(server, 'alice');
    const bob = await connectClient(server, 'bob');
    // Another process holds the database's write lock: every write of the server fails (SQLITE_BUSY).
    const locker = new Database(join(dataDir, DB_FILE));
    locker.exec('BEGIN IMMEDIATE');
    let id = '';
    try {
      const failed = waitFor(alice, 'messagefailed');
      id = alice.send('bob', 'while the disk is stuck');
      const [message, error] = await failed;
      assert.equal(message.id, id);
      assert.equal(error.detail.errorCode, ERROR_CODE.STORE_UNAVAILABLE);
      const raw = await Raw.registered(server, 'carol');
      raw.send(text('carol', 'bob', 'raw'));
      const refusal = await raw.next(isError(ERROR_CODE.STORE_UNAVAILABLE));
      assert.equal(typeof refusal.jsongle.description.mid, 'string');
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    // The store works again: a retry with the same id, then a new message, both reach bob once.
    const got: string[] = [];
    bob.on('messagereceived', (j) => got.push(j.description.content));
    assert.throws(() => alice.retry('no-such-message'), { code: 'invalid-argument' });
    alice.retry(id);
    alice.send('bob', 'after');
    await until(() => got.length >= 2, 3000, 'bob got the retried and the new message');
    assert.deepEqual(got, ['while the disk is stuck', 'after']);
    assert.deepEqual(alice.pendingMessages, []);
    assert.equal(await fetch(`${server.url}/healthz`).then((r) => r.status), 200);
  });
});
