// The state of one conversation, DOM-free: messages and their delivery state, read receipts sent,
// reactions, the members of a room and their display names, system lines (joined,
// left, call outcomes). It knows nothing of the wire: the caller (the chat element) feeds it what
// the client receives and asks it what changed, so it is testable in Node with plain values.
import type { Ticket } from '../call/ticket.ts';

/**
 * Delivery of an own message, in order: handed to the client, stored by the server, received, read;
 * or `failed` (refused, or no ack in time: the person may retry), which any later ack overrides.
 */
export type DeliveryState = 'sending' | 'sent' | 'delivered' | 'read' | 'failed';
export const DELIVERY_STATES: readonly DeliveryState[] = ['sending', 'sent', 'delivered', 'read'];
/** The server's stored state of a message (history) → the delivery state shown. */
const STORED_TO_STATE: Record<string, DeliveryState> = { stored: 'sent', received: 'delivered', read: 'read' };
/** The `type` of an `ack` event → the delivery state it proves. */
const ACK_TO_STATE: Record<string, DeliveryState> = { 'server-received': 'sent', received: 'delivered', read: 'read' };

export interface ChatMessage {
  readonly kind: 'message';
  /** The JSONgle message id (acks and reactions refer to it). */
  readonly id: string;
  /** The author's user id (this side's id for own messages). */
  readonly from: string;
  /** Where it came from on the wire: a uid, a 1:1 room id or `rid/uid` ('' for own messages). */
  readonly address: string;
  readonly own: boolean;
  /** The text, exactly as sent: it is text, never markup. */
  readonly text: string;
  readonly additionalContent?: unknown;
  /** When it was sent (ISO-8601; the sender's clock, else the time it arrived). */
  readonly sent: string;
  /** Own messages: how far delivery got. Null for received messages. */
  readonly state: DeliveryState | null;
  /** Received messages: a read receipt was sent for it. */
  readonly read: boolean;
  /** reaction → the user ids who chose it (one reaction per user and message). */
  readonly reactions: Readonly<Record<string, readonly string[]>>;
}

/** A line of the conversation that is not a message. */
export interface SystemLine {
  /** `missed`: a call from `uid` this side missed while away (the server's missed-call event). */
  readonly kind: 'joined' | 'left' | 'call' | 'missed';
  readonly id: string;
  readonly at: string;
  /** joined / left: who. */
  readonly uid?: string;
  /** call: the ticket of the call. */
  readonly ticket?: Ticket;
}

export type ChatEntry = ChatMessage | SystemLine;

/** One entry of a history page, as src/chat/history.ts reads it from the server's answer. */
export type HistoryItem =
  | { kind: 'message'; id: string; sender: string; address: string; content: unknown; additionalContent?: unknown; sent: unknown; state: string }
  | { kind: 'missed'; sid: string; sender: string; sent: unknown };
export interface Member { uid: string; dn?: string }

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MessageState = Mutable<Omit<ChatMessage, 'reactions'>> & { reactions: Map<string, Set<string>> };
type Entry = MessageState | SystemLine;

export interface ConversationOptions {
  /** Called after every change. */
  onChange?: () => void;
  /** The clock (ISO-8601), for tests. */
  now?: () => string;
}

const isDate = (s: unknown): s is string => typeof s === 'string' && s.length <= 64 && !Number.isNaN(Date.parse(s));

export class Conversation {
  readonly #entries: Entry[] = [];
  readonly #messages = new Map<string, MessageState>();
  readonly #names = new Map<string, string>();
  readonly #members = new Set<string>();
  readonly #calls = new Set<string>();
  readonly #onChange: () => void;
  readonly #now: () => string;
  #seq = 0;

  constructor(options: ConversationOptions = {}) {
    this.#onChange = options.onChange ?? (() => {});
    this.#now = options.now ?? (() => new Date().toISOString());
  }

