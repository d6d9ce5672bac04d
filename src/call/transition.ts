// Every call transition and its effects, in one place: the state change the table allows, the
// timestamps, the message sent for a local input, the callee's `ringing` reply, the ring timer,
// and the events. The client only dispatches inputs here; it decides nothing about calls.
import type { JsongleError } from '../errors.ts';
import type { JsongleEvents } from '../events.ts';
import { callMessage, now } from '../protocol/build.ts';
import { CLIENT_ERROR, type ClientErrorCode } from '../protocol/codes.ts';
import {
  ACTION, FEATURE, INFO, MEDIA, type CallAction, type CallBody, type JsongleMessage, type Metrics, type MutedMedia,
} from '../protocol/messages.ts';
import type { Call, CallReason, MutedState } from './call.ts';
import { ENDED, next, type Input } from './machine.ts';
import { ticketOf } from './ticket.ts';

/** The `reason` values of ending messages (beside the spec's ''), sent and shown. */
export const END_REASON = {
  BUSY: 'busy', TIMEOUT: 'timeout', GLARE: 'glare', GONE: 'gone', MEDIA_ERROR: 'media-error',
  ANSWERED_ELSEWHERE: 'answered-elsewhere', CONNECTIVITY_ERROR: 'connectivity-error',
} as const;

/** What a transition needs of the client. */
export interface CallHost {
  /** Our identity (the `from` of what we send). */
  readonly id: string;
  /** What this side can do in a call (`description.features` of its propose and proceed). */
  readonly features: readonly string[];
  /** The figures reported for the current call (they go into its ticket). */
  readonly metrics: Metrics;
  send(m: JsongleMessage): string;
  emit<K extends keyof JsongleEvents>(event: K, ...args: Parameters<JsongleEvents[K]>): boolean;
  fail(code: ClientErrorCode, message: string, detail?: JsongleError['detail']): void;
  /** Runs timer work like receive-path work: an exception is logged, never thrown. */
  safely(work: () => unknown): void;
}

export interface TransitionInput {
  /** The description sent with a local input. */
  description?: CallBody['description'];
  /** The message received, for a remote input. */
  m?: JsongleMessage<CallBody>;
  /** Local payload: the SDP, the candidate, or the media that remain muted. */
  payload?: any;
  /** The wire `reason` of a local ending message (`busy`, `timeout`, `glare`, `media-error`, `gone`). */
  reason?: string;
  /** `>session-propose`: how long the call may ring before it is retracted with `timeout` (ms; 0: never). */
  ringTimeout?: number;
}

/** Every medium of a call, as a mute message names it. */
export const allMedia = (call: Call): MutedMedia =>
  (call.media === MEDIA.AUDIO ? 'audio' : call.media === MEDIA.VIDEO ? 'audio+video' : 'video');

/** The media that are muted in `state`, as the wire names them (`none` when nothing is). */
export const mutedMedia = (state: MutedState): MutedMedia | 'none' =>
  (state.audio && state.video ? 'audio+video' : state.audio ? 'audio' : state.video ? 'video' : 'none');

/** How this side ends `call`: retract (caller, before active), decline (callee, ringing) or terminate. */
export const endingInput = (call: Call): Input =>
  (call.outgoing && !call.active ? '>session-retract' : call.state === 'ringing' ? '>session-decline' : '>session-terminate');

/** What a local (un)mute of `only` (default: every medium) leaves muted, as the wire says it. */
export function mutedAfter(call: Call, muted: boolean, only?: 'audio' | 'video'): MutedMedia | 'none' {
  const after = { ...call.localMuted };
  for (const k of ['audio', 'video'] as const) if ((only ?? allMedia(call)).includes(k)) after[k] = muted;
  return mutedMedia(after);
}

/** The machine's answer, except that mid-call offers need both peers to list `renegotiate` (else: as the original, refused). */
export const allowed = (call: Call, input: Input) =>
  call.state === 'active' && /session-(initiate|accept)$/.test(input) && !call.supports(FEATURE.RENEGOTIATE) ? undefined : next(call, input);

