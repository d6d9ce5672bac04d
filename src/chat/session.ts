// One conversation over a JSONgle client, DOM-free: the room protocol (join when registered, join
// again after a reconnection, leave when done), who wrote what (author naming from `from`
// addresses), receipts, reactions, typing, failed messages and retry, history paging. The element
// (components/chat/chat.ts) renders its `conversation` and calls its methods; Node tests drive it.
import type { Ticket } from '../call/ticket.ts';
import type { JSONgle } from '../client.ts';
import { JsongleError } from '../errors.ts';
import type { CustomBody, EventBody, HelloBody, JsongleMessage, TextBody } from '../protocol/messages.ts';
import type { TransportState } from '../transport/transport.ts';
import { Conversation, type ChatMessage } from './conversation.ts';
import { HistoryPager, type HistoryTarget } from './history.ts';

/** Where the conversation goes: a user (1:1), a 1:1 room, or a multi-user room. */
export interface ChatTarget { to: string; kind: 'user' | 'room' | 'muc' }

export interface ChatSessionEvents {
  /** Anything shown changed (entries, states, members, connection, loading). */
  change(): void;
  /** A message of this conversation was received. */
  message(message: ChatMessage): void;
  /** Custom JSON of this conversation was received (not shown). */
  data(detail: { content: unknown; from: string; id: string }): void;
  /** The room was joined, or someone joined or left it. */
  members(): void;
  /** An own message was not sent. */
  failed(message: ChatMessage, error: JsongleError): void;
  /** Joining, a history page or a send failed. */
  error(error: JsongleError): void;
  /** Ready to send again (the connection is open, and the room joined). */
  ready(): void;
}

const asError = (e: unknown) => (e instanceof JsongleError ? e : new JsongleError('invalid-state', String((e as Error)?.message ?? e)));

export class ChatSession {
  #conversation: Conversation;
  #history: HistoryPager | null = null;
  #target: ChatTarget | null = null;
  #client: JSONgle | null = null;
  #unsubscribe: (() => void) | null = null;
  /** The room joined with the current client, and the one being joined. */
  #joined = '';
  #joining = '';
  readonly #on: ChatSessionEvents;

  constructor(on: ChatSessionEvents) {
    this.#on = on;
    this.#conversation = this.#newConversation();
  }

