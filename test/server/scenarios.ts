// Scenarios shared by the single-node and the cluster suites: a whole call's signaling (fake SDP)
// and a chat exchange, asserted step by step.
import assert from 'node:assert/strict';
import type { JSONgle } from '../../src/client.ts';
import { waitEvent, waitFor } from './helpers.ts';

export const OFFER = { type: 'offer' as const, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
export const ANSWER = { type: 'answer' as const, sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
export const CANDIDATE = (n: number) => ({ candidate: `candidate:${n} 1 udp 2122260223 10.0.0.${n} 5000${n} typ host`, sdpMid: '0', sdpMLineIndex: 0 });

/** The states a client's call goes through, in order (a repeated state, with a new reason, once). */
export function states(client: JSONgle) {
  const seen: string[] = [];
  client.on('callstatechanged', (_call, change) => seen.at(-1) !== change.state && seen.push(change.state));
  return seen;
}

/** A whole call's signaling from `caller` to `callee` (addressed `to`), ended by the caller. */
export async function wholeCall(caller: JSONgle, callee: JSONgle, to: string) {
  const callerStates = states(caller);
  const calleeStates = states(callee);
  const incoming = waitFor(callee, 'call');
  const ringing = waitFor(caller, 'callstatechanged', (_c, ch) => ch.state === 'ringing');
  const call = caller.call(to, 'video');
  const [calleeCall] = await incoming;
  await ringing;
  assert.equal(calleeCall.id, call.id);
  assert.equal(calleeCall.state, 'ringing');

  const needed = waitFor(caller, 'offerneeded');
  callee.proceed();
  await needed;
  const offered = waitFor(callee, 'offerreceived');
  caller.sendOffer(OFFER);
  assert.deepEqual((await offered)[0], OFFER);
  const answered = waitFor(caller, 'offerreceived');
  callee.sendOffer(ANSWER);
  assert.deepEqual((await answered)[0], ANSWER);

  const toCallee = waitFor(callee, 'candidatereceived');
  const toCaller = waitFor(caller, 'candidatereceived');
  caller.sendCandidate(CANDIDATE(1));
  callee.sendCandidate(CANDIDATE(2));
  assert.equal((await toCallee)[0].candidate, CANDIDATE(1).candidate);
  assert.equal((await toCaller)[0].candidate, CANDIDATE(2).candidate);

  const bothA = waitFor(caller, 'callstatechanged', (_c, ch) => ch.reason === 'is-active-both-side');
  const bothB = waitFor(callee, 'callstatechanged', (_c, ch) => ch.reason === 'is-active-both-side');
  caller.setAsActive();
  callee.setAsActive();
  await Promise.all([bothA, bothB]);

  const ended = waitFor(callee, 'callended');
  caller.end();
  assert.equal((await ended)[0], false, 'ended remotely for the callee');
  assert.deepEqual(callerStates, ['trying', 'ringing', 'proceeded', 'offering', 'active', 'ended']);
  assert.deepEqual(calleeStates, ['ringing', 'proceeded', 'offering', 'active', 'ended']);
  assert.equal(call.reason, 'terminated');
}

/** A chat exchange: text with server-received and received acks, a read receipt, typing, custom data. */
export async function chat(a: JSONgle, b: JSONgle, toB: string, expectedFrom: string) {
  const serverAck = waitEvent(a, 'ack', (d) => d.type === 'server-received');
  const receivedAck = waitEvent(a, 'ack', (d) => d.type === 'received');
  const got = waitFor(b, 'messagereceived');
  const id = a.send(toB, 'hello Bob', { lang: 'en' });
  const [content, from, mid] = await got;
  assert.equal(content.description.content, 'hello Bob');
  assert.deepEqual(content.description.additionalContent, { lang: 'en' });
  assert.equal(typeof content.description.relayed, 'string', 'the server stamps relayed messages');
  assert.equal(from, expectedFrom);
  assert.equal(mid, id);
  assert.equal((await serverAck).description.mid, id);
  assert.equal((await receivedAck).description.mid, id);

  const read = waitEvent(a, 'ack', (d) => d.type === 'read');
  b.sendAReadAcknowledgement(mid, from);
  assert.equal((await read).description.mid, id);

  const typing = waitEvent(a, 'typing');
  b.isTyping(true, from);
  await typing;
  assert.equal(a.typing.length, 1);

  const data = waitFor(a, 'datareceived');
  b.sendJSON(from, { score: [1, 2] });
  assert.deepEqual((await data)[0].description.content, { score: [1, 2] });
}
