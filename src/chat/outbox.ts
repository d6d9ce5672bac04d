// The outbox: own text and custom messages until the server says it stored them (`server-received`
// for their id). A message is sent only while the client is registered; after a reconnection every
// pending one is sent again, with the same id and in the order written (the server stores a
// (sender, id) once). A message the server refuses, or that got no ack `ackTimeout` ms after it went
// out on an open connection, is failed; retry() puts it back in line, still with its id.
//
// Also here: the ids already delivered to the application, so that a message the server delivers
// again (its `received` was lost with a connection) reaches the application once.
import type { JsongleMessage } from '../protocol/messages.ts';

export type OutboxState = 'pending' | 'failed';

interface Entry { message: JsongleMessage; state: OutboxState; timer?: ReturnType<typeof setTimeout> }

export interface OutboxOptions {
  /** Puts a message on the wire. */
  send(message: JsongleMessage): void;
  /** A message failed (no ack in time, or refused). */
  failed(message: JsongleMessage, why: { code?: number; details: string }): void;
  /** ms without `server-received` after sending on an open connection before the message fails (default 10000). */
  ackTimeout?: number;
}

export class Outbox {
  readonly #entries = new Map<string, Entry>();
  readonly #options: OutboxOptions;
  #online = false;

  constructor(options: OutboxOptions) {
    this.#options = options;
  }

  /** Ids of the messages not yet acknowledged by the server, in the order written. */
  get pending(): string[] { return [...this.#entries].filter(([, e]) => e.state === 'pending').map(([id]) => id); }
  get failed(): string[] { return [...this.#entries].filter(([, e]) => e.state === 'failed').map(([id]) => id); }
  has(id: string) { return this.#entries.has(id); }
  state(id: string): OutboxState | undefined { return this.#entries.get(id)?.state; }

  /** A new own message: sent now when online, else when the client is registered again. */
  add(message: JsongleMessage) {
    const entry: Entry = { message, state: 'pending' };
    this.#entries.set(message.id, entry);
    if (this.#online) this.#transmit(entry);
  }

  /** The client is registered (again): every pending message goes out, in order. */
  online() {
    this.#online = true;
    for (const e of this.#entries.values()) if (e.state === 'pending') this.#transmit(e);
  }

  /** The connection is gone: nothing can be acknowledged now, so no timer runs. */
  offline() {
    this.#online = false;
    for (const e of this.#entries.values()) this.#stop(e);
  }

  /** `server-received` for `id`: stored, done. Returns true when it was ours. */
  acknowledged(id: string): boolean {
    const e = this.#entries.get(id);
    if (!e) return false;
    this.#stop(e);
    this.#entries.delete(id);
    return true;
  }

  /** The server refused message `id`. Returns true when it was a pending message of ours. */
  refused(id: string, code: number | undefined, details: string): boolean {
    const e = this.#entries.get(id);
    if (!e || e.state !== 'pending') return false;
    this.#fail(e, { code, details });
    return true;
  }

  /** Puts failed message `id` back in line (same id). Returns false when no failed message has it. */
  retry(id: string): boolean {
    const e = this.#entries.get(id);
    if (!e || e.state !== 'failed') return false;
    // Last in line: it is sent after what is already pending, like a new message.
    this.#entries.delete(id);
    this.#entries.set(id, e);
    e.state = 'pending';
    if (this.#online) this.#transmit(e);
    return true;
  }

  /** Forgets everything (the client closed). */
  clear() {
    for (const e of this.#entries.values()) this.#stop(e);
    this.#entries.clear();
  }

  #transmit(e: Entry) {
    this.#stop(e);
    const ms = this.#options.ackTimeout ?? 10_000;
    e.timer = setTimeout(() => this.#fail(e, { details: `No acknowledgement from the server within ${ms} ms` }), ms);
    try {
      this.#options.send(e.message);
    } catch (error) {
      this.#fail(e, { details: (error as Error)?.message ?? String(error) });
    }
  }

  #fail(e: Entry, why: { code?: number; details: string }) {
    this.#stop(e);
    e.state = 'failed';
    this.#options.failed(e.message, why);
  }

  #stop(e: Entry) {
    if (e.timer !== undefined) clearTimeout(e.timer);
    e.timer = undefined;
  }
}

/** The last `max` keys seen: has() answers whether a key was seen, add() records one. */
export class SeenIds {
  readonly #ids = new Set<string>();
  constructor(readonly max = 10_000) {}
  /** Records `key`; returns false when it was seen already. */
  add(key: string): boolean {
    if (this.#ids.has(key)) return false;
    this.#ids.add(key);
    if (this.#ids.size > this.max) this.#ids.delete(this.#ids.values().next().value as string);
    return true;
  }
}
