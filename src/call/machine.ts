// The call state machine: one table of (state, input) → next state, and the one function that
// applies it. Inputs are prefixed `>` for what this side sends and `<` for what it receives.
import type { Call, CallState } from './call.ts';

export type Input =
  | '>propose' | '<propose' | '<trying' | '<ringing' | '>proceed' | '<proceed' | '>decline' | '<decline'
  | '<unreachable' | '>retract' | '<retract' | '>terminate' | '<terminate' | '>offer' | '<offer'
  | '>answer' | '<answer' | '>candidate' | '<candidate' | '>active' | '<active'
  | '>mute' | '<mute' | '>unmute' | '<unmute';

/** Which side may see the input: outgoing calls (caller), incoming calls (callee), or both. */
type Side = 'out' | 'in' | 'any';
const LIVE: CallState[] = ['new', 'trying', 'ringing', 'proceeded', 'offering', 'active'];
const NEGOTIATING: CallState[] = ['proceeded', 'offering', 'active'];

/** [input, states it is allowed in, next state (undefined: unchanged), side]. */
const TABLE: [Input, CallState[], CallState | undefined, Side][] = [
  ['>propose', ['new'], undefined, 'out'],
  ['<propose', ['new'], 'ringing', 'in'],
  ['<trying', ['new'], 'trying', 'out'],
  ['<ringing', ['new', 'trying'], 'ringing', 'out'],
  ['<proceed', ['new', 'trying', 'ringing'], 'proceeded', 'out'],
  ['>proceed', ['ringing'], 'proceeded', 'in'],
  ['>decline', ['ringing'], 'ended', 'in'],
  ['<decline', ['new', 'trying', 'ringing'], 'ended', 'out'],
  ['<unreachable', ['new', 'trying', 'ringing'], 'ended', 'out'],
  ['>retract', ['new', 'trying', 'ringing', 'proceeded', 'offering'], 'ended', 'out'],
  ['<retract', ['ringing', 'proceeded', 'offering'], 'ended', 'in'],
  ['>terminate', NEGOTIATING, 'ended', 'any'],
  ['<terminate', LIVE, 'ended', 'any'],
  ['>offer', ['proceeded'], 'offering', 'out'],
  ['<offer', ['proceeded'], 'offering', 'in'],
  ['>answer', ['offering'], 'offering', 'in'],
  ['<answer', ['offering'], 'offering', 'out'],
  ['>candidate', NEGOTIATING, undefined, 'any'],
  ['<candidate', NEGOTIATING, undefined, 'any'],
  ['>active', ['offering', 'active'], 'active', 'any'],
  ['<active', ['offering', 'active'], 'active', 'any'],
  ['>mute', LIVE, undefined, 'any'],
  ['<mute', LIVE, undefined, 'any'],
  ['>unmute', LIVE, undefined, 'any'],
  ['<unmute', LIVE, undefined, 'any'],
];

const RULES = new Map<string, CallState | undefined>();
for (const [input, states, next, side] of TABLE) {
  for (const state of states) {
    for (const dir of side === 'any' ? ['out', 'in'] : [side]) RULES.set(`${dir}|${state}|${input}`, next ?? state);
  }
}

/** The next state, or undefined when the table does not allow `input` in the call's state. */
export const next = (call: Pick<Call, 'state' | 'outgoing'>, input: Input): CallState | undefined =>
  RULES.get(`${call.outgoing ? 'out' : 'in'}|${call.state}|${input}`);

export const ENDED_REASON: Partial<Record<Input, string>> = {
  '>decline': 'declined', '<decline': 'declined', '<unreachable': 'unreachable',
  '>retract': 'retracted', '<retract': 'retracted', '>terminate': 'terminated', '<terminate': 'terminated',
};
