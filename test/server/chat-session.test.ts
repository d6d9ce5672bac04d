// The DOM-free chat session (src/chat/session.ts) driven in Node against the real server: rooms
// and author naming, receipts, failed messages and retry, history pages, who is typing.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatSession, type ChatSessionEvents, type ChatTarget } from '../../src/chat/session.ts';
import type { JSONgle } from '../../src/client.ts';
import { cleanup, connectClient, startServer, until } from './helpers.ts';

afterEach(cleanup);

/** A session on `client` showing `target`, with what it reported. */
function session(client: JSONgle, target: ChatTarget) {
  const seen = { messages: [] as string[], failed: [] as string[], errors: [] as string[], members: 0, composing: [] as string[] };
  const on: ChatSessionEvents = {
    // What the element would render at each change: the authors composing.
    change: () => { seen.composing.push(s.composing.join()); },
    message: (m) => seen.messages.push(`${m.from}: ${m.text}`),
    data: () => {},
    members: () => { seen.members++; },
    failed: (m, e) => seen.failed.push(`${m.text}: ${e.detail.errorCode}`),
    error: (e) => seen.errors.push(e.message),
    ready: () => {},
  };
  const s = new ChatSession(on);
  s.setTarget(target);
  s.setClient(client);
  return { s, seen };
}

test('a multi-user room: joins when registered, names authors from rid/uid, read receipts reach the author', async () => {
  const server = await startServer();
  const alice = await connectClient(server, 'alice', 'Alice');
  const bob = await connectClient(server, 'bob', 'Bob');
  const a = session(alice, { to: 'team', kind: 'muc' });
  await until(() => a.s.joined, 2000, 'alice joined');
  const b = session(bob, { to: 'team', kind: 'muc' });
  await until(() => b.s.joined && a.s.conversation.members.includes('bob'), 2000, 'bob joined, alice sees him');
  assert.equal(b.s.conversation.nameOf('alice'), 'Alice');
  assert.equal(a.s.author('team/bob'), 'bob');
  assert.equal(a.s.author('other/bob'), null);

  const id = a.s.send('hello team');
  await until(() => b.seen.messages.length === 1, 2000, 'bob got it');
  assert.deepEqual(b.seen.messages, ['alice: hello team']);
  assert.equal(b.s.markRead(id), true);
  assert.equal(b.s.markRead(id), false, 'once');
  await until(() => a.s.conversation.message(id)?.state === 'read', 2000, 'read at alice');
  assert.deepEqual([...a.seen.errors, ...b.seen.errors], []);
});

test('a message nobody can receive fails; retry() once someone is back delivers it; history pages go back', async () => {
  const server = await startServer();
  const alice = await connectClient(server, 'alice', 'Alice');
  const a = session(alice, { to: 'pair', kind: 'room' });
  await until(() => a.s.joined, 2000, 'alice in the room');
  const id = a.s.send('anyone?');
  await until(() => a.seen.failed.length === 1, 3000, 'failed');
  assert.deepEqual(a.seen.failed, ['anyone?: 404003']);
  assert.equal(a.s.conversation.message(id)?.state, 'failed');

  const bob = await connectClient(server, 'bob', 'Bob');
  const b = session(bob, { to: 'pair', kind: 'room' });
  await until(() => b.s.joined, 2000, 'bob in the room');
  assert.equal(a.s.retry(id), true);
  assert.equal(a.s.retry(id), false, 'not failed any more');
  await until(() => b.seen.messages.length === 1, 2000, 'bob got the retried message');
  assert.deepEqual(b.seen.messages, ['alice: anyone?']);

  for (let i = 0; i < 55; i++) a.s.send(`m${i}`);
  await until(() => alice.pendingMessages.length === 0, 5000, 'all stored');
  // A new session for bob: the last 50, then the rest on older().
  const later = session(bob, { to: 'pair', kind: 'room' });
  await until(() => later.s.conversation.messages.length === 50, 3000, 'the last page');
  assert.equal(later.s.conversation.messages[0].text, 'm5');
  assert.equal(later.s.canLoadOlder, true);
  assert.equal(await later.s.older(), 6);
  assert.deepEqual(later.s.conversation.messages.slice(0, 2).map((m) => [m.text, m.from, m.own]), [['anyone?', 'alice', false], ['m0', 'alice', false]]);
  assert.equal(await later.s.older(), 0);
  assert.equal(later.s.canLoadOlder, false);
});

test("who is typing: read from the client's one record, per conversation; ended by active, a message, the expiry, leaving", async () => {
  const server = await startServer();
  const alice = await connectClient(server, 'alice');
  const carol = await connectClient(server, 'carol');
  const bob = await connectClient(server, 'bob', 'bob', {}, { typingExpiry: 1500 });
  // Two conversations on bob's one client: each shows its own typists.
  const withAlice = session(bob, { to: 'alice', kind: 'user' });
  const withCarol = session(bob, { to: 'carol', kind: 'user' });
  const shown = (x: typeof withAlice) => x.seen.composing.at(-1);

  alice.isTyping(true, 'bob');
  await until(() => shown(withAlice) === 'alice', 2000, 'alice shown typing');
  assert.deepEqual(withCarol.s.composing, []);
  alice.isTyping(false, 'bob');
  await until(() => shown(withAlice) === '', 2000, 'active ends it');
  alice.isTyping(true, 'bob');
  carol.isTyping(true, 'bob');
  await until(() => shown(withAlice) === 'alice' && shown(withCarol) === 'carol', 2000, 'both typing');
  alice.send('bob', 'done');
  await until(() => shown(withAlice) === '' && withAlice.seen.messages.length === 1, 2000, 'her message ends it');
  // Carol said nothing more: her composing expires, and the session is told (a render follows).
  await until(() => shown(withCarol) === '', 5000, "carol's composing expired");
  assert.deepEqual(bob.typing, []);

  // A multi-user room: several typists, in the order they started; one who leaves stops.
  const a = session(alice, { to: 'team', kind: 'muc' });
  await until(() => a.s.joined, 2000, 'alice joined');
  const b = session(bob, { to: 'team', kind: 'muc' });
  const c = session(carol, { to: 'team', kind: 'muc' });
  await until(() => b.s.joined && c.s.joined && a.s.conversation.members.length === 2, 2000, 'all in the room');
  b.s.typing(true);
  await until(() => shown(a) === 'bob', 2000, 'bob typing in the room');
  c.s.typing(true);
  await until(() => shown(a) === 'bob,carol', 2000, 'bob and carol typing');
  assert.deepEqual(withAlice.s.composing, [], 'the room is another conversation');
  c.s.dispose();
  await until(() => shown(a) === 'bob', 2000, 'carol left: no longer typing');
  assert.deepEqual(alice.typing, ['team/bob']);
  assert.deepEqual([...a.seen.errors, ...b.seen.errors, ...withAlice.seen.errors], []);
});
