// Call signaling. A propose is addressed like any message (see ../address.ts) and may reach several
// connections: every device of a user, or every member of a room. From then on the server routes the
// call by its `sid`: the first device to proceed (or decline) wins, the others get a retract with
// reason `answered-elsewhere`, and the rest of the call goes between the caller's connection and the
// winner's only. Call messages outside a known call (e.g. after a reconnection) are addressed by `to`.
import { callMessage, type CallRef } from '../../src/protocol/build.ts';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { ACTION, INFO, type CallBody, type JsongleMessage } from '../../src/protocol/messages.ts';
import { fromFor, resolve } from '../address.ts';
import { deliver, fanOut, fromServer, isoNow, refuse, type Client, type Context } from '../context.ts';
import type { CallRecord, Peer } from '../registry.ts';
import { missedCall } from './missed.ts';
import { stamp } from './relay.ts';
import { asReceived } from '../wire.ts';

export const ANSWERED_ELSEWHERE = 'answered-elsewhere';
/** The reason of the terminate a party gets when the other's connection closed and did not come back. */
export const GONE = 'gone';
/** The reason of the retract of the call that lost a glare (both called each other). */
const GLARE = 'glare';
/** The reason of the retract ringing devices get when the server ends an unanswered call. */
export const TIMEOUT = 'timeout';
/** `session-info` reasons only the server may send. */
const SERVER_INFO = new Set<string>([INFO.TRYING, INFO.UNREACHABLE]);
const ENDING = new Set<string>([ACTION.RETRACT, ACTION.DECLINE, ACTION.TERMINATE]);

const ref = (j: { sid: string; initiator: string; responder: string }): CallRef => ({ id: j.sid, caller: j.initiator, callee: j.responder });

/** Tells the sender of a call message that nobody can receive it. */
function unreachable(ctx: Context, client: Client, j: CallBody) {
  ctx.stats.error('unreachable');
  fromServer(ctx, client, callMessage(ctx.sn, client.address, ref(j), ACTION.INFO, { ended: isoNow() }, INFO.UNREACHABLE).jsongle);
}

/**
 * Stamps and relays call message `m` of `client`: as the sender's text when it may be (wire.ts),
 * except a propose, whose initiator routeCall may have rewritten.
 */
function send(ctx: Context, client: Client, m: JsongleMessage<CallBody>, from: string, peers: Iterable<Peer>) {
  const received = m.jsongle.action !== ACTION.PROPOSE ? asReceived(client, m) : undefined;
  stamp(m);
  fanOut(ctx, m, from, peers, received);
}

export function routeCall(ctx: Context, client: Client, m: JsongleMessage<CallBody>) {
  const j = m.jsongle;
  if (j.action === ACTION.INFO && SERVER_INFO.has(j.reason)) {
    return refuse(ctx, client, m, ERROR_CODE.ACTION_NOT_ALLOWED, `session-info '${j.reason}' is sent by the server only`);
  }
  const record = ctx.registry.call(j.sid);
  if (record) return inCall(ctx, client, m, record);
  // The caller is the sender: a propose may not name someone else (a verified uid) as its initiator.
  if (j.action === ACTION.PROPOSE) j.initiator = client.uid;
  const route = resolve(ctx, client, m.to);
  if ('error' in route) return route.error === ERROR_CODE.NO_OTHER_MEMBER ? unreachable(ctx, client, j) : refuse(ctx, client, m, route.error, route.details);
  if (route.peers.length === 0) {
    if (j.action === ACTION.PROPOSE && route.kind === 'user') {
      missedCall(ctx, { sid: j.sid, initiator: j.initiator, responder: j.responder, caller: client.uid, callee: m.to, media: j.description?.media, reason: INFO.UNREACHABLE });
    }
    return unreachable(ctx, client, j);
  }
  send(ctx, client, m, fromFor(route, client), route.peers);
  if (j.action !== ACTION.PROPOSE) return;
  const opened: CallRecord = {
    sid: j.sid, initiator: j.initiator, responder: j.responder, caller: client,
    via: { kind: route.kind, rid: route.rid }, targets: new Set(route.peers), rang: false,
  };
  ctx.registry.openCall(opened);
  ringTimer(ctx, opened);
  fromServer(ctx, client, callMessage(ctx.sn, client.address, ref(j), ACTION.INFO, { tried: isoNow() }, INFO.TRYING).jsongle);
}

