// The call ticket: every timestamp of the call and its outcome, emitted when the call ends. The
// names are the original JSONgle client's (apps written for it read them); ours sit beside them.
import type { Metrics } from '../protocol/messages.ts';
import type { Call } from './call.ts';

export interface Ticket {
  sid: string;
  initiator: string;
  responder: string;
  direction: 'incoming' | 'outgoing';
  media: string;
  /** The call state when the ticket was taken (`ended` once the call is over). */
  state: string;
  /** When each step happened on this side (ISO-8601). */
  initiatedAt?: string;
  triedAt?: string;
  rangAt?: string;
  proceededAt?: string;
  offeringAt?: string;
  offeredAt?: string;
  establishingAt?: string;
  activeAt?: string;
  endedAt?: string;
  /**
   * Why it ended: the ending message's reason when it gave one (`busy`, `timeout`, `glare`, `gone`,
   * `media-error`, `answered-elsewhere`, `connectivity-error`), else the outcome; `""` before.
   */
  endedReason: string;
  // ---- ours ----
  /** Where the call's messages went: the callee (or room) called, or the `from` of the propose received. Show this as the other party. */
  peer: string;
  /** `retracted`, `declined`, `terminated` or `unreachable` once ended, `""` before. */
  outcome: string;
  endedBy: 'local' | 'remote' | 'server' | null;
  /** Seconds from active to ended (0 when the call never became active). */
  duration: number;
  /** Figures reported with reportMetrics() for this call (route, mos, error…). */
  metrics: Metrics;
  /** ICE restarts this side made to bring the media back. */
  restarts: number;
}

export const ticketOf = (call: Call, metrics: Metrics = {}): Ticket => {
  const t = call.times;
  const outcome = call.ended ? call.reason : '';
  return {
    sid: call.id,
    initiator: call.caller,
    responder: call.callee,
    direction: call.direction,
    media: call.media,
    state: call.state,
    initiatedAt: t.initiated,
    triedAt: t.tried,
    rangAt: t.rang,
    proceededAt: t.proceeded,
    offeringAt: t.offering,
    offeredAt: t.offered,
    establishingAt: t.establishing,
    activeAt: t.active,
    endedAt: t.ended,
    endedReason: call.cause || outcome,
    peer: call.peer,
    outcome,
    endedBy: call.endedBy,
    duration: t.active && t.ended ? (Date.parse(t.ended) - Date.parse(t.active)) / 1000 : 0,
    metrics: { ...metrics },
    restarts: call.restarts,
  };
};
