// The DOM-free conversation model behind <jsongle-chat>: delivery states, read receipts once,
// reactions, members and names, call lines (who is typing is the client's: test/core/hostile.test.ts, test/server/chat-session.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Conversation, callOutcome, peerOf } from '../../src/chat/conversation.ts';
import type { Ticket } from '../../src/call/ticket.ts';

const ticket = (over: Partial<Ticket>): Ticket => ({
  sid: 'sid-1', initiator: 'alice', responder: 'bob', peer: 'bob', media: 'audio', direction: 'outgoing', state: 'ended', outcome: 'terminated',
  endedBy: 'local', endedReason: 'terminated', duration: 0, metrics: {}, restarts: 0, initiatedAt: '2024-01-01T10:00:00.000Z', endedAt: '2024-01-01T10:01:00.000Z', ...over,
});

test('own messages move forward through sending → sent → delivered → read, never back', () => {
  let changes = 0;
  const c = new Conversation({ onChange: () => changes++ });
  c.addOwn('m1', 'alice', 'hello');
  assert.equal(c.message('m1')!.state, 'sending');
  assert.equal(c.acknowledge('m1', 'received'), true);
  assert.equal(c.message('m1')!.state, 'delivered');
  // A late server-received does not move it back.
  assert.equal(c.acknowledge('m1', 'server-received'), false);
  assert.equal(c.message('m1')!.state, 'delivered');
  assert.equal(c.acknowledge('m1', 'read'), true);
  assert.equal(c.acknowledge('m1', 'received'), false);
  assert.equal(c.message('m1')!.state, 'read');
  // Unknown ids, unknown types, bad values and received messages are ignored.
  assert.equal(c.acknowledge('nope', 'read'), false);
  assert.equal(c.acknowledge('m1', 'weird'), false);
  assert.equal(c.acknowledge({}, 'read'), false);
  c.addIncoming('m2', 'bob', 'bob', { content: 'hi' });
  assert.equal(c.acknowledge('m2', 'read'), false);
  assert.equal(c.message('m2')!.state, null);
  const c2 = new Conversation();
  c2.addOwn('x', 'alice', 'via server');
  assert.equal(c2.acknowledge('x', 'server-received'), true);
  assert.equal(c2.message('x')!.state, 'sent');
  assert.ok(changes > 0);
});

test('a received message is marked read once; duplicates and bad fields are handled', () => {
  const c = new Conversation({ now: () => '2024-01-01T00:00:00.000Z' });
  const m = c.addIncoming('m1', 'bob', 'room/bob', { content: 'hi', sent: 'not a date', additionalContent: { a: 1 } })!;
  assert.equal(m.sent, '2024-01-01T00:00:00.000Z');
  assert.deepEqual(m.additionalContent, { a: 1 });
  assert.equal(m.address, 'room/bob');
  assert.equal(c.addIncoming('m1', 'bob', 'room/bob', { content: 'again' }), null);
  assert.equal(c.addIncoming('m3', 'bob', 'bob', { content: { not: 'text' } })!.text, '');
  assert.equal(c.markRead('m1'), true);
  assert.equal(c.markRead('m1'), false);
  assert.equal(c.message('m1')!.read, true);
  c.addOwn('o1', 'alice', 'mine');
  assert.equal(c.markRead('o1'), false);
  assert.deepEqual(c.messages.map((x) => x.id), ['m1', 'm3', 'o1']);
  assert.ok(Object.isFrozen(c.messages[0]));
});

