// Hostile or broken input: every frame becomes an `error` event with a code, never a throw, and the
// client keeps working (a whole call succeeds right after). Bad arguments throw, naming the argument.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSONgle } from '../../src/client.ts';
import { createMemoryPair } from '../../src/transport/memory.ts';
import { connect, fixture, once, pair, record, tick, until } from './helpers.ts';

const hello = () => fixture('session-text');
const withJsongle = (patch: Record<string, unknown>) => ({ ...hello(), jsongle: { ...hello().jsongle, ...patch } });
const callMsg = (patch: Record<string, unknown>, description: Record<string, unknown> = { initiated: '2020-01-01T00:00:00.000Z', media: 'audio' }) => {
  const m = fixture('session-propose');
  m.to = 'bob';
  Object.assign(m.jsongle, patch);
  m.jsongle.description = description;
  return m;
};

const CASES: [string, unknown, string][] = [
  ['a number', 42, 'not-an-object'],
  ['null', null, 'not-an-object'],
  ['an array', [1, 2], 'not-an-object'],
  ['a JSON array string', '[1,2]', 'not-an-object'],
  ['a binary ArrayBuffer', new ArrayBuffer(8), 'not-an-object'],
  ['a binary Uint8Array', new Uint8Array([123, 125]), 'not-an-object'],
  ['text that is not JSON', '{"id": "1", "jsongle": ', 'invalid-json'],
  ['no jsongle', { id: '1', from: 'a', to: 'bob' }, 'not-jsongle'],
  ['jsongle not an object', { id: '1', from: 'a', to: 'bob', jsongle: 'session-text' }, 'not-jsongle'],
  ['an unknown action', withJsongle({ action: 'session-teleport' }), 'unknown-action'],
  ['a missing action', withJsongle({ action: undefined }), 'unknown-action'],
  ['from not a string', { ...hello(), from: 7 }, 'invalid-field'],
  ['text content a number', withJsongle({ description: { sent: 'x', content: 5 } }), 'invalid-field'],
  ['call sid a number', callMsg({ sid: 12 }), 'invalid-field'],
  ['propose with an unknown media', callMsg({}, { media: 'hologram' }), 'invalid-field'],
  ['initiate whose sdp is not a string', callMsg({ action: 'session-initiate' }, { offer: { type: 'offer', sdp: 1 } }), 'invalid-field'],
  ['transport-info without candidate', callMsg({ action: 'transport-info' }, { establishing: 'x' }), 'invalid-field'],
  ['session-info with an unknown reason', callMsg({ action: 'session-info', reason: 'exploded' }, {}), 'invalid-field'],
  ['ack with an unknown status', { id: '1', from: 's', to: 'bob', jsongle: { action: 'ack', status: 'maybe', transaction: 't' } }, 'invalid-field'],
  ['session-error without errorCode', { id: '1', from: 's', to: 'bob', jsongle: { action: 'session-error', description: {} } }, 'invalid-field'],
  ['a __proto__ key (JSON text)', '{"id":"1","from":"a","to":"bob","jsongle":{"action":"session-text","namespace":"message","description":{"content":"x","__proto__":{"polluted":true}}}}', 'forbidden-key'],
  ['a constructor key', withJsongle({ description: { content: 'x', additionalContent: { constructor: { prototype: {} } } } }), 'forbidden-key'],
  ['a 1 MB string frame', 'x'.repeat(1024 * 1024), 'message-too-large'],
  ['a 1 MB string inside an object', withJsongle({ description: { sent: 'x', content: 'y'.repeat(1024 * 1024) } }), 'message-too-large'],
  ['nesting 100 levels deep', withJsongle({ description: { content: 'x', additionalContent: JSON.parse('['.repeat(100) + ']'.repeat(100)) } }), 'invalid-field'],
  ['a call message for an unknown sid', callMsg({ action: 'session-terminate', sid: 'no-such-call' }, { ended: 'x' }), 'unknown-call'],
];

test('each bad frame becomes an error event with its code, and a whole call still succeeds afterwards', async () => {
  const { alice, bob, tb } = pair();
  const errors = record(bob, ['error']);
  const others = record(bob, ['call', 'messagereceived', 'datareceived', 'event', 'request']);
  for (const [what, frame, code] of CASES) {
    errors.length = 0;
    (tb as any).inject(frame);
    await until(() => errors.length > 0, 2000, `${what}: an error event`);
    await tick(2);
    assert.equal(errors.length, 1, `${what}: one error event`);
    const [, error] = errors[0];
    assert.equal(error.code, code, `${what}: code`);
    assert.equal(error.name, 'JsongleError');
    assert.ok(error.message.length > 5 && error.message.length < 300, `${what}: a short clear message (${error.message})`);
  }
  assert.equal(others.length, 0, 'nothing else was emitted');
  assert.equal(({} as any).polluted, undefined, 'no prototype was polluted');
  const { calleeCall } = await connect(alice, bob, 'bob', 'video');
  assert.equal(calleeCall.state, 'active');
});

