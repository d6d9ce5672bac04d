// The embedded message store: one SQLite file (better-sqlite3, WAL). Writes (appends, receipts,
// deliveries) are queued and run in one transaction per event-loop turn, so a burst of messages
// costs one commit, and the relay of messages that are not stored never waits for the disk. Reads
// run the queue first, so they see every write made before them.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  STORED_STATES, StoreError, type Appended, type ExpireQuery, type MessageStore, type NewEntry, type PageQuery,
  type StoredEntry, type StoredState,
} from './store.ts';

export const DB_FILE = 'messages.db';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  conversation TEXT NOT NULL,
  sender TEXT NOT NULL,
  id TEXT NOT NULL,
  recipient TEXT NOT NULL,
  sent INTEGER NOT NULL,
  frame TEXT NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  delivered INTEGER NOT NULL,
  UNIQUE (sender, id)
);
CREATE INDEX IF NOT EXISTS entries_conversation ON entries (conversation, seq);
CREATE INDEX IF NOT EXISTS entries_pending ON entries (recipient, seq) WHERE delivered = 0;
CREATE INDEX IF NOT EXISTS entries_sent ON entries (sent);
`;

interface Row {
  seq: number; kind: StoredEntry['kind']; conversation: string; sender: string; id: string; recipient: string;
  sent: number; frame: string; state: number; delivered: number;
}

const toEntry = (r: Row): StoredEntry => ({
  seq: r.seq, kind: r.kind, conversation: r.conversation, sender: r.sender, id: r.id, recipient: r.recipient,
  sent: r.sent, frame: r.frame, state: STORED_STATES[r.state] ?? 'stored', delivered: r.delivered === 1,
});

interface Queued { what: string; run: () => unknown; resolve: (v: any) => void; reject: (e: Error) => void }

const failure = (what: string, e: unknown) => new StoreError(`Message store: ${what} failed: ${(e as Error)?.message ?? e}`);

export interface SqliteStoreOptions {
  /** Folder of the database file (created when missing). */
  dir: string;
  /** ms to wait for a lock held by another connection to the file before failing (default 100). */
  busyTimeout?: number;
}

export class SqliteStore implements MessageStore {
  readonly file: string;
  readonly #db: Database.Database;
  #queue: Queued[] = [];
  #scheduled = false;
  readonly #insert: Database.Statement;
  readonly #byKey: Database.Statement;
  readonly #setState: Database.Statement;
  readonly #markDelivered: Database.Statement;
  readonly #pending: Database.Statement;
  readonly #writeBatch: (batch: Queued[]) => unknown[];

  constructor(options: SqliteStoreOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.file = join(options.dir, DB_FILE);
    this.#db = new Database(this.file, { timeout: options.busyTimeout ?? 100 });
    this.#db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a process crash (SIGKILL); only a power loss may lose the last ones.
    this.#db.pragma('synchronous = NORMAL');
    this.#db.exec(SCHEMA);
    this.#insert = this.#db.prepare(`INSERT INTO entries (kind, conversation, sender, id, recipient, sent, frame, delivered)
      VALUES (@kind, @conversation, @sender, @id, @recipient, @sent, @frame, @delivered) ON CONFLICT (sender, id) DO NOTHING`);
    this.#byKey = this.#db.prepare('SELECT * FROM entries WHERE sender = ? AND id = ?');
    this.#setState = this.#db.prepare('UPDATE entries SET state = ?, delivered = ? WHERE seq = ?');
    this.#markDelivered = this.#db.prepare('UPDATE entries SET delivered = 1 WHERE seq = ? AND recipient = ?');
    // Prepared once: every hello reads it, and a statement prepared per call holds its native memory until a GC.
    this.#pending = this.#db.prepare('SELECT * FROM entries WHERE recipient = ? AND delivered = 0 ORDER BY seq LIMIT ?');
    this.#writeBatch = this.#db.transaction((batch: Queued[]) => batch.map((q) => q.run()));
  }

  /** Queues a write for the transaction of this event-loop turn. */
  #write<T>(what: string, run: () => T): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ what, run, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  /** Runs the queued writes in one transaction; settles their promises (all fail together). */
  #flush() {
    this.#scheduled = false;
    const batch = this.#queue;
    if (!batch.length) return;
    this.#queue = [];
    let out: unknown[];
    try {
      out = this.#writeBatch(batch);
    } catch (e) {
      for (const q of batch) q.reject(failure(q.what, e));
      return;
    }
    batch.forEach((q, i) => q.resolve(out[i]));
  }

  append(entry: NewEntry): Promise<Appended> {
    return this.#write('append', () => {
      const delivered = entry.recipient ? 0 : 1;
      const info = this.#insert.run({ ...entry, delivered });
      if (info.changes === 0) return { entry: toEntry(this.#byKey.get(entry.sender, entry.id) as Row), duplicate: true };
      return { entry: { ...entry, seq: Number(info.lastInsertRowid), state: 'stored' as const, delivered: delivered === 1 }, duplicate: false };
    });
  }

  /** Runs a read (or the retention job) after the queued writes, as a promise. */
  #run<T>(what: string, fn: () => T): Promise<T> {
    this.#flush();
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(failure(what, e));
    }
  }

  page(conversation: string, query: PageQuery): Promise<StoredEntry[]> {
    return this.#run('history', () => {
      const b = query.before;
      let rows: Row[];
      if (b && 'id' in b) {
        const at = this.#db.prepare('SELECT MAX(seq) AS seq FROM entries WHERE conversation = ? AND id = ?').get(conversation, b.id) as { seq: number | null };
        if (at.seq === null) return [];
        rows = this.#db.prepare(`SELECT * FROM entries WHERE conversation = ? AND kind != 'receipt' AND seq < ? ORDER BY seq DESC LIMIT ?`)
          .all(conversation, at.seq, query.limit) as Row[];
      } else if (b) {
        rows = this.#db.prepare(`SELECT * FROM entries WHERE conversation = ? AND kind != 'receipt' AND sent < ? ORDER BY seq DESC LIMIT ?`)
          .all(conversation, b.time, query.limit) as Row[];
      } else {
        rows = this.#db.prepare(`SELECT * FROM entries WHERE conversation = ? AND kind != 'receipt' ORDER BY seq DESC LIMIT ?`)
          .all(conversation, query.limit) as Row[];
      }
      return rows.reverse().map(toEntry);
    });
  }

  pending(uid: string, limit: number): Promise<StoredEntry[]> {
    return this.#run('pending', () => (this.#pending.all(uid, limit) as Row[]).map(toEntry));
  }

  markDelivered(recipient: string, seqs: readonly number[]): Promise<void> {
    return this.#write('delivery', () => { for (const s of seqs) this.#markDelivered.run(s, recipient); });
  }

  setState(sender: string, id: string, state: StoredState, recipient?: string): Promise<StoredEntry | undefined> {
    return this.#write('receipt', () => {
      const row = this.#byKey.get(sender, id) as Row | undefined;
      if (!row || row.kind !== 'message' || (recipient !== undefined && row.recipient !== recipient)) return undefined;
      const n = Math.max(row.state, STORED_STATES.indexOf(state));
      const delivered = row.delivered || (n > 0 ? 1 : 0);
      if (n !== row.state || delivered !== row.delivered) this.#setState.run(n, delivered, row.seq);
      return toEntry({ ...row, state: n, delivered });
    });
  }

  expire(query: ExpireQuery): Promise<number> {
    return this.#run('retention', () => {
      let left = query.limit;
      left -= this.#db.prepare('DELETE FROM entries WHERE seq IN (SELECT seq FROM entries WHERE sent < ? LIMIT ?)').run(query.olderThan, left).changes;
      if (left <= 0) return query.limit;
      const over = this.#db.prepare('SELECT conversation, COUNT(*) AS n FROM entries GROUP BY conversation HAVING n > ? LIMIT 100')
        .all(query.maxPerConversation) as { conversation: string; n: number }[];
      const trim = this.#db.prepare('DELETE FROM entries WHERE seq IN (SELECT seq FROM entries WHERE conversation = ? ORDER BY seq LIMIT ?)');
      for (const { conversation, n } of over) {
        if (left <= 0) break;
        left -= trim.run(conversation, Math.min(left, n - query.maxPerConversation)).changes;
      }
      return query.limit - left;
    });
  }

  close(): Promise<void> {
    this.#flush();
    this.#db.close();
    return Promise.resolve();
  }
}
