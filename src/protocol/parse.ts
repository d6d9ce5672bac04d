// Decode and validate one received frame. Pure and total: it never throws, whatever it is given,
// so both the client's and the server's receive paths can call it on hostile input.
import { CLIENT_ERROR, type ClientErrorCode } from './codes.ts';
import { ACTION, INFO, ROUTES, type Action, type JsongleMessage } from './messages.ts';

export type Decoded =
  | { ok: true; message: JsongleMessage }
  | { ok: false; code: ClientErrorCode; reason: string; id?: string; action?: string };

export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;
const MAX_DEPTH = 32;
// `transport`: the original client sends it late, without a candidate (the client ignores it).
const INFO_REASONS = new Set<string>([...Object.values(INFO), 'transport']);

type Test = (v: unknown) => boolean;
const str: Test = (v) => typeof v === 'string';
const nonEmpty: Test = (v) => typeof v === 'string' && v.length > 0;
const obj: Test = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const opt = (t: Test): Test => (v) => v === undefined || t(v);
const oneOf = (...values: string[]): Test => (v) => values.includes(v as string);
const nullable = (t: Test): Test => (v) => v === undefined || v === null || t(v);
const sdp = (type: string): Test => (v) => obj(v) && (v as any).type === type && str((v as any).sdp);
const candidate: Test = (v) =>
  obj(v) && str((v as any).candidate) && nullable(str)((v as any).sdpMid) &&
  nullable((n) => Number.isInteger(n))((v as any).sdpMLineIndex);

/** Rules per action: [path inside `jsongle`, test]. */
type Rule = [string, Test];
const CALL: Rule[] = [
  ['sid', nonEmpty],
  ['reason', opt(str)],
  ['initiator', str],
  ['responder', str],
  ['description', obj],
];
const IQ: Rule[] = [['query', nonEmpty], ['transaction', nonEmpty], ['description', opt(obj)]];
const MESSAGE: Rule[] = [['namespace', opt(str)], ['description', obj]];
const ENDING = [ACTION.RETRACT, ACTION.DECLINE, ACTION.PROCEED, ACTION.TERMINATE] as const;

const RULES: Record<Exclude<Action, (typeof ENDING)[number]>, Rule[]> & Partial<Record<Action, Rule[]>> = {
  [ACTION.PROPOSE]: [...CALL, ['description.media', oneOf('audio', 'video', 'video-only')]],
  [ACTION.INFO]: [...CALL, ['reason', (v) => INFO_REASONS.has(v as string)],
    ['description.media', opt(oneOf('none', 'audio', 'video', 'audio+video'))]],
  [ACTION.INITIATE]: [...CALL, ['description.offer', sdp('offer')]],
  [ACTION.ACCEPT]: [...CALL, ['description.answer', sdp('answer')]],
  [ACTION.TRANSPORT]: [...CALL, ['description.candidate', candidate]],
  [ACTION.TEXT]: [...MESSAGE, ['description.content', opt(str)]],
  [ACTION.CUSTOM]: MESSAGE,
  [ACTION.EVENT]: [['event', nonEmpty], ...MESSAGE],
  [ACTION.IQ_GET]: IQ,
  [ACTION.IQ_SET]: IQ,
  [ACTION.IQ_RESULT]: IQ,
  [ACTION.IQ_ERROR]: IQ,
  [ACTION.ACK]: [['status', oneOf('success', 'failed', 'pending')], ['transaction', nonEmpty]],
  [ACTION.ERROR]: [['description', obj], ['description.errorCode', Number.isInteger]],
  [ACTION.METRICS]: [['sid', nonEmpty], ['description', obj]],
  [ACTION.HELLO]: [['description', opt(obj)]],
};
for (const a of ENDING) RULES[a] = CALL;

// Paths are split once, here, not on every message. A Map, as it is also the list of known actions:
// `action` comes from JSON.parse un-internalized, and a Map finds it by hash where an object's
// property lookup would first search V8's string table for it.
const PATHS = new Map<unknown, [string[], Test][]>();
for (const action in ROUTES) PATHS.set(action, RULES[action as Action]!.map(([path, test]) => [path.split('.'), test]));
const at = (o: any, keys: string[]) => keys.reduce((v, k) => (obj(v) ? v[k] : undefined), o);

/**
 * Walks the value once, without allocating: refuses prototype keys and excessive depth; returns the
 * text budget left (negative: too large), or a refusal code.
 */
function scan(v: unknown, budget: number, depth: number): number | ClientErrorCode {
  if (typeof v === 'string') return budget - v.length;
  if (typeof v !== 'object' || v === null) return budget;
  if (depth > MAX_DEPTH) return CLIENT_ERROR.INVALID_FIELD;
  for (const key in v) {
    // Compared rather than looked up in a Set: JSON.parse's keys are internalized strings, so each
    // === is a pointer comparison (the server runs this for every key of every message).
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return CLIENT_ERROR.FORBIDDEN_KEY;
    const left = scan((v as any)[key], budget - key.length, depth + 1);
    if (typeof left !== 'number' || left < 0) return left;
    budget = left;
  }
  return budget;
}