/** The `features` a propose or proceed lists (strings only; anything else counts as none). */
const featuresOf = (d: CallBody['description'] | undefined): string[] =>
  Array.isArray(d?.features) ? d.features.filter((f): f is string => typeof f === 'string' && f.length <= 64).slice(0, 32) : [];

const ringTimers = new WeakMap<Call, ReturnType<typeof setTimeout>>();
const EARLY = new Set(['new', 'trying', 'ringing']);

/**
 * Applies `input` to `call` if the table allows it: updates the call, sends the message of a local
 * input (and the callee's `ringing`), then emits `callstatechanged` and the input's own event.
 * Returns false (and emits `unexpected-state`) when the table refuses a received message.
 */
export function transition(host: CallHost, call: Call, input: Input, { description, m, payload, reason: wire, ringTimeout = 0 }: TransitionInput = {}): boolean {
  const to = allowed(call, input);
  if (to === undefined) {
    host.fail(CLIENT_ERROR.UNEXPECTED_STATE, `${m?.jsongle.action} (${input}) is not allowed in state '${call.state}'`, { id: m?.id, from: m?.from, sid: call.id });
    return false;
  }
  const local = input[0] === '>';
  const at = now();
  const t = call.times;
  const d = m?.jsongle.description;
  const previous = call.state;
  const before = call.reason;
  let reason: CallReason = call.reason;
  let emit: (() => void) | undefined;
  let reply: (() => void) | undefined;
  const what = input.slice(1);
  switch (what) {
    case 'session-propose':
      if (local) startRingTimer(host, call, ringTimeout);
      else {
        t.rang = at;
        call.remoteFeatures = featuresOf(d);
        // The callee acknowledges the propose by ringing at once, before any listener may answer.
        reply = () => sendCall(host, call, ACTION.INFO, { rang: at }, INFO.RINGING);
      }
      break;
    case 'session-info/trying': t.tried = at; break;
    case 'session-info/ringing': t.rang = at; break;
    case 'session-proceed':
      t.proceeded = at;
      if (!local) call.remoteFeatures = featuresOf(d);
      if (!local) emit = () => host.emit('offerneeded', call);
      break;
    case 'session-initiate':
    case 'session-accept': {
      const offer = what === 'session-initiate';
      const sdp = local ? payload : offer ? d!.offer! : d!.answer!;
      // Mid-call offers (ICE restart, added media) keep the times of the first negotiation.
      if (offer) t.offering ??= at;
      else t.offered ??= at;
      if (local) call.localOffer = sdp;
      else {
        call.remoteOffer = sdp;
        emit = () => host.emit('offerreceived', sdp, call);
      }
      break;
    }
    case 'transport-info': {
      t.establishing ??= at;
      if (local) call.localCandidates.push(payload);
      else {
        const c = d!.candidate!;
        call.remoteCandidates.push(c);
        emit = () => host.emit('candidatereceived', c, call);
      }
      break;
    }
    case 'session-info/active':
      t.active ??= at;
      if (local) call.activeLocal = true;
      else call.activeRemote = true;
      break;
    case 'session-info/mute':
    case 'session-info/unmute': {
      // On the wire, in both messages, `media` is what remains muted after the change.
      const muted = what === 'session-info/mute';
      const state = local ? call.localMuted : call.remoteMuted;
      const was = { ...state };
      const after = (local ? payload : d?.media ?? (muted ? allMedia(call) : 'none')) as string;
      state.audio = after.includes('audio');
      state.video = after.includes('video');
      // The events name what changed (what the application turns on or off).
      const changed = (['audio', 'video'] as const).filter((k) => was[k] !== state[k]);
      const media: MutedMedia = changed.length === 2 ? 'audio+video' : changed.length === 1 ? changed[0] : allMedia(call);
      const name = `${local ? 'local' : ''}call${muted ? 'muted' : 'unmuted'}` as 'callmuted';
      emit = () => host.emit(name, call, media);
      break;
    }
    default: // the ending messages
      t.ended = at;
      call.endedBy = what === 'session-info/unreachable' ? 'server' : local ? 'local' : 'remote';
      call.cause = local ? wire ?? '' : m!.jsongle.reason ?? '';
      reason = ENDED[what];
      emit = () => {
        host.emit('callended', local, call);
        host.emit('ticket', ticketOf(call, host.metrics));
      };
  }
  if (to === 'offering') {
    const answered = !!t.offered;
    reason = !answered ? 'have-offer' : call.localCandidates.length && call.remoteCandidates.length ? 'have-both' : 'have-answer';
  } else if (to === 'active') {
    reason = call.activeLocal && call.activeRemote ? 'is-active-both-side' : call.activeLocal ? 'is-active-local' : 'is-active-remote';
  }
  if (!EARLY.has(to)) stopRingTimer(call);
  if (local && description) {
    const [action, info = ''] = what.split('/');
    sendCall(host, call, action as CallAction, description, info || wire || '');
  }
  call._enter(to, reason);
  reply?.();
  if (to !== previous || reason !== before) host.emit('callstatechanged', call, { state: to, previous, reason });
  emit?.();
  return true;
}