test('reactions: one per user and message, replaced by another, removed by ""', () => {
  const c = new Conversation();
  c.addOwn('m1', 'alice', 'react');
  assert.equal(c.react('m1', 'bob', '👍'), true);
  assert.equal(c.react('m1', 'alice', '👍'), true);
  assert.deepEqual(c.message('m1')!.reactions, { '👍': ['bob', 'alice'] });
  assert.equal(c.react('m1', 'bob', '👍'), false);
  assert.equal(c.react('m1', 'bob', '❤️'), true);
  assert.deepEqual(c.message('m1')!.reactions, { '👍': ['alice'], '❤️': ['bob'] });
  assert.equal(c.reactionOf('m1', 'bob'), '❤️');
  assert.equal(c.react('m1', 'alice', ''), true);
  assert.deepEqual(c.message('m1')!.reactions, { '❤️': ['bob'] });
  assert.equal(c.react('unknown', 'bob', '👍'), false);
  assert.equal(c.react('m1', 'bob', 42), false);
  // A reaction named like a prototype key stays a plain key.
  assert.equal(c.react('m1', 'carol', '__proto__'), true);
  const r = c.message('m1')!.reactions;
  assert.deepEqual(Object.keys(r), ['❤️', '__proto__']);
  assert.equal(Object.getPrototypeOf(r), Object.prototype);
});

test('members and names: from the join result and from joined/left events; bad members ignored', () => {
  const c = new Conversation();
  c.setMembers([{ uid: 'bob', dn: 'Bob' }, { uid: 'carol' }, { dn: 'nobody' }, null, 'x']);
  assert.deepEqual(c.members, ['bob', 'carol']);
  assert.equal(c.nameOf('bob'), 'Bob');
  assert.equal(c.nameOf('carol'), undefined);
  assert.equal(c.memberEvent({ uid: 'dave', dn: 'Dave' }, true), true);
  assert.equal(c.memberEvent({ uid: 'carol', dn: 'Carol' }, false), true);
  assert.equal(c.memberEvent({ dn: 'no uid' }, true), false);
  assert.equal(c.memberEvent('bob', true), false);
  assert.deepEqual(c.members, ['bob', 'dave']);
  assert.equal(c.nameOf('carol'), 'Carol');
  assert.deepEqual(c.entries.map((e) => [e.kind, (e as any).uid]), [['joined', 'dave'], ['left', 'carol']]);
  assert.equal(c.learn('bob', ''), false);
  assert.equal(c.learn('bob', 42), false);
  assert.equal(c.nameOf('bob'), 'Bob');
});

test('call lines: one per call, with the outcome seen from this side', () => {
  const c = new Conversation();
  assert.equal(c.addCall(ticket({ sid: 's1' })), true);
  assert.equal(c.addCall(ticket({ sid: 's1' })), false);
  assert.equal(c.entries.length, 1);
  assert.equal(callOutcome(ticket({ activeAt: '2024-01-01T10:00:10.000Z', duration: 50 })), 'answered');
  assert.equal(callOutcome(ticket({ outcome: 'declined' })), 'declined');
  assert.equal(callOutcome(ticket({ outcome: 'declined', endedReason: 'busy' })), 'busy');
  assert.equal(callOutcome(ticket({ outcome: 'retracted', direction: 'incoming' })), 'missed');
  assert.equal(callOutcome(ticket({ outcome: 'retracted', direction: 'incoming', endedReason: 'answered-elsewhere' })), 'answered-elsewhere');
  assert.equal(callOutcome(ticket({ outcome: 'retracted' })), 'cancelled');
  assert.equal(callOutcome(ticket({ outcome: 'unreachable' })), 'unreachable');
  assert.equal(peerOf(ticket({})), 'bob');
  // A caller whose initiator stays the server's provisional id: the other party is the peer, never that id.
  assert.equal(peerOf(ticket({ direction: 'incoming', peer: 'alice', initiator: '7d7c3e0e-3b7a-4c8e-9a51-0b1f8f3c2d10' })), 'alice');
  assert.equal(callOutcome(ticket({ outcome: 'retracted', endedReason: 'timeout' })), 'no-answer');
  assert.equal(callOutcome(ticket({ outcome: 'retracted', direction: 'incoming', endedReason: 'timeout' })), 'missed');
  assert.equal(callOutcome(ticket({ outcome: 'declined', endedReason: 'media-error' })), 'media-error');
  assert.equal(callOutcome(ticket({ outcome: 'terminated', endedReason: 'gone', activeAt: '2024-01-01T10:00:10.000Z' })), 'answered');
  // The retracted half of a glare is no call line: the surviving call is.
  assert.equal(c.addCall(ticket({ sid: 's2', outcome: 'retracted', endedReason: 'glare' })), false);
});
