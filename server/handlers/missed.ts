// Missed calls: a call proposed to a user that ended without an answer (retracted, unreachable,
// every ringing device gone) is stored as a `missed-call` event for the callee and delivered like a
// message, so "missed call from Alice" shows after the callee comes back. Calls to rooms are not
// kept: a room has no single callee.
import { envelope, now } from '../../src/protocol/build.ts';
import { ACTION } from '../../src/protocol/messages.ts';
import type { Context } from '../context.ts';
import { directConversation } from '../store/store.ts';
import { storeFor } from './messages.ts';

export const MISSED_CALL = 'missed-call';

export interface MissedCall { sid: string; initiator: string; responder: string; caller: string; callee: string; media?: unknown; reason: string }

export function missedCall(ctx: Context, c: MissedCall) {
  if (!c.callee || c.callee === c.caller) return;
  const id = `missed-${c.sid}`;
  const m = envelope(c.caller, c.callee, {
    action: ACTION.EVENT, namespace: 'call', event: MISSED_CALL,
    description: { sid: c.sid, initiator: c.initiator, responder: c.responder, ended: now(), reason: c.reason, ...(c.media ? { media: c.media } : {}) },
  });
  m.id = id;
  storeFor(ctx, {
    kind: 'call', conversation: directConversation(c.caller, c.callee), sender: c.caller, id, recipient: c.callee,
    sent: Date.now(), frame: JSON.stringify(m),
  }, ACTION.EVENT);
}
