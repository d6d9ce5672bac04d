// The message store: what the server keeps so that a message is never lost (store-and-forward),
// and what it answers history requests from. Handlers see it only through `MessageStore`, so a
// second backend (Redis, for several nodes) replaces the embedded one (SQLite) without touching them.
//
// The store keeps *entries*. Each is one JSONgle frame, serialized exactly as it is delivered, plus
// the few columns the server queries by:
// - `message`: a `session-text` or `session-custom`, in a 1:1 conversation or in a room. It has a
//   delivery state (`stored` → `received` → `read`) that history reports.
// - `receipt`: a `received` / `read` ack for a sender that was offline when it was sent.
// - `call`: a call the recipient missed (a propose that ended unanswered), shown like a message.
//
// An entry with a `recipient` is *pending* for that user until it is marked delivered: that is the
// queue a user gets on its next hello. Room messages have no recipient: members who are online get
// them live, anyone else asks for history.
//
// Every method returns a promise so that a backend across the network fits. The server never awaits
// a store call on the path of a message that is not stored (call signaling).

/** The delivery state of a stored message, in order; it only moves forward. */
export type StoredState = 'stored' | 'received' | 'read';
export const STORED_STATES: readonly StoredState[] = ['stored', 'received', 'read'];

export type EntryKind = 'message' | 'receipt' | 'call';

/** The conversation key of a 1:1 conversation: the same whichever of the two users asks. */
export const directConversation = (a: string, b: string) => (a < b ? `u:${a}\n${b}` : `u:${b}\n${a}`);
/** The conversation key of a room (1:1 room or multi-user room). */
export const roomConversation = (rid: string) => `r:${rid}`;

/** What the server hands to `append`. */
export interface NewEntry {
  readonly kind: EntryKind;
  /** Conversation key (`directConversation` / `roomConversation`). */
  readonly conversation: string;
  /** The uid of the author (for a missed call: the caller; for a receipt: who acknowledged). */
  readonly sender: string;
  /** The JSONgle message id; unique per sender (see `append`). */
  readonly id: string;
  /** The user it is pending for, or '' (room messages: never pending). */
  readonly recipient: string;
  /** When it was sent, ms since the epoch (the message's `description.sent`): history's `before` and retention use it. */
  readonly sent: number;
  /** The frame as delivered (JSON). */
  readonly frame: string;
}

export interface StoredEntry extends NewEntry {
  /** Store-wide sequence number: strictly increasing in the order entries were appended. */
  readonly seq: number;
  /** Delivery state (meaningful for `message` entries; 'stored' for the others). */
  readonly state: StoredState;
  /** Marked delivered to its recipient (always true when there is no recipient). */
  readonly delivered: boolean;
}

export interface Appended {
  readonly entry: StoredEntry;
  /** An entry with the same (sender, id) was stored before: nothing was written, `entry` is that one. */
  readonly duplicate: boolean;
}

export interface PageQuery {
  /** Entries strictly before this one: a message id in the conversation, or a time (ms since the epoch). */
  readonly before?: { readonly id: string } | { readonly time: number };
  /** At most this many (the server bounds it: default 50, at most 200). */
  readonly limit: number;
}

export interface ExpireQuery {
  /** Entries sent before this time (ms since the epoch) are deleted. */
  readonly olderThan: number;
  /** A conversation keeps at most this many entries (the newest). */
  readonly maxPerConversation: number;
  /** Delete at most this many entries in this call, so that one run never holds the store long. */
  readonly limit: number;
}

/** Why a store call failed: the server answers 503001 and keeps serving. */
export class StoreError extends Error {
  override name = 'StoreError';
}

export interface MessageStore {
  /**
   * Stores one entry. Resolves once it is durable (the server then acks `server-received`: "stored").
   * Idempotent on (sender, id): a second append of the same pair writes nothing and resolves with the
   * first entry and `duplicate: true` (a client resends after a reconnect with the same id).
   * Entries appended one after another get increasing `seq`s in that order, and their promises settle
   * in that order, even when the backend batches several appends into one write (the server delivers
   * a message when its append resolves: this keeps each sender's order). Rejects with a StoreError
   * when it cannot store.
   */
  append(entry: NewEntry): Promise<Appended>;

  /**
   * One page of a conversation's history (`message` and `call` entries; never receipts), in `seq`
   * order, newest last: the `limit` newest entries before `before` (or the newest when absent).
   * An unknown `before` id gives an empty page.
   */
  page(conversation: string, query: PageQuery): Promise<StoredEntry[]>;

  /** Entries pending for `uid` (not marked delivered), oldest first (`seq` order), at most `limit`. */
  pending(uid: string, limit: number): Promise<StoredEntry[]>;

  /**
   * Marks entries of `recipient` delivered, so `pending` no longer lists them. Unknown seqs and
   * entries already delivered are ignored (idempotent).
   */
  markDelivered(recipient: string, seqs: readonly number[]): Promise<void>;

  /**
   * Moves the delivery state of the message (sender, id) forward to `state` (never back), and for
   * `received` or `read` also marks it delivered to its recipient. Resolves with the entry as it now
   * is, or undefined when no such message is stored. With `recipient`, only a message pending for that
   * user is changed (a receipt counts only from the one the message was for).
   */
  setState(sender: string, id: string, state: StoredState, recipient?: string): Promise<StoredEntry | undefined>;

  /** Deletes expired entries (bounded by `limit`); resolves with how many were deleted. */
  expire(query: ExpireQuery): Promise<number>;

  /** Writes what is pending and releases the store. */
  close(): Promise<void>;
}