  get conversation(): Conversation { return this.#conversation; }
  get target(): ChatTarget | null { return this.#target; }
  get client(): JSONgle | null { return this.#client; }
  /** The room is joined (false for a 1:1 conversation with a user). */
  get joined(): boolean { return !!this.#target && this.#target.kind !== 'user' && this.#joined === this.#target.to; }
  /**
   * The authors composing in this conversation now, in the order they started: read from the
   * client's record of who is typing (`client.typing`), the one place that keeps and expires it.
   */
  get composing(): string[] {
    const client = this.#client;
    if (!client) return [];
    const authors = new Set<string>();
    for (const address of client.typing) {
      const author = this.author(address);
      if (author !== null && author !== client.id) authors.add(author);
    }
    return [...authors];
  }
  /** A history page is on its way. */
  get loading(): boolean { return this.#history?.loading ?? false; }
  /** Ready to send: connected, and in the room when there is one. */
  get ready(): boolean {
    const client = this.#client;
    const target = this.#target;
    return !!client && !!target && client.transport.state === 'open' && (target.kind === 'user' || this.#joined === target.to);
  }

  /** Shows another conversation (a new model; the old room is left). Returns true when it changed. */
  setTarget(target: ChatTarget | null): boolean {
    const key = (t: ChatTarget | null) => (t ? `${t.kind}:${t.to}` : '');
    if (key(target) === key(this.#target)) return false;
    this.#target = target ? { ...target } : null;
    const client = this.#client;
    if (client && this.#joined) this.#leave(client, this.#joined);
    this.#joined = '';
    this.#joining = '';
    this.#conversation = this.#newConversation();
    this.#history = null;
    if (client) this.#start(client);
    return true;
  }

  /** Uses `client` (null: none, e.g. the element left the page). */
  setClient(client: JSONgle | null) {
    const previous = this.#client;
    if (client === previous) return;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#client = client;
    if (previous && this.#joined) {
      const rid = this.#joined;
      if (client) {
        this.#joined = '';
        this.#leave(previous, rid);
      } else {
        // Detached: a move in the DOM comes back at once with the same client; a removal leaves.
        void Promise.resolve().then(() => {
          if (this.#client === previous || this.#joined !== rid) return;
          this.#joined = '';
          this.#leave(previous, rid);
        });
      }
    }
    if (!client) return this.#on.change();
    if (previous) this.#joining = ''; // a request in flight with the previous client leaves by itself
    const listeners = {
      messagereceived: (body: TextBody, from: string, id: string) => this.#onText(body, from, id),
      datareceived: (body: CustomBody, from: string, id: string) => this.#onData(body, from, id),
      event: (event: EventBody | HelloBody, from: string) => this.#onEvent(event, from),
      ticket: (ticket: Ticket) => this.#onTicket(ticket),
      connectionstatechanged: (state: TransportState) => this.#onState(client, state),
      registered: () => this.#start(client),
      messagefailed: (message: JsongleMessage, error: JsongleError) => this.#onFailed(message, error),
    };
    for (const [event, fn] of Object.entries(listeners)) client.on(event as any, fn as any);
    this.#unsubscribe = () => { for (const [event, fn] of Object.entries(listeners)) client.off(event as any, fn as any); };
    this.#start(client);
    this.#on.change();
  }

  /** The author (a uid) of something received from `address`, or null when it is not of this conversation. */
  author(address: string): string | null {
    const target = this.#target;
    if (!target || typeof address !== 'string') return null;
    switch (target.kind) {
      case 'user': return address === target.to ? address : null;
      // A 1:1 room stands for the other member.
      case 'room': return address === target.to ? (this.#conversation.members[0] ?? address) : null;
      case 'muc': return address.startsWith(`${target.to}/`) && address.length > target.to.length + 1 ? address.slice(target.to.length + 1) : null;
    }
  }

  // ---- sending -------------------------------------------------------------------------------

  /** Sends a text (own line `sending` at once); returns its id. Throws what the client throws. */
  send(text: string, additionalContent?: unknown): string {
    const { client, target } = this.#need();
    const id = target.kind === 'muc' ? client.sendMuc(target.to, text, additionalContent) : client.send(target.to, text, additionalContent);
    this.#conversation.addOwn(id, client.id, text, additionalContent);
    return id;
  }

  sendJSON(content: unknown): string {
    const { client, target } = this.#need();
    return target.kind === 'muc' ? client.sendJSONMUC(target.to, content) : client.sendJSON(target.to, content);
  }

  /** Sends failed message `id` again (same id). False when it is not a failed message. */
  retry(id: string): boolean {
    const client = this.#client;
    if (!client || this.#conversation.message(id)?.state !== 'failed') return false;
    try {
      client.retry(id);
    } catch (e) {
      this.#on.error(asError(e));
      return false;
    }
    return this.#conversation.retrying(id);
  }

  /** The person saw received message `id`: its read receipt goes, once. True when it was sent now. */
  markRead(id: string): boolean {
    const client = this.#client;
    const target = this.#target;
    const m = this.#conversation.message(id);
    if (!client || !target || !m || m.own || m.read) return false;
    try {
      // To the room id: the only address the reference server routes inside a multi-user room.
      if (target.kind === 'muc') client.sendAReadAcknowledgementMuc(id, target.to);
      else client.sendAReadAcknowledgement(id, m.address);
    } catch (e) {
      this.#on.error(asError(e));
      return false;
    }
    return this.#conversation.markRead(id);
  }

  /** Our reaction to `mid`: the same again removes it. */
  toggleReaction(mid: string, reaction: string) {
    const client = this.#client;
    const target = this.#target;
    if (!client || !target) return;
    const next = this.#conversation.reactionOf(mid, client.id) === reaction ? '' : reaction;
    try {
      if (target.kind === 'muc') client.reactToMessageMUC(mid, next, target.to);
      else client.reactToMessage(mid, next, target.to);
    } catch (e) {
      this.#on.error(asError(e));
      return;
    }
    this.#conversation.react(mid, client.id, next);
  }

  /** We are composing (true) or stopped (false). */
  typing(composing: boolean) {
    const client = this.#client;
    const target = this.#target;
    if (!client || !target) return;
    try {
      if (target.kind === 'muc') client.isTypingMuc(composing, target.to);
      else client.isTyping(composing, target.to);
    } catch (e) {
      this.#on.error(asError(e));
    }
  }

  // ---- history -------------------------------------------------------------------------------

  /** The page before the oldest message shown; resolves with how many entries came. */
  older(): Promise<number> {
    const client = this.#client;
    const pager = this.#history;
    if (!client || !pager || !pager.loaded || !pager.more || pager.loading) return Promise.resolve(0);
    return pager.older(client).catch((e) => { this.#historyFailed(client, e); return 0; });
  }

  /** Whether older pages may exist and none is loading. */
  get canLoadOlder(): boolean { return !!this.#history && this.#history.loaded && this.#history.more && !this.#history.loading; }

  /** Leaves the room and unsubscribes. */
  dispose() {
    this.setClient(null);
  }

  // ---- inside --------------------------------------------------------------------------------

  #newConversation() { return new Conversation({ onChange: () => this.#on.change() }); }

  #need(): { client: JSONgle; target: ChatTarget } {
    if (!this.#client) throw new JsongleError('invalid-state', 'No JSONgle client: set `client`, `connection`, or put the element in a <jsongle-connection>');
    if (!this.#target) throw new JsongleError('invalid-state', 'Nobody to talk to: set `with` or `room`');
    return { client: this.#client, target: this.#target };
  }

  /** Joins the room and loads the last page, as far as the client allows now. */
  #start(client: JSONgle) {
    this.#join(client);
    this.#loadHistory(client);
  }

  #onState(client: JSONgle, state: TransportState) {
    if (state !== 'open') {
      // A new connection is a new member for the server: join again once it is back.
      this.#joined = '';
      this.#joining = '';
      this.#on.change();
      return;
    }
    this.#start(client);
    this.#on.change();
    if (this.ready) this.#on.ready();
  }

  #join(client: JSONgle) {
    const target = this.#target;
    if (!target || target.kind === 'user') return;
    const rid = target.to;
    // Rooms live on a server: wait for the handshake (`registered`) and an open transport.
    if (!client.registered || !client.server || client.transport.state !== 'open') return;
    if (this.#joined === rid || this.#joining === rid) return;
    this.#joining = rid;
    const query = target.kind === 'muc' ? 'muc-join' : 'session-join';
    let request: Promise<any>;
    try {
      request = client.request(client.server, query, { rid });
    } catch (e) {
      this.#joining = '';
      this.#on.error(asError(e));
      return;
    }
    request.then((result) => {
      if (this.#client !== client || this.#target?.to !== rid || this.#joining !== rid) {
        // Moved on meanwhile: do not stay in a room nobody shows.
        if (this.#client !== client || this.#target?.to !== rid) this.#leave(client, rid);
        return;
      }
      this.#joining = '';
      this.#joined = rid;
      this.#conversation.setMembers(result?.members);
      this.#loadHistory(client);
      this.#on.members();
      this.#on.change();
      this.#on.ready();
    }, (error) => {
      if (this.#joining === rid) this.#joining = '';
      if (this.#client === client) this.#on.error(asError(error));
    });
  }

  #leave(client: JSONgle, rid: string) {
    if (!client.server || client.transport.state === 'closed') return;
    try {
      client.request(client.server, 'session-leave', { rid }).catch(() => {});
    } catch { /* the transport is gone: the server forgets the connection anyway */ }
  }

  /** The last page, once a server knows us (and we are in the room). */
  #loadHistory(client: JSONgle) {
    const target = this.#target;
    if (!target || !client.registered || !client.server || (target.kind !== 'user' && this.#joined !== target.to)) return;
    const query: HistoryTarget = target.kind === 'user' ? { with: target.to } : { rid: target.to };
    this.#history ??= new HistoryPager(this.#conversation, query, () => this.#on.change());
    if (this.#history.loaded || this.#history.loading) return;
    this.#history.latest(client).catch((e) => this.#historyFailed(client, e));
  }

  #historyFailed(client: JSONgle, e: unknown) {
    // A server without history (the reference server answers 404001) is not an error worth showing.
    if (this.#client === client && (e as JsongleError)?.detail?.errorCode !== 404001) this.#on.error(asError(e));
  }

  #onFailed(message: JsongleMessage, error: JsongleError) {
    if (!this.#conversation.fail(message.id)) return;
    const m = this.#conversation.message(message.id);
    if (m) this.#on.failed(m, error);
  }

  #onText(body: TextBody, address: string, id: string) {
    const author = this.author(address);
    if (author === null) return;
    const message = this.#conversation.addIncoming(id, author, address, body?.description ?? {});
    if (message) this.#on.message(message);
  }

  #onData(body: CustomBody, address: string, id: string) {
    const author = this.author(address);
    if (author !== null) this.#on.data({ content: body?.description?.content, from: author, id });
  }

  #onEvent(event: EventBody | HelloBody, address: string) {
    if (event.action !== 'session-event') return;
    const d = (event.description ?? {}) as Record<string, unknown>;
    switch (event.event) {
      case 'ack':
        // `mid` is the id of one of our messages; whoever proves its progress (server or member) counts.
        this.#conversation.acknowledge(d.mid, d.type);
        return;
      case 'missed-call': {
        const author = this.author(address);
        if (author !== null && typeof d.sid === 'string') this.#conversation.addMissedCall(d.sid, author, d.ended);
        return;
      }
      case 'typing':
        // The client's record changed for `address` (see `composing`).
        if (this.author(address) !== null) this.#on.change();
        return;
      case 'reaction': {
        const author = this.author(address);
        if (author !== null) this.#conversation.react(d.mid, author, d.type);
        return;
      }
      case 'joined':
      case 'left': {
        const target = this.#target;
        const room = target && target.kind !== 'user' ? target.to : '';
        if (!room || (d.rid !== room && !(d.rid === undefined && address === room))) return;
        if (this.#conversation.memberEvent(d.member, event.event === 'joined')) this.#on.members();
      }
    }
  }

  #onTicket(ticket: Ticket) {
    const target = this.#target;
    if (!target || !ticket || (ticket.peer !== target.to && ticket.initiator !== target.to && ticket.responder !== target.to)) return;
    this.#conversation.addCall(ticket);
  }
}
