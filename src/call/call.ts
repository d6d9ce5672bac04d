// The Call object of the spec. Read-only from outside: the client's transition() is the only
// code that changes `state` and `reason` (through `_enter`).
import type { CandidateInit, Media, SessionDescriptionInit } from '../protocol/messages.ts';

export type CallState = 'new' | 'trying' | 'ringing' | 'proceeded' | 'offering' | 'active' | 'ended';
export type OfferingReason = 'have-offer' | 'have-answer' | 'have-both';
export type ActiveReason = 'is-active-local' | 'is-active-remote' | 'is-active-both-side';
export type EndedReason = 'retracted' | 'declined' | 'terminated' | 'unreachable';
export type CallReason = OfferingReason | ActiveReason | EndedReason | '';
export type Direction = 'incoming' | 'outgoing';
export interface MutedState { audio: boolean; video: boolean }

export const CALL_STATE = {
  NEW: 'new', TRYING: 'trying', RINGING: 'ringing', PROCEEDED: 'proceeded',
  OFFERING: 'offering', ACTIVE: 'active', ENDED: 'ended',
} as const;
export const DIRECTION = { INCOMING: 'incoming', OUTGOING: 'outgoing' } as const;

/** When each step happened on this side (ISO-8601), filled as the call goes. */
export interface CallTimes {
  initiated?: string; tried?: string; rang?: string; proceeded?: string; offering?: string;
  offered?: string; establishing?: string; active?: string; ended?: string;
}

export class Call {
  #state: CallState = 'new';
  #reason: CallReason = '';
  readonly times: CallTimes = {};
  readonly localMuted: MutedState = { audio: false, video: false };
  readonly remoteMuted: MutedState = { audio: false, video: false };
  readonly localCandidates: CandidateInit[] = [];
  readonly remoteCandidates: CandidateInit[] = [];
  localOffer: SessionDescriptionInit | null = null;
  remoteOffer: SessionDescriptionInit | null = null;
  activeLocal = false;
  activeRemote = false;
  /** Who ended the call: this side, the peer, or the server (unreachable). */
  endedBy: 'local' | 'remote' | 'server' | null = null;
  /** The wire `reason` of the ending message when it said more (e.g. `busy`, `answered-elsewhere`). */
  cause = '';
  /** What this side listed in its propose or proceed (`description.features`). */
  features: string[] = [];
  /** What the peer listed in its propose or proceed. */
  remoteFeatures: string[] = [];
  /** ICE restarts made during the call (this side's offers). */
  restarts = 0;

  constructor(
    readonly id: string,
    readonly caller: string,
    readonly callee: string,
    readonly media: Media,
    readonly direction: Direction,
    /** Where this side sends the call's messages: the callee for the caller, the propose's `from` for the callee. */
    readonly peer: string,
  ) {}

  get state() { return this.#state; }
  get reason() { return this.#reason; }
  get active() { return this.#state === 'active'; }
  get ended() { return this.#state === 'ended'; }
  get inProgress() { return !this.active && !this.ended; }
  get outgoing() { return this.direction === 'outgoing'; }
  /** True when any local media is muted; `localMuted` says which. */
  get muted() { return this.localMuted.audio || this.localMuted.video; }
  get remoteIsMuted() { return this.remoteMuted.audio || this.remoteMuted.video; }
  /** True when both sides listed `feature` (e.g. `renegotiate`). */
  supports(feature: string) { return this.features.includes(feature) && this.remoteFeatures.includes(feature); }

  /** @internal Only the client's transition() calls this. */
  _enter(state: CallState, reason: CallReason) {
    this.#state = state;
    this.#reason = reason;
  }
}