function inCall(ctx: Context, client: Client, m: JsongleMessage<CallBody>, r: CallRecord) {
  const j = m.jsongle;
  if (client === r.caller) {
    if (j.action === ACTION.PROPOSE) return refuse(ctx, client, m, ERROR_CODE.BAD_PARAMETERS, `Call ${j.sid} was already proposed`);
    send(ctx, client, m, fromFor(r.via, client), r.answered ? [r.answered] : r.targets);
    if (ENDING.has(j.action)) {
      // The call that lost a glare was never missed: the other one is the call.
      if (!r.answered && j.reason !== GLARE) missed(ctx, r, j.action);
      endCall(ctx, r);
    }
    return;
  }
  if (!r.targets.has(client)) {
    // Another device of the one who answered (it lost the race): its late messages are dropped.
    if (r.answered && client.uid === r.answered.uid && j.action !== ACTION.PROPOSE) return ctx.log.log('debug', () => `dropped ${j.action} of ${client.cid}: call ${r.sid} answered elsewhere`);
    // Anyone else knowing the sid: it must not end the call nor slip in an answer.
    return refuse(ctx, client, m, ERROR_CODE.NOT_CALL_PARTY, `Not a party to call ${j.sid.slice(0, 64)}`);
  }
  if (!r.answered) {
    if (j.action === ACTION.INFO && j.reason === INFO.RINGING) {
      if (r.rang) return; // the caller hears ringing once, however many devices ring
      r.rang = true;
    } else if (j.action === ACTION.DECLINE && j.reason === 'busy' && r.targets.size > 1) {
      // A device busy with another call drops out; the others keep ringing.
      return ctx.registry.untarget(r.sid, client);
    } else if (j.action === ACTION.PROCEED || j.action === ACTION.DECLINE) {
      answer(ctx, r, client);
    }
  }
  send(ctx, client, m, fromFor(r.via, client), [r.caller]);
  if (ENDING.has(j.action)) endCall(ctx, r);
}

const ringTimers = new WeakMap<CallRecord, ReturnType<typeof setTimeout>>();

/** Ends a call nobody answers within `ringTimeout`, so that no record lives forever. */
function ringTimer(ctx: Context, r: CallRecord) {
  const timer = setTimeout(() => {
    if (ctx.registry.call(r.sid) !== r || r.answered) return;
    missed(ctx, r, TIMEOUT);
    endCall(ctx, r);
    const from = fromFor(r.via, r.caller);
    for (const peer of r.targets) deliver(ctx, peer, callMessage(from, peer.uid, ref(r), ACTION.RETRACT, { ended: isoNow() }, TIMEOUT));
    unreachable(ctx, r.caller as Client, r as unknown as CallBody);
  }, ctx.config.ringTimeout);
  timer.unref();
  ringTimers.set(r, timer);
}

function endCall(ctx: Context, r: CallRecord) {
  clearTimeout(ringTimers.get(r));
  ctx.registry.endCall(r.sid);
}

/** A call to a user ended before anyone answered: the callee has missed it. */
function missed(ctx: Context, r: CallRecord, reason: string) {
  if (r.via.kind !== 'user') return;
  const callee = [...r.targets][0]?.uid ?? r.responder;
  missedCall(ctx, { sid: r.sid, initiator: r.initiator, responder: r.responder, caller: r.caller.uid, callee, reason });
}

/** `winner` proceeded or declined first: the other ringing connections are told to stop. */
function answer(ctx: Context, r: CallRecord, winner: Client) {
  r.answered = winner;
  clearTimeout(ringTimers.get(r));
  const from = fromFor(r.via, r.caller);
  for (const peer of [...r.targets]) {
    if (peer === winner) continue;
    ctx.registry.untarget(r.sid, peer);
    const retract = callMessage(from, peer.uid, { id: r.sid, caller: r.initiator, callee: r.responder }, ACTION.RETRACT, { ended: isoNow() }, ANSWERED_ELSEWHERE);
    deliver(ctx, peer, retract);
  }
}

/**
 * A connection closed: it stops ringing at once; when the last ringing device of an unanswered
 * call goes, the caller hears `unreachable`. The calls it placed or answered wait for it to resume
 * (see ../resume.ts) until leftCalls().
 */
export function dropCalls(ctx: Context, client: Client) {
  for (const sid of ctx.registry.callsOf(client)) {
    const r = ctx.registry.call(sid);
    if (!r || client === r.caller || client === r.answered) continue;
    ctx.registry.untarget(sid, client);
    if (!r.answered && r.targets.size === 0) {
      missed(ctx, r, INFO.UNREACHABLE);
      endCall(ctx, r);
      unreachable(ctx, r.caller as Client, r as unknown as CallBody);
    }
  }
}

/** The connection is gone for good: the other party of each of its calls `sids` gets `session-terminate` `gone`. */
export function leftCalls(ctx: Context, client: Client, sids: readonly string[]) {
  for (const sid of sids) {
    const r = ctx.registry.call(sid);
    if (!r) continue;
    if (client !== r.caller && client !== r.answered) {
      ctx.registry.untarget(sid, client);
      continue;
    }
    if (!r.answered) missed(ctx, r, GONE);
    endCall(ctx, r);
    const others = client === r.caller ? (r.answered ? [r.answered] : [...r.targets]) : [r.caller];
    const from = fromFor(r.via, client);
    for (const peer of others) deliver(ctx, peer, callMessage(from, peer.uid, ref(r), ACTION.TERMINATE, { ended: isoNow() }, GONE));
  }
}
