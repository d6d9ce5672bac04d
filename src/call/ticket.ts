// The call ticket: every timestamp of the call and its outcome, emitted when the call ends.
import type { Metrics } from '../protocol/messages.ts';
import type { Call, CallTimes } from './call.ts';

export interface Ticket extends CallTimes {
  id: string;
  caller: string;
  callee: string;
  media: string;
  direction: 'incoming' | 'outgoing';
  /** Where the call's messages went: the callee (or room) called, or the `from` of the propose received. */
  peer: string;
  /** The call state when the ticket was taken (`ended` once the call is over). */
  state: string;
  /** `retracted`, `declined`, `terminated` or `unreachable` once ended, `""` before. */
  outcome: string;
  endedBy: 'local' | 'remote' | 'server' | null;
  /** The wire reason of the ending message, e.g. `busy` or `answered-elsewhere`. */
  cause: string;
  /** Seconds from active to ended (0 when the call never became active). */
  duration: number;
  /** Figures reported with reportMetrics() for this call (route, mos, error…). */
  metrics: Metrics;
  /** ICE restarts this side made to bring the media back. */
  restarts: number;
}

export const ticketOf = (call: Call, metrics: Metrics = {}): Ticket => ({
  id: call.id,
  caller: call.caller,
  callee: call.callee,
  media: call.media,
  direction: call.direction,
  peer: call.peer,
  state: call.state,
  outcome: call.ended ? call.reason : '',
  endedBy: call.endedBy,
  cause: call.cause,
  ...call.times,
  duration: call.times.active && call.times.ended ? (Date.parse(call.times.ended) - Date.parse(call.times.active)) / 1000 : 0,
  metrics: { ...metrics },
  restarts: call.restarts,
});
