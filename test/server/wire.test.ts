// Relaying a frame as its text (server/wire.ts): the frame a recipient gets is the one JSON.stringify
// would have written, and a text that could carry a second `from`, `to` or stamp is serialized
// again instead.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from '../../src/protocol/parse.ts';
import { fanOut, type Context } from '../../server/context.ts';
import { stamp } from '../../server/handlers/relay.ts';
import { spliceable } from '../../server/wire.ts';
import { cleanup, Raw, startServer, transportInfo } from './helpers.ts';

afterEach(cleanup);

const ctx = { stats: { relay() {} } } as unknown as Context;
const TI = (description: string, tail = '', action = 'session-terminate') =>
  `{"id":"m1","from":"u","to":"room-1","jsongle":{"sid":"s1","action":"${action}","reason":"","initiator":"a","responder":"b","description":${description}}${tail}}`;
const CANDIDATE = '{"candidate":"candidate:1 1 udp 1 10.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}';

/** What each recipient gets for `text`, relayed as text when it may be and serialized again: [spliced?, as text, serialized]. */
function relayBoth(text: string, from = 'room-1', uids = ['bob', 'b"ob']) {
  const decoded = decode(text, 65536, 2048, true);
  assert.ok(decoded.ok, text);
  const [m1, m2] = [decoded.message, (decode(text, 65536, 2048, true) as { message: typeof decoded.message }).message];
  const received = spliceable(text, m1);
  stamp(m1);
  stamp(m2);
  const [d1, d2] = [m1, m2].map((m) => (m.jsongle as unknown as { description: Record<string, unknown> }).description);
  if (!Array.isArray(d1)) Object.assign(d2, { relayed: d1.relayed, sent: d1.sent }); // the same millisecond
  const out = (m: typeof m1, r?: typeof received) => {
    const frames: string[] = [];
    fanOut(ctx, m, from, uids.map((uid) => ({ uid, cid: uid, send: (f: string) => frames.push(f) })) as never, r);
    return frames;
  };
  return [received !== undefined, out(m1, received), out(m2)] as const;
}

describe('a relayed message as its text', () => {
  test('the frames are exactly those of JSON.stringify, stamps included', () => {
    const texts = [TI(`{"establishing":"2026-01-01T00:00:00.000Z","candidate":${CANDIDATE}}`, '', 'transport-info'), TI('{}'), TI('{"sent":"then","a":[1,true,null,false,[],{}],"b":-999,"c":"é😀"}'), TI('{"a":1e2}')];
    for (const text of texts) {
      const [spliced, asText, serialized] = relayBoth(text);
      assert.equal(spliced, true, text);
      // The same frames; a number the sender wrote otherwise (1e2) stays as written, of the same value.
      if (text.includes('1e2')) assert.deepEqual(asText.map((f) => JSON.parse(f)), serialized.map((f) => JSON.parse(f)));
      else assert.deepEqual(asText, serialized);
      const m = JSON.parse(asText[1]);
      assert.equal(m.from, 'room-1');
      assert.equal(m.to, 'b"ob');
      assert.equal(typeof m.jsongle.description.relayed, 'string');
    }
  });

  test('serialized again when the text could hide a second from, to or stamp, or is not in its compact form', () => {
    const texts = [
      TI('{}', ',"from":"u"'), // a second from, of the same value
      TI('{}').replace(',"jsongle":', ',"jsongle":{},"from":"u","jsongle":'), // the same, before a second jsongle
      TI('{}', ',"to":"room-1"'),
      TI('{}').replace('"to":"room-1"', '"to":"room-1","to":"room-1"'),
      TI('{}').replace('"reason":""', '"reason":"","description":{}'), // description given twice
      TI('{"relayed":"2020-01-01T00:00:00.000Z"}'), // the sender's own stamp
      TI('{"sent":null}'),
      TI('{"a":1,"a":1}'),
      TI('{"a":"x\\u0041"}'), // an escape
      TI('{ }'), // whitespace
      TI('{"a":1.5}'),
      TI('{"a":1000}'),
      TI('{}', ',"extra":1'), // a key after jsongle
      TI('{}').replace('"sid":"s1",', '"sid":"s1","1":0,'), // an index key: V8 lists it first
      TI('{}').replace('"description":{}', '"description":{},"x":0'), // description not last
      TI('{}').replace('"from":"u",', ''), // no from: the server's ''
      `{"from":"u","id":"m1","to":"room-1","jsongle":{"sid":"s1","action":"session-terminate","reason":"","initiator":"a","responder":"b","description":{}}}`,
    ];
    for (const text of texts) {
      const [spliced, asText, serialized] = relayBoth(text);
      assert.equal(spliced, false, text);
      assert.deepEqual(asText, serialized);
      for (const frame of asText) assert.equal(JSON.parse(frame).from, 'room-1');
    }
  });

  test('through the server: the recipient reads the server\'s from and to, whatever the sender wrote twice', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([Raw.registered(server, 'alice'), Raw.registered(server, 'bob')]);
    for (const raw of [alice, bob]) assert.equal((await raw.request('session-join', { rid: 'room-1' })).jsongle.action, 'iq-result');
    const texts: string[] = [];
    bob.ws.on('message', (data) => texts.push(String(data)));
    const plain = JSON.stringify(transportInfo('alice', 'room-1'));
    alice.send(plain);
    alice.send(plain.replace('"from":"alice"', '"from":"mallory"').slice(0, -1) + ',"from":"mallory","to":"room-1"}');
    for (const id of [JSON.parse(plain).id]) {
      const got = await bob.next((m) => m.id === id && m.jsongle.action === 'transport-info');
      assert.equal(got.from, 'room-1');
      assert.equal(got.to, 'bob');
      assert.equal(typeof got.jsongle.description.relayed, 'string');
      const again = await bob.next((m) => m.id === id && m.jsongle.action === 'transport-info');
      assert.equal(again.from, 'room-1');
      assert.equal(again.to, 'bob');
    }
    const relayed = texts.filter((t) => t.includes('transport-info'));
    assert.equal(relayed.length, 2);
    assert.equal(relayed[0], JSON.stringify(JSON.parse(relayed[0])), 'as JSON.stringify writes it');
    assert.ok(!relayed.some((t) => t.includes('mallory')));
  });
});