const cut = (v: unknown) => (typeof v === 'string' ? v.slice(0, 64) : undefined);
/** The longest id, uid, room id or display name (characters): an id is a name, not a payload. */
export const MAX_ID = 256;
// The id whole (errors name the message by it), unless it is too long to be one.
const idOf = (v: unknown) => (typeof v === 'string' && v.length <= MAX_ID ? v : undefined);
const fail = (code: ClientErrorCode, reason: string, m?: any): Decoded => ({ ok: false, code, reason, id: idOf(m?.id), action: cut(m?.jsongle?.action) });

/**
 * Whether `text` holds more than `max` JSON values (counting `:` `,` `{` `[` outside strings).
 * JSON.parse costs far more per value than per character, and more than linearly with many
 * distinct keys (about 6 ms for a 60 KB frame of 2,000 one-key objects), so a large frame's values
 * are counted before it is parsed. First an upper bound, natively (indexOf, counting those inside
 * strings too): most large frames are one long string (SDP, text) and stop there; only when it
 * exceeds `max` are the values counted exactly, char by char.
 */
function tooManyValues(text: string, max: number): boolean {
  let n = 0;
  for (const c of ':,{[') {
    for (let i = text.indexOf(c); i >= 0; i = text.indexOf(c, i + 1)) if (++n > max) break;
    if (n > max) break;
  }
  if (n <= max) return false;
  n = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: the next char is escaped
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if ((c === 58 || c === 44 || c === 123 || c === 91) && ++n > max) return true;
  }
  return false;
}
/** Below this size a frame is parsed without counting: whatever its shape, it is cheap. */
const SMALL = 8192;

/**
 * Turns a received frame (JSON text or an already-parsed value) into a valid JSONgle message,
 * or says why not. Unknown extra fields are kept: compatible peers may add some. `fromOptional`
 * (the server, which sets `from` itself): a missing `from` becomes ''.
 */
export function decode(data: unknown, maxSize = DEFAULT_MAX_MESSAGE_SIZE, maxValues = Infinity, fromOptional = false): Decoded {
  let m: any = data;
  if (typeof data === 'string') {
    if (data.length > maxSize) return fail(CLIENT_ERROR.TOO_LARGE, `Frame of ${data.length} characters exceeds ${maxSize}`);
    if (data.length > SMALL && maxValues < Infinity && tooManyValues(data, maxValues)) {
      return fail(CLIENT_ERROR.INVALID_FIELD, `Frame holds more than ${maxValues} JSON values`);
    }
    try {
      m = JSON.parse(data);
    } catch {
      return fail(CLIENT_ERROR.INVALID_JSON, 'Frame is not valid JSON');
    }
  }
  if (m instanceof ArrayBuffer || ArrayBuffer.isView(m)) return fail(CLIENT_ERROR.NOT_AN_OBJECT, 'Binary frames are not JSONgle');
  if (!obj(m)) return fail(CLIENT_ERROR.NOT_AN_OBJECT, 'Frame is not a JSON object');
  const left = scan(m, maxSize, 0);
  if (left === CLIENT_ERROR.FORBIDDEN_KEY) return fail(left, 'Frame contains a forbidden key (__proto__, constructor or prototype)', m);
  if (typeof left === 'number' && left < 0) return fail(CLIENT_ERROR.TOO_LARGE, `Frame exceeds ${maxSize} characters`, m);
  if (typeof left !== 'number') return fail(left, `Frame is nested deeper than ${MAX_DEPTH} levels`, m);
  if (!obj(m.jsongle)) return fail(CLIENT_ERROR.NOT_JSONGLE, "Frame has no 'jsongle' object", m);
  if (fromOptional && m.from === undefined) m.from = '';
  for (const key of ['id', 'from', 'to']) {
    if (!str(m[key])) return fail(CLIENT_ERROR.INVALID_FIELD, `'${key}' must be a string`, m);
  }
  // Errors name a message by its id (`mid`): an id is short (a UUID), not a payload to echo.
  if (m.id.length > MAX_ID) return fail(CLIENT_ERROR.INVALID_FIELD, `'id' must be at most ${MAX_ID} characters`, m);
  const action = m.jsongle.action;
  const rules = PATHS.get(action);
  if (!rules) return fail(CLIENT_ERROR.UNKNOWN_ACTION, `Unknown action '${String(action).slice(0, 64)}'`, m);
  for (const [keys, test] of rules) {
    if (!test(at(m.jsongle, keys))) return fail(CLIENT_ERROR.INVALID_FIELD, `${action}: 'jsongle.${keys.join('.')}' is missing or of the wrong type or value`, m);
  }
  return { ok: true, message: m as JsongleMessage };
}

