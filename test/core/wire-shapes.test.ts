// What the client sends has exactly the shapes of the spec (messages.md, and PROTOCOL-NOTES.md
// where the notes name more fields): the same keys, `reason` "" outside session-info, ISO timestamps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsongleMessage } from '../../src/protocol/messages.ts';
import { ANSWER, CANDIDATE, OFFER, connect, fixture, hub, once, pair, until } from './helpers.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const keys = (o: object) => Object.keys(o).sort();

/** Records every frame the client puts on its transport. */
function tap(client: any): JsongleMessage<any>[] {
  const out: JsongleMessage<any>[] = [];
  const transport = client.transport;
  const send = transport.send.bind(transport);
  transport.send = (m: JsongleMessage<any>) => {
    out.push(JSON.parse(JSON.stringify(m)));
    send(m);
  };
  return out;
}

const kind = (m: JsongleMessage<any>) =>
  m.jsongle.action === 'session-info' ? `session-info/${m.jsongle.reason}` : m.jsongle.action === 'session-event' ? `session-event/${m.jsongle.event}` : m.jsongle.action;

/**
 * The description keys PROTOCOL-NOTES.md names for each message the client sends, plus `features`
 * on propose and proceed (issue 14: the original JSONgle ignores unknown fields).
 */
const DESCRIPTION: Record<string, string[]> = {
  'session-propose': ['features', 'initiated', 'media'],
  'session-info/ringing': ['rang'],
  'session-info/active': ['actived'],
  'session-info/mute': ['media', 'muted'],
  'session-info/unmute': ['media', 'unmuted'],
  'session-proceed': ['features', 'proceeded'],
  'session-decline': ['ended'],
  'session-retract': ['ended'],
  'session-terminate': ['ended'],
  'session-initiate': ['offer', 'offering'],
  'session-accept': ['answer', 'offered'],
  'transport-info': ['candidate', 'establishing'],
  'session-text': ['additionalContent', 'content', 'sent'],
  'session-custom': ['content', 'sent'],
  'session-event/ack': ['acknowledged', 'mid', 'type'],
  'session-event/typing': ['state', 'updated'],
  'session-event/reaction': ['mid', 'reacted', 'type'],
  'session-metrics': ['issuedAt', 'mos', 'route'],
  'iq-set': ['rid'],
  'iq-result': ['ok'],
};
/** The `jsongle` keys of each family (PROTOCOL-NOTES.md "Envelope"; messages.md's examples agree, but for
 * session-custom whose example lacks the `namespace` the notes name). */
const CALL = ['action', 'description', 'initiator', 'reason', 'responder', 'sid'];
const JSONGLE = (k: string) =>
  k.startsWith('session-event') ? ['action', 'description', 'event', 'namespace']
  : k === 'session-text' || k === 'session-custom' ? ['action', 'description', 'namespace']
  : k.startsWith('iq-') ? ['action', 'description', 'query', 'transaction']
  : k === 'session-metrics' ? ['action', 'description', 'namespace', 'sid']
  : CALL;

test('every kind of message the client sends has the spec shape', async () => {
  const { alice, bob, carol } = hub('alice', 'bob', 'carol');
  const sentA = tap(alice);
  const sentB = tap(bob);
  // A call with every step, mute/unmute, then terminate; a declined one; a retracted one.
  await connect(alice, bob, 'bob', 'video');
  const unmuted = once(bob, 'callunmuted');
  alice.mute();
  alice.unmute();
  await unmuted;
  let ended = once(bob, 'callended');
  alice.end();
  await ended;
  let incoming = once(bob, 'call');
  alice.call('bob');
  await incoming;
  ended = once(alice, 'callended');
  bob.decline();
  await ended;
  incoming = once(bob, 'call');
  alice.call('bob');
  await incoming;
  ended = once(bob, 'callended');
  alice.end();
  await ended;
  // Messaging: text, custom, acks (received automatic + read), typing, reaction, request/answer, metrics.
  const got = once(bob, 'messagereceived');
  const mid = alice.send('bob', 'hello', { a: 1 });
  await got;
  alice.sendJSON('bob', { presence: 'away' });
  bob.sendAReadAcknowledgement(mid, 'alice');
  alice.isTyping(true, 'bob');
  bob.reactToMessage(mid, '🎉', 'alice');
  bob.onrequest = (req, from) => bob.answer(from, req.query, { ok: true }, req.transaction);
  await alice.request('bob', 'session-join', { rid: 'r1' });
  alice.reportMetrics('sid-1', { mos: 4.1, route: 'host' }, 'carol');
  await until(() => new Set([...sentA, ...sentB].map(kind)).size >= Object.keys(DESCRIPTION).length, 2000, 'every kind of message sent');
  void carol;

  const all = [...sentA, ...sentB];
  const seen = new Set(all.map(kind));
  assert.deepEqual([...seen].sort(), Object.keys(DESCRIPTION).sort());
  for (const m of all) {
    const k = kind(m);
    assert.deepEqual(keys(m), ['from', 'id', 'jsongle', 'to'], k);
    assert.match(m.id, UUID, `${k} id`);
    assert.deepEqual(keys(m.jsongle), JSONGLE(k), `${k}: jsongle keys`);
    assert.deepEqual(keys(m.jsongle.description ?? {}), DESCRIPTION[k].filter((f) => k !== 'session-text' || f !== 'additionalContent' || 'additionalContent' in m.jsongle.description), `${k}: description keys`);
    if ('reason' in m.jsongle && !k.startsWith('session-info')) assert.equal(m.jsongle.reason, '', `${k}: reason ""`);
    for (const [field, value] of Object.entries(m.jsongle.description ?? {})) {
      if (['initiated', 'rang', 'actived', 'muted', 'unmuted', 'proceeded', 'ended', 'offering', 'offered', 'establishing', 'sent', 'acknowledged', 'updated', 'reacted', 'issuedAt'].includes(field)) {
        assert.match(value as string, ISO, `${k}.${field}`);
      }
    }
  }
  // The call messages' keys are those of messages.md's own examples.
  assert.deepEqual(CALL, keys(fixture('session-propose').jsongle));
  const offer = all.find((m) => m.jsongle.action === 'session-initiate')!;
  assert.deepEqual(offer.jsongle.description.offer, OFFER);
  assert.deepEqual(all.find((m) => m.jsongle.action === 'session-accept')!.jsongle.description.answer, ANSWER);
  assert.deepEqual(all.find((m) => m.jsongle.action === 'transport-info')!.jsongle.description.candidate, CANDIDATE(1));
});

test('messages from a compatible peer with extra fields at every level are accepted', async () => {
  const { alice, bob, tb } = pair();
  const errors: unknown[] = [];
  bob.on('error', (e) => errors.push(e));
  const got = once(bob, 'messagereceived');
  const m = fixture('session-text');
  Object.assign(m, { to: 'bob', priority: 'high', meta: { trace: 'x' } });
  Object.assign(m.jsongle, { version: 2 });
  Object.assign(m.jsongle.description, { edited: false, mentions: ['bob'] });
  (tb as any).inject(JSON.stringify(m));
  const [content] = await got;
  assert.equal(content.description.content, 'the text message');
  assert.equal((content as any).version, 2);
  const incoming = once(bob, 'call');
  const propose = fixture('session-propose');
  Object.assign(propose, { to: 'bob', extra: 1 });
  Object.assign(propose.jsongle.description, { initiator_name: 'Alice', video_quality: 'hd' });
  (tb as any).inject(JSON.stringify(propose));
  const [call] = await incoming;
  assert.equal(call.state, 'ringing');
  assert.deepEqual(errors, []);
  void alice;
});
