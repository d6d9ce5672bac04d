// The call state machine: one table of (state, input) → next state, and the lookup that applies it.
// An input is a call message in the protocol's words, `>` when this side sends it and `<` when it
// receives it; `session-info` inputs carry their reason after a slash (`<session-info/ringing`).
import type { Call, CallState, EndedReason } from './call.ts';

type Message =
  | 'session-propose' | 'session-proceed' | 'session-decline' | 'session-retract' | 'session-terminate'
  | 'session-initiate' | 'session-accept' | 'transport-info'
  | `session-info/${'trying' | 'ringing' | 'unreachable' | 'active' | 'mute' | 'unmute'}`;
export type Input = `${'>' | '<'}${Message}`;

/** Which side may see the input: the caller (`out`), the callee (`in`), or both. */
type Side = 'out' | 'in' | 'any';
const LIVE: CallState[] = ['new', 'trying', 'ringing', 'proceeded', 'offering', 'active'];
const NEGOTIATING: CallState[] = ['proceeded', 'offering', 'active'];
const EARLY: CallState[] = ['new', 'trying', 'ringing'];

/** [input, states it is allowed in, next state (undefined: unchanged), side]. */
const TABLE: [Input, CallState[], CallState | undefined, Side][] = [
  ['>session-propose', ['new'], undefined, 'out'],
  ['<session-propose', ['new'], 'ringing', 'in'],
  ['<session-info/trying', ['new'], 'trying', 'out'],
  ['<session-info/ringing', ['new', 'trying'], 'ringing', 'out'],
  ['<session-proceed', EARLY, 'proceeded', 'out'],
  ['>session-proceed', ['ringing'], 'proceeded', 'in'],
  ['>session-decline', ['ringing'], 'ended', 'in'],
  ['<session-decline', EARLY, 'ended', 'out'],
  ['<session-info/unreachable', EARLY, 'ended', 'out'],
  // The server says so to whoever sends a call message nobody can receive (the caller left).
  ['<session-info/unreachable', ['ringing', 'proceeded', 'offering', 'active'], 'ended', 'in'],
  ['<session-info/unreachable', ['proceeded', 'offering', 'active'], 'ended', 'out'],
  ['>session-retract', ['new', 'trying', 'ringing', 'proceeded', 'offering'], 'ended', 'out'],
  // The caller retracts until *it* sees the call active; the callee may already be active then.
  ['<session-retract', ['ringing', ...NEGOTIATING], 'ended', 'in'],
  ['>session-terminate', NEGOTIATING, 'ended', 'any'],
  ['<session-terminate', LIVE, 'ended', 'any'],
  ['>session-initiate', ['proceeded'], 'offering', 'out'],
  ['<session-initiate', ['proceeded'], 'offering', 'in'],
  ['>session-accept', ['offering'], 'offering', 'in'],
  ['<session-accept', ['offering'], 'offering', 'out'],
  // Mid-call offers between peers that both list `renegotiate` (ICE restart, added media; perfect
  // negotiation: either side may offer). The call stays active.
  ['>session-initiate', ['active'], undefined, 'any'],
  ['<session-initiate', ['active'], undefined, 'any'],
  ['>session-accept', ['active'], undefined, 'any'],
  ['<session-accept', ['active'], undefined, 'any'],
  ['>transport-info', NEGOTIATING, undefined, 'any'],
  ['<transport-info', NEGOTIATING, undefined, 'any'],
  ['>session-info/active', ['offering', 'active'], 'active', 'any'],
  ['<session-info/active', ['offering', 'active'], 'active', 'any'],
  ['>session-info/mute', LIVE, undefined, 'any'],
  ['<session-info/mute', LIVE, undefined, 'any'],
  ['>session-info/unmute', LIVE, undefined, 'any'],
  ['<session-info/unmute', LIVE, undefined, 'any'],
];

const RULES = new Map<string, CallState>();
for (const [input, states, next, side] of TABLE) {
  for (const state of states) {
    for (const dir of side === 'any' ? ['out', 'in'] : [side]) RULES.set(`${dir}|${state}|${input}`, next ?? state);
  }
}

/** The next state, or undefined when the table does not allow `input` in the call's state. */
export const next = (call: Pick<Call, 'state' | 'outgoing'>, input: Input): CallState | undefined =>
  RULES.get(`${call.outgoing ? 'out' : 'in'}|${call.state}|${input}`);

/** How each ending message names the outcome. */
export const ENDED: Record<string, EndedReason> = {
  'session-decline': 'declined', 'session-info/unreachable': 'unreachable', 'session-retract': 'retracted', 'session-terminate': 'terminated',
};