test('out-of-state call messages are refused with unexpected-state and change nothing', async () => {
  const { alice, bob, ta } = pair();
  const incoming = once(bob, 'call');
  const call = alice.call('bob', 'video');
  const [calleeCall] = await incoming;
  await until(() => call.state === 'ringing', 2000, "alice hearing bob's ringing");
  const errors = record(alice, ['error']);
  const bErrors = record(bob, ['error']);
  const states = record(alice, ['callstatechanged']);
  const msg = (action: string, description: Record<string, unknown>, reason = '') =>
    ({ id: `m-${action}`, from: 'bob', to: 'alice', jsongle: { sid: call.id, action, reason, initiator: 'alice', responder: 'bob', description } });
  // The caller is ringing: an answer, a candidate, an active or a retract from the callee make no sense yet.
  for (const m of [
    msg('session-accept', { answer: { type: 'answer', sdp: 'v=0' } }),
    msg('transport-info', { candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 } }),
    msg('session-info', { actived: 'x' }, 'active'),
    msg('session-retract', { ended: 'x' }), // only a caller retracts
    msg('session-info', { tried: 'x' }, 'trying'), // trying after ringing
  ]) (ta as any).inject(JSON.stringify(m));
  // The callee is ringing: a proceed or an answer from the caller are refused too.
  const bobTransport = (bob as any).transport;
  bobTransport.inject(JSON.stringify({ ...msg('session-proceed', { proceeded: 'x' }), from: 'alice', to: 'bob' }));
  bobTransport.inject(JSON.stringify({ ...msg('session-propose', { media: 'audio' }), from: 'alice', to: 'bob' })); // duplicate propose
  await until(() => errors.length >= 5 && bErrors.length >= 2, 2000, 'the refusals of alice (5) and bob (2)');
  await tick(20);
  assert.deepEqual(errors.map(([, e]) => e.code), Array(5).fill('unexpected-state'));
  assert.match(errors[0][1].message, /session-accept.*'ringing'/);
  assert.deepEqual(bErrors.map(([, e]) => e.code), ['unexpected-state', 'unexpected-state']);
  assert.equal(states.length, 0);
  assert.equal(call.state, 'ringing');
  assert.equal(calleeCall.state, 'ringing');
});

test('an application handler that throws does not break the receive path', async () => {
  const { alice, bob } = pair();
  bob.logLevel = 'none';
  let calls = 0;
  bob.on('messagereceived', () => {
    calls++;
    throw new Error('application bug');
  });
  alice.send('bob', 'one');
  alice.send('bob', 'two');
  await until(() => calls >= 2, 2000, 'both messages handled');
  assert.equal(calls, 2);
  const { calleeCall } = await connect(alice, bob, 'bob');
  assert.equal(calleeCall.state, 'active');
});

test('public methods called wrongly throw a JsongleError that names the argument', async () => {
  const { alice } = pair();
  const cases: [() => unknown, RegExp][] = [
    [() => new JSONgle(undefined as any), /'cfg'/],
    [() => new JSONgle({} as any), /'cfg.transport.name'/],
    [() => new JSONgle({ transport: { name: 'x', transport: { in: () => {} } } } as any), /'cfg.transport.transport'/],
    [() => new JSONgle({ transport: createMemoryPair()[0], user: { uid: '' } }), /'cfg.user.uid'/],
    [() => new JSONgle({ transport: createMemoryPair()[0], requestTimeout: -1 }), /'cfg.requestTimeout'/],
    [() => new JSONgle({ transport: createMemoryPair()[0], logLevel: 'loud' as any }), /log level 'loud'/],
    [() => alice.call(''), /'to'/],
    [() => alice.call('bob', 'hologram' as any), /'media'/],
    [() => alice.send(42 as any, 'x'), /'to'/],
    [() => alice.send('bob', 42 as any), /'content'/],
    [() => alice.sendMuc('', 'x'), /'to'/],
    [() => alice.sendJSON('bob', () => 1), /'content'/],
    [() => alice.sendAReadAcknowledgement('', 'bob'), /'id'/],
    [() => alice.reactToMessage('m', 5 as any, 'bob'), /'reaction'/],
    [() => alice.isTyping('yes' as any, 'bob'), /'state'/],
    [() => alice.isTypingMuc(true, ''), /'to'/],
    [() => alice.request('', 'q'), /'to'/],
    [() => alice.request('s', ''), /'query'/],
    [() => alice.request('s', 'q', [] as any), /'content'/],
    [() => alice.answer('s', 'q', {}, ''), /'transaction'/],
    [() => alice.sendOffer({ type: 'pranswer', sdp: 'x' } as any), /'offer.type'/],
    [() => alice.sendOffer({ type: 'offer', sdp: '' }), /'offer.sdp'/],
    [() => alice.sendCandidate({ sdpMid: '0' } as any), /'candidate'/],
    [() => alice.reportMetrics('', { mos: 1 }), /'sid'/],
    [() => { alice.logLevel = 'verbose' as any; }, /log level 'verbose'/],
  ];
  for (const [fn, message] of cases) {
    assert.throws(fn, (e: any) => {
      assert.match(e.message, message);
      assert.ok(e.code === 'invalid-argument' || e instanceof TypeError, `${e.code}`);
      return true;
    });
  }
  // A request with a transaction already pending is refused rather than silently replacing it.
  alice.request('s', 'q', {}, 'dup').catch(() => {});
  assert.throws(() => alice.request('s', 'q', {}, 'dup'), /'transaction'/);
  alice.close();
});
