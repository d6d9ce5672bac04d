// History paging for a conversation, DOM-free: the last page when the conversation opens, then
// older pages on demand (the element asks when the person scrolls to the top). It reads the
// server's `iq-get history` answers into the conversation model; one request at a time.
import type { JSONgle } from '../client.ts';
import type { Conversation, HistoryItem } from './conversation.ts';

export const HISTORY_PAGE = 50;

/** Which conversation: `{ with: uid }` or `{ rid }`. */
export type HistoryTarget = { with: string } | { rid: string };

/** The server's history message (a stored frame + `state` + `sender`) → a conversation item; null when it is not one. */
export function historyItem(m: any, target: HistoryTarget): HistoryItem | null {
  if (!m || typeof m !== 'object' || typeof m.id !== 'string' || !m.jsongle || typeof m.jsongle !== 'object') return null;
  const j = m.jsongle;
  const sender = typeof m.sender === 'string' ? m.sender : typeof m.from === 'string' ? m.from : '';
  if (!sender) return null;
  if (j.action === 'session-event' && j.event === 'missed-call') {
    const sid = j.description?.sid;
    return typeof sid === 'string' ? { kind: 'missed', sid, sender, sent: j.description?.ended } : null;
  }
  if (j.action !== 'session-text') return null;
  const d = j.description ?? {};
  const address = 'with' in target ? sender : typeof m.from === 'string' ? m.from : sender;
  return { kind: 'message', id: m.id, sender, address, content: d.content, additionalContent: d.additionalContent, sent: d.sent, state: String(m.state ?? '') };
}

export class HistoryPager {
  #loading = false;
  #more = true;
  #loaded = false;

  constructor(
    private readonly conversation: Conversation,
    private readonly target: HistoryTarget,
    private readonly onChange: () => void = () => {},
  ) {}

  /** A request is on its way. */
  get loading() { return this.#loading; }
  /** Older pages may exist (false once a page came back short). */
  get more() { return this.#more; }
  /** The first page came. */
  get loaded() { return this.#loaded; }

  /** The latest page (once per conversation; again after a failure). Resolves with how many entries were added. */
  latest(client: JSONgle): Promise<number> {
    if (this.#loaded) return Promise.resolve(0);
    return this.#load(client, undefined);
  }

  /** The page before the oldest message shown. */
  older(client: JSONgle): Promise<number> {
    if (!this.#loaded || !this.#more) return Promise.resolve(0);
    const before = this.conversation.oldest;
    return before ? this.#load(client, before) : Promise.resolve(0);
  }

  async #load(client: JSONgle, before: string | undefined): Promise<number> {
    if (this.#loading) return 0;
    this.#loading = true;
    this.onChange();
    try {
      const page = await client.history({ ...this.target, ...(before ? { before } : {}), limit: HISTORY_PAGE });
      const items = page.messages.map((m) => historyItem(m, this.target)).filter((x): x is HistoryItem => x !== null);
      this.#loaded = true;
      this.#more = page.more;
      return this.conversation.addHistory(items, client.id);
    } finally {
      this.#loading = false;
      this.onChange();
    }
  }
}