function sendCall(host: CallHost, call: Call, action: CallAction, description: CallBody['description'], reason = '') {
  host.send(callMessage(host.id, call.peer, call, action, description, reason));
}

/** An unanswered outgoing call is retracted with reason `timeout` after `ringTimeout`. */
function startRingTimer(host: CallHost, call: Call, ms: number) {
  if (!(ms > 0)) return;
  const timer = setTimeout(() => host.safely(() => {
    ringTimers.delete(call);
    if (EARLY.has(call.state)) transition(host, call, '>session-retract', { description: { ended: now() }, reason: END_REASON.TIMEOUT });
  }), ms);
  (timer as { unref?: () => void }).unref?.();
  ringTimers.set(call, timer);
}

function stopRingTimer(call: Call) {
  clearTimeout(ringTimers.get(call));
  ringTimers.delete(call);
}

function supersede(host: CallDispatcher, sid: string) {
  if (host.superseded.size >= 16) host.superseded.clear();
  host.superseded.add(sid);
}

/** What the client does for call work beyond one transition. */
export interface CallDispatcher extends CallHost {
  /** Makes `call` the current call and emits `call`. */
  begin(call: Call): void;
  /** Sids of calls that lost a glare: what still comes for them (the server's trying, the retract) is dropped silently. */
  readonly superseded: Set<string>;
}

/**
 * A `session-propose` received while `current` may be in progress: busy (decline with `busy`),
 * glare (both called each other: the lower `sid` survives), or a new ringing call.
 */
export function receivePropose(host: CallDispatcher, current: Call | null, m: JsongleMessage<CallBody>, create: () => Call) {
  const j = m.jsongle;
  if (current) {
    if (current.id === j.sid) return host.fail(CLIENT_ERROR.UNEXPECTED_STATE, `Duplicate session-propose for call ${j.sid}`, { id: m.id, from: m.from });
    const glare = current.outgoing && EARLY.has(current.state) && m.from === current.peer;
    if (!glare) {
      // Busy: refuse the newcomer, leave the current call alone.
      host.send(callMessage(host.id, m.from, { id: j.sid, caller: j.initiator, callee: j.responder }, ACTION.DECLINE, { ended: now() }, END_REASON.BUSY));
      return;
    }
    // Both sides see both proposes and decide alike: the other side retracts the higher sid.
    if (current.id < j.sid) return supersede(host, j.sid);
    transition(host, current, '>session-retract', { description: { ended: now() }, reason: END_REASON.GLARE });
    supersede(host, current.id);
    const call = create();
    host.begin(call);
    // Both wanted this call: the side whose own propose lost answers it at once.
    if (transition(host, call, '<session-propose', { m }) && call.state === 'ringing') {
      call.features = [...host.features];
      transition(host, call, '>session-proceed', { description: { proceeded: now(), features: call.features } });
    }
    return;
  }
  const call = create();
  host.begin(call);
  transition(host, call, '<session-propose', { m });
}