  /** Every line, in order, as read-only snapshots. */
  get entries(): ChatEntry[] { return this.#entries.map((e) => (e.kind === 'message' ? snapshot(e) : e)); }
  /** The messages only, in order, as read-only snapshots. */
  get messages(): ChatMessage[] {
    return this.#entries.filter((e): e is MessageState => e.kind === 'message').map(snapshot);
  }
  /** The members of the room other than this side (joined and not left). */
  get members(): string[] { return [...this.#members]; }

  message(id: string): ChatMessage | null {
    const m = this.#messages.get(id);
    return m ? snapshot(m) : null;
  }

  /** The display name learned for `uid`, or undefined. */
  nameOf(uid: string): string | undefined { return this.#names.get(uid); }

  /** Remembers `dn` as the display name of `uid` (ignored unless both are non-empty strings). */
  learn(uid: unknown, dn: unknown): boolean {
    if (typeof uid !== 'string' || !uid || typeof dn !== 'string' || !dn.trim() || dn.length > 256) return false;
    if (this.#names.get(uid) === dn) return false;
    this.#names.set(uid, dn);
    this.#changed();
    return true;
  }

  // ---- messages ------------------------------------------------------------------------------

  /** An own message handed to the client; its state starts at `sending`. */
  addOwn(id: string, from: string, text: string, additionalContent?: unknown): ChatMessage {
    const m: MessageState = {
      kind: 'message', id, from, address: '', own: true, text, sent: this.#now(), state: 'sending', read: false, reactions: new Map(),
    };
    if (additionalContent !== undefined) m.additionalContent = additionalContent;
    this.#push(m);
    return snapshot(m);
  }

  /** A received message; null when it is a duplicate (same id). */
  addIncoming(id: string, from: string, address: string, description: { sent?: unknown; content?: unknown; additionalContent?: unknown }): ChatMessage | null {
    if (this.#messages.has(id)) return null;
    const m: MessageState = {
      kind: 'message', id, from, address, own: false,
      text: typeof description.content === 'string' ? description.content : '',
      sent: isDate(description.sent) ? description.sent : this.#now(),
      state: null, read: false, reactions: new Map(),
    };
    if (description.additionalContent !== undefined) m.additionalContent = description.additionalContent;
    this.#push(m);
    return snapshot(m);
  }

  /** Own message `id` was not stored (refused, or no ack in time). True when it changed. */
  fail(id: string): boolean {
    const m = this.#messages.get(id);
    if (!m || !m.own || m.state !== 'sending') return false;
    m.state = 'failed';
    this.#changed();
    return true;
  }

  /** Failed message `id` is sent again: back to `sending`. True when it changed. */
  retrying(id: string): boolean {
    const m = this.#messages.get(id);
    if (!m || m.state !== 'failed') return false;
    m.state = 'sending';
    this.#changed();
    return true;
  }

  /**
   * A page of stored history, oldest first, older than what is shown: each entry not shown yet goes
   * before the entries shown, in order. `me` tells own messages apart. Returns how many were added.
   */
  addHistory(page: readonly HistoryItem[], me: string): number {
    const fresh: Entry[] = [];
    for (const h of page) {
      if (h.kind === 'missed') {
        if (this.#calls.has(h.sid)) continue;
        this.#calls.add(h.sid);
        fresh.push({ kind: 'missed', id: `missed-${h.sid}`, at: isDate(h.sent) ? h.sent : this.#now(), uid: h.sender });
        continue;
      }
      if (this.#messages.has(h.id)) continue;
      const own = h.sender === me;
      const state = STORED_TO_STATE[h.state] ?? 'sent';
      const m: MessageState = {
        kind: 'message', id: h.id, from: h.sender, address: own ? '' : h.address, own,
        text: typeof h.content === 'string' ? h.content : '', sent: isDate(h.sent) ? h.sent : this.#now(),
        state: own ? state : null, read: !own && state === 'read', reactions: new Map(),
      };
      if (h.additionalContent !== undefined) m.additionalContent = h.additionalContent;
      this.#messages.set(m.id, m);
      fresh.push(m);
    }
    if (fresh.length === 0) return 0;
    this.#entries.unshift(...fresh);
    this.#changed();
    return fresh.length;
  }

  /** The server's missed-call event: a line "missed call from `from`", once per call. */
  addMissedCall(sid: string, from: string, at: unknown): boolean {
    if (!sid || this.#calls.has(sid)) return false;
    this.#calls.add(sid);
    this.#push({ kind: 'missed', id: `missed-${sid}`, at: isDate(at) ? at : this.#now(), uid: from });
    return true;
  }

  /** The id of the oldest message shown ('' when none): where the next older page starts. */
  get oldest(): string {
    for (const e of this.#entries) if (e.kind === 'message') return e.id;
    return '';
  }

  /**
   * An `ack` for message `mid`: moves an own message forward (never back) to the state the ack
   * proves. Returns true when the state changed.
   */
  acknowledge(mid: unknown, type: unknown): boolean {
    const m = typeof mid === 'string' ? this.#messages.get(mid) : undefined;
    const next = typeof type === 'string' ? ACK_TO_STATE[type] : undefined;
    if (!m || !m.own || !next || rank(next) <= rank(m.state!)) return false;
    m.state = next;
    this.#changed();
    return true;
  }

  /** Marks received message `id` read; true only the first time (the caller then sends the receipt). */
  markRead(id: string): boolean {
    const m = this.#messages.get(id);
    if (!m || m.own || m.read) return false;
    m.read = true;
    this.#changed();
    return true;
  }

  // ---- reactions -----------------------------------------------------------------------------

  /** `by` reacts to `mid` with `reaction`, replacing their previous one; "" removes it. True when something changed. */
  react(mid: unknown, by: string, reaction: unknown): boolean {
    const m = typeof mid === 'string' ? this.#messages.get(mid) : undefined;
    if (!m || typeof reaction !== 'string' || reaction.length > 64) return false;
    const previous = this.reactionOf(m.id, by);
    if (previous === reaction) return false;
    if (previous) {
      const set = m.reactions.get(previous)!;
      set.delete(by);
      if (set.size === 0) m.reactions.delete(previous);
    }
    if (reaction) {
      const set = m.reactions.get(reaction) ?? new Set<string>();
      set.add(by);
      m.reactions.set(reaction, set);
    }
    this.#changed();
    return true;
  }

  /** The reaction of `uid` to `mid` ('' when none). */
  reactionOf(mid: string, uid: string): string {
    const m = this.#messages.get(mid);
    if (m) for (const [reaction, set] of m.reactions) if (set.has(uid)) return reaction;
    return '';
  }

  // ---- rooms ---------------------------------------------------------------------------------

  /** The members listed when joining (no line: they were there before us). */
  setMembers(members: unknown): void {
    if (!Array.isArray(members)) return;
    for (const m of members) {
      if (!m || typeof m !== 'object' || typeof m.uid !== 'string' || !m.uid) continue;
      this.#members.add(m.uid);
      if (typeof m.dn === 'string') this.learn(m.uid, m.dn);
    }
    this.#changed();
  }

  /** `member` joined (true) or left (false): a system line, and the name is learned. */
  memberEvent(member: unknown, joined: boolean): boolean {
    const m = member as Member | null;
    if (!m || typeof m !== 'object' || typeof m.uid !== 'string' || !m.uid) return false;
    this.learn(m.uid, m.dn);
    if (joined) this.#members.add(m.uid);
    else this.#members.delete(m.uid);
    this.#push({ kind: joined ? 'joined' : 'left', id: `${joined ? 'joined' : 'left'}-${++this.#seq}`, at: this.#now(), uid: m.uid });
    return true;
  }

  /** The ticket of a finished call with this conversation's peer: a line with its outcome (once per call). */
  addCall(ticket: Ticket): boolean {
    // Shown, or known from the server's missed-call event; the half of a glare that was retracted
    // is no call line (the other call is the one that happened).
    if (this.#calls.has(ticket.sid) || ticket.endedReason === 'glare') return false;
    this.#calls.add(ticket.sid);
    this.#push({ kind: 'call', id: `call-${ticket.sid}`, at: isDate(ticket.endedAt) ? ticket.endedAt : this.#now(), ticket });
    return true;
  }

  #push(entry: Entry) {
    if (entry.kind === 'message') this.#messages.set(entry.id, entry);
    this.#entries.push(entry);
    this.#changed();
  }

  #changed() { this.#onChange(); }
}

const rank = (state: DeliveryState) => DELIVERY_STATES.indexOf(state);

function snapshot(m: MessageState): ChatMessage {
  // defineProperty: a reaction named `__proto__` from the network stays a plain key.
  const reactions: Record<string, readonly string[]> = {};
  for (const [reaction, set] of m.reactions) Object.defineProperty(reactions, reaction, { value: Object.freeze([...set]), enumerable: true });
  return Object.freeze({ ...m, reactions: Object.freeze(reactions) });
}

/** Which of a call's outcomes a conversation line shows. */
export type CallOutcome = 'answered' | 'missed' | 'declined' | 'cancelled' | 'unreachable' | 'busy' | 'answered-elsewhere'
  | 'no-answer' | 'media-error' | 'connectivity-error';

/** The outcome of `ticket` from this side's point of view. */
export function callOutcome(ticket: Ticket): CallOutcome {
  if (ticket.activeAt) return 'answered';
  const incoming = ticket.direction === 'incoming';
  const why = ticket.endedReason;
  // The server retracts the call from this user's other devices once one of them answers.
  if (incoming && why === 'answered-elsewhere') return 'answered-elsewhere';
  if (why === 'timeout') return incoming ? 'missed' : 'no-answer';
  if (why === 'media-error' || why === 'connectivity-error') return why;
  switch (ticket.outcome) {
    case 'declined':
      return !incoming && why === 'busy' ? 'busy' : 'declined';
    case 'unreachable':
      return incoming ? 'missed' : 'unreachable';
    default: // retracted, or terminated before media: nobody talked
      return incoming ? 'missed' : 'cancelled';
  }
}

/** The other party of a ticket. */
export const peerOf = (ticket: Ticket): string => ticket.peer;
