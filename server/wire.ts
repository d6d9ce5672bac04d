// A relayed message leaves as the text it came in, cut and joined, rather than serialized again:
// JSON.stringify of a ~500-byte transport-info was a fifth of the server's CPU under load. The
// server changes only `from`, `to` and the stamps (`description.relayed`, `.sent`); everything else
// is the sender's text. That is done only when the text is known to be exactly what
// JSON.stringify would have written (see spliceable()); any other text is serialized as before.
import type { JsongleMessage } from '../src/protocol/messages.ts';

/** A received frame that may be relayed as its text: where the server's own fields go. */
export interface Received {
  text: string;
  /** End of `{"id":"…"`; `from` and `to` follow it, rewritten. */
  idEnd: number;
  /** End of the sender's `,"to":"…"`; the rest is the sender's text up to the end of `description`. */
  toEnd: number;
  /** `description` is `{}`: its stamps take no comma. */
  empty: boolean;
  /** The sender gave no `description.sent`: stamp() adds it, so it is written. */
  sent: boolean;
}

const ENVELOPE = ['id', 'from', 'to', 'jsongle'];

/**
 * The length of `v` as compact JSON with no escape in any string, or NaN for a number whose JSON
 * text could be shorter than that (anything but a small integer). Every JSON text of a value is at
 * least this long, and longer when it has whitespace, an escape, or a key given twice (JSON.parse
 * keeps only the last): that is what spliceable() relies on.
 */
function compactLength(v: unknown): number {
  if (typeof v === 'string') return v.length + 2;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v <= -1000 || v >= 1000) return NaN;
    const a = v < 0 ? -v : v;
    return (v < 0 ? 1 : 0) + (a < 10 ? 1 : a < 100 ? 2 : 3);
  }
  if (v === true || v === null) return 4;
  if (v === false) return 5;
  let n = 1; // the opening bracket; each member adds itself and its comma or the closing bracket
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) n += compactLength(v[i]) + 1;
    return v.length ? n : 2;
  }
  let members = 0;
  for (const key in v as object) {
    n += key.length + 4 + compactLength((v as Record<string, unknown>)[key]);
    members++;
  }
  return members ? n : 2;
}

/**
 * Whether the message `m` decoded from `text` may be relayed as that text, and where it is cut;
 * undefined when it may not. Call it before stamp(), and only where the handler changes nothing
 * else in the message. The text must be JSON.stringify's form of `m`: its keys `id`, `from`, `to`,
 * `jsongle` in this order, `description` (an object without `relayed`) last in `jsongle`, and a
 * length equal to compactLength(m), which rules out whitespace, escapes and keys given twice — so
 * that no `from`, `to` or stamp of the sender survives the rewrite, and recipients read exactly what
 * JSON.stringify of the rewritten message would have told them.
 */
export function spliceable(text: string | undefined, m: JsongleMessage): Received | undefined {
  if (text === undefined) return;
  const j = m.jsongle as unknown as Record<string, unknown>;
  const d = j.description as Record<string, unknown> | undefined;
  if (typeof d !== 'object' || d === null || Array.isArray(d) || d.relayed !== undefined || d.sent === null) return;
  let i = 0;
  for (const key in m) if (key !== ENVELOPE[i++]) return;
  if (i !== 4) return;
  // V8 lists keys that are array indices first, wherever they were: a key starting with a digit
  // would put `description` out of its place in the text.
  let last = '';
  for (const key in j) {
    if (last === '' && key.charCodeAt(0) <= 57 && key.charCodeAt(0) >= 48) return;
    last = key;
  }
  if (last !== 'description' || compactLength(m) !== text.length) return;
  const idEnd = 8 + m.id.length;
  const toEnd = idEnd + 18 + m.from.length + m.to.length; // ,"from":"…","to":"…"
  // Implied by the length, checked anyway: a mistake here would relay a sender's `from`.
  if (!text.startsWith(',"jsongle":{', toEnd) || !text.endsWith('}}}')) return;
  return { text, idEnd, toEnd, empty: text.charCodeAt(text.length - 4) === 123, sent: d.sent === undefined };
}

/**
 * Where `m` may be relayed as its sender's text: only when it is the message decoded from the frame
 * `client` is handling now (a handler that waited, or a message the server made, is serialized).
 */
export function asReceived(client: { readonly frame?: string; readonly decoded?: JsongleMessage }, m: JsongleMessage): Received | undefined {
  return client.decoded === m ? spliceable(client.frame, m) : undefined;
}

/**
 * The relayed frame around its `to`: [head, tail], head + JSON.stringify(uid) + tail being the
 * frame for `uid`. `m` is stamped (stamp()) since `r` was found.
 */
export function spliced(r: Received, m: JsongleMessage, from: string): [string, string] {
  const d = (m.jsongle as unknown as { description: { relayed: string; sent: string } }).description;
  const stamps = `${r.empty ? '' : ','}"relayed":${JSON.stringify(d.relayed)}${r.sent ? `,"sent":${JSON.stringify(d.sent)}` : ''}}}}`;
  return [`${r.text.slice(0, r.idEnd)},"from":${JSON.stringify(from)},"to":`, r.text.slice(r.toEnd, r.text.length - 3) + stamps];
}
