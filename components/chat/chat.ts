import { html, nothing, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { Ticket } from '../../src/call/ticket.ts';
import {
  Conversation, callOutcome, peerOf, type ChatEntry, type ChatMessage, type SystemLine,
} from '../../src/chat/conversation.ts';
import type { JSONgle } from '../../src/client.ts';
import { HistoryPager, type HistoryTarget } from '../../src/chat/history.ts';
import { JsongleError } from '../../src/errors.ts';
import type { CustomBody, EventBody, HelloBody, JsongleMessage, TextBody } from '../../src/protocol/messages.ts';
import type { TransportState } from '../../src/transport/transport.ts';
import {
  JsongleDataEvent, JsongleErrorEvent, JsongleMembersChangeEvent, type RoomMember, JsongleMessageEvent, JsongleMessageFailedEvent, JsongleSendEvent, type SendDetail,
} from '../events.ts';
import { JsongleElement } from '../internal/base.ts';
import { ClientController, listen } from '../internal/client-controller.ts';
import { buttonStyles, hostStyles } from '../internal/styles.ts';
import type { TranslationKey } from '../translations/index.ts';
import { chatStyles } from './chat.styles.ts';
import { formatDuration } from '../internal/format.ts';

/** Where the conversation goes: a user (1:1), a 1:1 room, or a multi-user room. */
interface Target { to: string; kind: 'user' | 'room' | 'muc' }

const DEFAULT_REACTIONS = ['👍', '❤️', '😂', '😮', '😢'];
/** While the user keeps typing, `composing` is sent again this often, so peers' indicators do not expire. */
const COMPOSING_REFRESH = 10_000;
/** The log counts as scrolled to the end within this many pixels (new messages then keep it there). */
const END_SLACK = 24;

/**
 * @tag jsongle-chat
 * @summary A conversation in one tag: the messages with their sender, time and delivery state,
 * typing indicators, reactions, members joining and leaving a room, call outcomes, and a composer.
 *
 * `with="uid"` talks to one user; `room="rid"` joins a room (`session-join`, or `muc-join` with
 * `multi-user`) once the client is registered with a server, and leaves it when the element is
 * removed. Everything received is shown as text, never as markup. A received message is marked read
 * (a read receipt is sent, once) only when it is visible in the log while the page is visible.
 *
 * Own messages go through `sending` (handed to the client), `sent` (the server stored it:
 * `server-received`), `delivered` (`received`) and `read` (`read`), never backwards; without a
 * server the `sent` step does not happen. A message the server refuses or does not acknowledge in
 * time is `failed`: shown "Not sent" with a Retry button, which sends it again with the same id. A
 * message written while the connection is down stays in the composer and is sent once when the
 * connection is back.
 *
 * With a server, the element loads the last 50 messages of the conversation when it connects
 * (`iq-get history`, with their delivery states, so a reload shows the conversation as it was), and
 * older pages when the log is scrolled to the top ("Loading…" meanwhile, the scroll position kept).
 * A call missed while away (the server's missed-call event) shows as a line.
 *
 * @attr with - The user id of a 1:1 conversation.
 * @attr room - A room id: the element joins it, and leaves it when removed (wins over `with`).
 * @attr multi-user - `room` is a multi-user room (`muc-join`, namespace `muc`).
 * @attr connection - The id of the `<jsongle-connection>` to use, when it is not an ancestor.
 * @attr placeholder - The composer's placeholder (default: translated "Write a message…").
 * @attr readonly - Shows the conversation without composer nor reactions.
 * @attr typing-pause - Milliseconds without typing after which `active` is sent (default 3000).
 * @attr lang - The language of the texts (`en`, `fr`).
 *
 * @prop {JSONgle | null} client - The JSONgle client in use; set it to use a client built by the page.
 * @prop {readonly ChatMessage[]} messages - The messages, oldest first, as frozen snapshots (read-only).
 * @prop {Record<string, string>} names - Display names by user id, set by the page; they win over the names learned from the server.
 * @prop {RoomMember[]} members - The other members of the room (`{ uid, name }`), once joined (read-only).
 * @prop {string[]} reactionChoices - The reactions offered by the reaction picker.
 *
 * @fires {JsongleSendEvent} jsongle-send - `{ text, additionalContent }` before sending, cancelable; listeners may rewrite `text`.
 * @fires {JsongleMessageEvent} jsongle-message - `{ message }` for each message received in this conversation.
 * @fires {JsongleMessageFailedEvent} jsongle-message-failed - `{ message, error }`: an own message was not sent (refused, or no acknowledgement in time).
 * @fires {JsongleDataEvent} jsongle-data - `{ content, from, id }` for custom JSON (`session-custom`) received; not shown.
 * @fires {JsongleMembersChangeEvent} jsongle-members-change - `{ members }` when the room is joined and each time someone joins or leaves it.
 * @fires {JsongleErrorEvent} jsongle-error - `{ error }`: joining the room failed, the client refused to send…
 *
 * @csspart base - The whole element.
 * @csspart log - The scrolling message log (`role="log"`).
 * @csspart messages - The list of lines inside the log.
 * @csspart empty - The text shown while there is no message.
 * @csspart message - One message (with `message-own` or `message-other`).
 * @csspart message-own - A message of this side.
 * @csspart message-other - A message of someone else.
 * @csspart bubble - The bubble of a message (with `bubble-own` or `bubble-other`).
 * @csspart bubble-own - The bubble of an own message.
 * @csspart bubble-other - The bubble of someone else's message.
 * @csspart sender - The sender's name.
 * @csspart text - The text of a message.
 * @csspart meta - The time and delivery state of a message.
 * @csspart time - A time.
 * @csspart status - The delivery state of an own message (`data-state` = sending|sent|delivered|read|failed).
 * @csspart retry - The Retry button of a message that was not sent.
 * @csspart history-status - Says that older messages are loading.
 * @csspart reactions - The reactions of a message.
 * @csspart reaction - A reaction with its count (a button; with `reaction-mine` when it is yours).
 * @csspart reaction-mine - The reaction you chose.
 * @csspart reaction-count - The count of a reaction.
 * @csspart reaction-add - The button that opens the reaction picker.
 * @csspart reaction-picker - The reaction picker.
 * @csspart reaction-choice - A reaction of the picker.
 * @csspart system - A line that is not a message (with `system-joined`, `system-left` or `system-call`).
 * @csspart typing - The typing indicator.
 * @csspart composer - The composer form.
 * @csspart input - The text area.
 * @csspart send-button - The send button.
 * @csspart composer-status - Says that a message waits for the connection.
 * @csspart error - The last error, in words.
 *
 * @cssprop --jsongle-chat-width - Width of the element (default 100%).
 * @cssprop --jsongle-chat-max-width - Maximum width (default 40rem).
 * @cssprop --jsongle-chat-background - Background of the element.
 * @cssprop --jsongle-chat-radius - Corner radius of the element.
 * @cssprop --jsongle-chat-padding - Padding of the element.
 * @cssprop --jsongle-chat-gap - Space between messages.
 * @cssprop --jsongle-chat-log-height - Height of the log (default auto).
 * @cssprop --jsongle-chat-log-max-height - Maximum height of the log before it scrolls (default 24rem).
 * @cssprop --jsongle-chat-own-background - Background of own bubbles.
 * @cssprop --jsongle-chat-own-color - Text colour of own bubbles.
 * @cssprop --jsongle-chat-other-background - Background of others' bubbles.
 * @cssprop --jsongle-chat-other-color - Text colour of others' bubbles.
 * @cssprop --jsongle-chat-bubble-radius - Corner radius of the bubbles.
 * @cssprop --jsongle-chat-meta-color - Colour of sender, time and delivery state.
 * @cssprop --jsongle-chat-read-color - Colour of the `read` state.
 * @cssprop --jsongle-chat-system-color - Colour of system lines.
 * @cssprop --jsongle-chat-typing-color - Colour of the typing indicator.
 * @cssprop --jsongle-chat-reaction-background - Background of a reaction.
 * @cssprop --jsongle-chat-reaction-mine-background - Background of your reaction.
 * @cssprop --jsongle-chat-input-background - Background of the text area.
 * @cssprop --jsongle-chat-input-border-color - Border colour of the text area.
 * @cssprop --jsongle-chat-send-background - Background of the send button.
 * @cssprop --jsongle-chat-send-color - Text colour of the send button.
 * @cssprop --jsongle-chat-error-color - Colour of the error text.
 * @cssprop --jsongle-focus-ring-color - Focus ring colour.
 *
 * @cssstate offline - The connection is not open (or there is no client).
 * @cssstate joined - The room is joined.
 * @cssstate typing - Someone else is typing.
 * @cssstate pending - A message waits in the composer for the connection.
 */
export class JsongleChat extends JsongleElement {
  static override styles = [hostStyles, buttonStyles, chatStyles];

  @property({ reflect: true }) with = '';
  @property({ reflect: true }) room = '';
  @property({ attribute: 'multi-user', type: Boolean, reflect: true }) multiUser = false;
  @property({ reflect: true }) connection = '';
  @property() placeholder = '';
  @property({ type: Boolean, reflect: true }) readonly = false;
  @property({ attribute: 'typing-pause', type: Number }) typingPause = 3000;
  @property({ attribute: false }) names: Record<string, string> = {};
  @property({ attribute: false }) reactionChoices: string[] = [...DEFAULT_REACTIONS];

  readonly #clients = new ClientController(this, (client, previous) => this.#clientChanged(client, previous));
  #unsubscribe: (() => void) | null = null;
  #conversation: Conversation = this.#newConversation();
  #history: HistoryPager | null = null;
  /** The log's scroll height and position before older messages were put above: kept in updated(). */
  #keepScroll: { height: number; top: number } | null = null;
  /** `kind:to` of the conversation shown ('' before the first look). */
  #targetKey = '';
  /** The room joined with the current client, and the one being joined. */
  #joined = '';
  #joining = '';
  /** The composer's text waits for the connection (or the room). */
  #pending = false;
  #composing = false;
  #composingAt = 0;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;
  /** The message whose reaction picker is open. */
  #picker = '';
  #observer: IntersectionObserver | null = null;
  readonly #visible = new Set<string>();
  #atEnd = true;
  #scrollToEnd = false;
  #error: JsongleError | null = null;
  #timeFormat: Intl.DateTimeFormat | null = null;
  #timeLocale = '';

  // ---- properties ----------------------------------------------------------------------------

  get client(): JSONgle | null { return this.#clients.client; }
  set client(client: JSONgle | null) { this.#clients.explicit = client; }

  /** The messages, oldest first (frozen snapshots). */
  get messages(): readonly ChatMessage[] { return Object.freeze(this.#conversation.messages); }

  /** The other members of the room, with the names to show (empty for a 1:1 chat or before joining). */
  get members(): RoomMember[] { return this.#conversation.members.map((uid) => ({ uid, name: this.#name(uid) })); }

  // ---- methods -------------------------------------------------------------------------------

  /**
   * Sends `text` (with optional JSON `additionalContent`) to the conversation, after a cancelable
   * `jsongle-send`. Returns the message id, or null when the text is blank or a listener vetoed it.
   * Unlike the composer, it hands the message to the client even while the connection is down
   * (the transport queues it).
   */
  send(text: string, additionalContent?: unknown): string | null {
    if (typeof text !== 'string') throw new JsongleError('invalid-argument', "Invalid argument 'text': expected a string", { argument: 'text' });
    const client = this.#requireClient();
    const target = this.#requireTarget();
    if (!text.trim() && additionalContent === undefined) return null;
    return this.#send(client, target, text, additionalContent);
  }

  /** Sends custom JSON (`session-custom`) to the conversation; returns its id. Peers' elements fire `jsongle-data`. */
  sendJSON(content: unknown): string {
    const client = this.#requireClient();
    const target = this.#requireTarget();
    return target.kind === 'muc' ? client.sendJSONMUC(target.to, content) : client.sendJSON(target.to, content);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  override connectedCallback() {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.requestUpdate(); // re-observes the unread messages
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#observer?.disconnect();
    this.#observer = null;
    this.#visible.clear();
    this.#stopTyping(true);
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('connection')) this.#clients.refresh();
    if (this.#syncTarget() && this.#clients.client) this.#join(this.#clients.client);
    const log = this.#log;
    this.#atEnd = !log || log.scrollHeight - log.scrollTop - log.clientHeight <= END_SLACK;
    this.setCustomState('typing', this.#conversation.typing.length > 0);
  }

  protected override updated(changed: PropertyValues<this>) {
    super.updated(changed);
    const log = this.#log;
    const keep = this.#keepScroll;
    if (log && keep && log.scrollHeight !== keep.height) {
      // Older messages went in above: what the person was looking at stays where it was.
      log.scrollTop = log.scrollHeight - keep.height + keep.top;
      this.#keepScroll = null;
    } else if (log && (this.#scrollToEnd || this.#atEnd)) log.scrollTop = log.scrollHeight;
    this.#scrollToEnd = false;
    this.#observeUnread();
  }

  // ---- the client ----------------------------------------------------------------------------

  #clientChanged(client: JSONgle | null, previous: JSONgle | null) {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (previous && this.#joined) {
      const rid = this.#joined;
      if (client) {
        this.#joined = '';
        this.#leave(previous, rid);
      } else {
        // Disconnected: a move in the DOM comes back at once with the same client; a removal leaves.
        queueMicrotask(() => {
          if (this.#clients.client === previous || this.#joined !== rid) return;
          this.#joined = '';
          this.#leave(previous, rid);
        });
      }
    }
    if (!client) {
      this.#setOnline(false);
      return;
    }
    this.#syncTarget();
    if (previous) this.#joining = ''; // a request in flight with the previous client leaves by itself
    this.#unsubscribe = listen(client, {
      messagereceived: (body: TextBody, from: string, id: string) => this.#onText(body, from, id),
      datareceived: (body: CustomBody, from: string, id: string) => this.#onData(body, from, id),
      event: (event: EventBody | HelloBody, from: string) => this.#onEvent(event, from),
      ticket: (ticket: Ticket) => this.#onTicket(ticket),
      connectionstatechanged: (state: TransportState) => this.#onState(client, state),
      registered: () => { this.#join(client); this.#loadHistory(client); },
      messagefailed: (message: JsongleMessage, error: JsongleError) => this.#onFailed(message, error),
    });
    this.#setOnline(client.transport.state === 'open');
    this.#join(client);
    this.#loadHistory(client);
    this.#flushPending();
  }

  /** Starts a new conversation when `with` / `room` / `multi-user` changed (leaving the old room); true when it did. */
  #syncTarget(): boolean {
    const target = this.#target();
    const key = target ? `${target.kind}:${target.to}` : '';
    if (key === this.#targetKey) return false;
    this.#targetKey = key;
    const client = this.#clients.client;
    if (client && this.#joined) this.#leave(client, this.#joined);
    this.#joined = '';
    this.#joining = '';
    this.setCustomState('joined', false);
    this.#stopTyping(false);
    this.#conversation.dispose();
    this.#conversation = this.#newConversation();
    this.#history = null;
    this.#keepScroll = null;
    this.#observer?.disconnect();
    this.#visible.clear();
    this.#picker = '';
    return true;
  }

  #newConversation() {
    return new Conversation({ onChange: () => this.requestUpdate() });
  }

  #target(): Target | null {
    if (this.room) return { to: this.room, kind: this.multiUser ? 'muc' : 'room' };
    if (this.with) return { to: this.with, kind: 'user' };
    return null;
  }

  /** Ready to send: connected, and in the room when there is one. */
  #ready(): boolean {
    const client = this.#clients.client;
    const target = this.#target();
    return !!client && !!target && client.transport.state === 'open' && (target.kind === 'user' || this.#joined === target.to);
  }

  #onState(client: JSONgle, state: TransportState) {
    this.#setOnline(state === 'open');
    if (state !== 'open') {
      // A new connection is a new member for the server: join again once it is back.
      this.#joined = '';
      this.#joining = '';
      this.setCustomState('joined', false);
      this.#composing = false;
      clearTimeout(this.#typingTimer);
      return;
    }
    this.#join(client);
    this.#flushPending();
  }

  #setOnline(online: boolean) {
    this.setCustomState('offline', !online);
    this.requestUpdate();
  }

  // ---- rooms ---------------------------------------------------------------------------------

  #join(client: JSONgle) {
    const target = this.#target();
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
      this.#fail(e);
      return;
    }
    request.then((result) => {
      if (this.#clients.client !== client || this.#target()?.to !== rid || this.#joining !== rid) {
        // The element moved on meanwhile: do not stay in a room nobody shows.
        if (this.#clients.client !== client || this.#target()?.to !== rid) this.#leave(client, rid);
        return;
      }
      this.#joining = '';
      this.#joined = rid;
      this.#conversation.setMembers(result?.members);
      this.#loadHistory(client);
      this.setCustomState('joined', true);
      this.fire(new JsongleMembersChangeEvent({ members: this.members }));
      this.requestUpdate();
      this.#flushPending();
    }, (error) => {
      if (this.#joining === rid) this.#joining = '';
      if (this.#clients.client === client) this.#fail(error);
    });
  }

  #leave(client: JSONgle, rid: string) {
    if (!client.server || client.transport.state === 'closed') return;
    try {
      client.request(client.server, 'session-leave', { rid }).catch(() => {});
    } catch { /* the transport is gone: the server forgets the connection anyway */ }
  }

  // ---- history -------------------------------------------------------------------------------

  /** The pager of the conversation shown (made on first use). */
  #pager(): HistoryPager | null {
    const target = this.#target();
    if (!target) return null;
    const query: HistoryTarget = target.kind === 'user' ? { with: target.to } : { rid: target.to };
    this.#history ??= new HistoryPager(this.#conversation, query, () => this.requestUpdate());
    return this.#history;
  }

  /** The last page, once a server knows us (and we are in the room). */
  #loadHistory(client: JSONgle) {
    const target = this.#target();
    if (!target || !client.registered || !client.server || (target.kind !== 'user' && this.#joined !== target.to)) return;
    const pager = this.#pager();
    if (!pager || pager.loaded || pager.loading) return;
    this.#scrollToEnd = true;
    pager.latest(client).then(() => { this.#scrollToEnd = true; this.requestUpdate(); }, (e) => this.#historyFailed(client, e));
  }

  /** Scrolled to the top: the page before. */
  #onScroll = () => {
    const log = this.#log;
    const client = this.#clients.client;
    const pager = this.#history;
    if (!log || !client || !pager || !pager.loaded || !pager.more || pager.loading || log.scrollTop > 4) return;
    this.#keepScroll = { height: log.scrollHeight, top: log.scrollTop };
    pager.older(client).then((added) => { if (!added) this.#keepScroll = null; }, (e) => this.#historyFailed(client, e));
  };

  #historyFailed(client: JSONgle, e: unknown) {
    this.#keepScroll = null;
    // A server without history (the reference server answers 404001) is not an error worth showing.
    if (this.#clients.client === client && (e as JsongleError)?.detail?.errorCode !== 404001) this.#fail(e);
  }

  // ---- failures ------------------------------------------------------------------------------

  #onFailed(message: JsongleMessage, error: JsongleError) {
    if (!this.#conversation.fail(message.id)) return;
    const m = this.#conversation.message(message.id);
    if (m) this.fire(new JsongleMessageFailedEvent({ message: m, error }));
  }

  #retry(id: string) {
    const client = this.#clients.client;
    if (!client || this.#conversation.message(id)?.state !== 'failed') return;
    try {
      client.retry(id);
    } catch (e) {
      this.#fail(e);
      return;
    }
    this.#conversation.retrying(id);
  }

  // ---- receiving -----------------------------------------------------------------------------

  /** The author (a uid) of something received from `address`, or null when it is not of this conversation. */
  #author(address: string): string | null {
    const target = this.#target();
    if (!target || typeof address !== 'string') return null;
    switch (target.kind) {
      case 'user': return address === target.to ? address : null;
      // A 1:1 room stands for the other member.
      case 'room': return address === target.to ? (this.#conversation.members[0] ?? address) : null;
      case 'muc': return address.startsWith(`${target.to}/`) && address.length > target.to.length + 1 ? address.slice(target.to.length + 1) : null;
    }
  }

  #onText(body: TextBody, address: string, id: string) {
    const author = this.#author(address);
    if (author === null) return;
    const message = this.#conversation.addIncoming(id, author, address, body?.description ?? {});
    if (message) this.fire(new JsongleMessageEvent({ message }));
  }

  #onData(body: CustomBody, address: string, id: string) {
    const author = this.#author(address);
    if (author === null) return;
    this.fire(new JsongleDataEvent({ content: body?.description?.content, from: author, id }));
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
        const author = this.#author(address);
        if (author !== null && typeof d.sid === 'string') this.#conversation.addMissedCall(d.sid, author, d.ended);
        return;
      }
      case 'typing': {
        const author = this.#author(address);
        if (author !== null) this.#conversation.setTyping(author, d.state === 'composing');
        return;
      }
      case 'reaction': {
        const author = this.#author(address);
        if (author !== null) this.#conversation.react(d.mid, author, d.type);
        return;
      }
      case 'joined':
      case 'left': {
        const room = this.room;
        if (!room || (d.rid !== room && !(d.rid === undefined && address === room))) return;
        if (this.#conversation.memberEvent(d.member, event.event === 'joined')) this.fire(new JsongleMembersChangeEvent({ members: this.members }));
        return;
      }
    }
  }

  #onTicket(ticket: Ticket) {
    const target = this.#target();
    if (!target || !ticket || (ticket.caller !== target.to && ticket.callee !== target.to)) return;
    this.#conversation.addCall(ticket);
  }

  // ---- read receipts -------------------------------------------------------------------------

  #observeUnread() {
    if (!this.isConnected || typeof IntersectionObserver === 'undefined') return;
    this.#observer ??= new IntersectionObserver((entries) => this.#onIntersect(entries), { threshold: [0, 0.25, 0.5, 0.75, 1] });
    for (const el of this.renderRoot.querySelectorAll<HTMLElement>('[data-unread]')) this.#observer.observe(el);
  }

  #onIntersect(entries: IntersectionObserverEntry[]) {
    const log = this.#log;
    for (const e of entries) {
      const id = (e.target as HTMLElement).dataset.id;
      if (!id) continue;
      // Half of the message, or (a message taller than the log) half of the log, is on screen.
      const view = Math.min(log?.clientHeight || Infinity, e.rootBounds?.height || Infinity);
      const seen = e.isIntersecting && (e.intersectionRatio >= 0.5 || e.intersectionRect.height >= view / 2);
      if (seen) this.#visible.add(id);
      else this.#visible.delete(id);
    }
    this.#sendReads();
  }

  #onVisibility = () => this.#sendReads();

  /** Sends the read receipt of each unread message on screen, once, while the page is visible. */
  #sendReads() {
    if (document.visibilityState !== 'visible' || this.#visible.size === 0) return;
    const client = this.#clients.client;
    const target = this.#target();
    if (!client || !target) return;
    for (const id of [...this.#visible]) {
      const m = this.#conversation.message(id);
      if (!m || m.own || m.read) {
        this.#visible.delete(id);
        continue;
      }
      try {
        if (target.kind === 'muc') client.sendAReadAcknowledgementMuc(id, m.address);
        else client.sendAReadAcknowledgement(id, m.address);
      } catch (e) {
        this.#fail(e);
        continue;
      }
      this.#conversation.markRead(id);
      this.#visible.delete(id);
      const el = this.renderRoot.querySelector(`[data-id="${CSS.escape(id)}"]`);
      if (el) this.#observer?.unobserve(el);
    }
  }

  // ---- sending -------------------------------------------------------------------------------

  #send(client: JSONgle, target: Target, text: string, additionalContent: unknown): string | null {
    const detail: SendDetail = additionalContent === undefined ? { text } : { text, additionalContent };
    if (!this.fire(new JsongleSendEvent(detail))) return null;
    const final = typeof detail.text === 'string' ? detail.text : '';
    const extra = detail.additionalContent;
    if (!final.trim() && extra === undefined) return null;
    const id = target.kind === 'muc' ? client.sendMuc(target.to, final, extra) : client.send(target.to, final, extra);
    this.#error = null;
    this.#conversation.addOwn(id, client.id, final, extra);
    this.#scrollToEnd = true;
    return id;
  }

  /** Enter in the composer, or its send button. */
  #submit() {
    const input = this.#input;
    if (!input || !input.value.trim()) return;
    const client = this.#clients.client;
    const target = this.#target();
    if (!target) return this.#fail(new JsongleError('invalid-state', 'Nobody to talk to: set `with` or `room`'));
    if (!client || !this.#ready()) {
      // Kept in the composer, not handed to the client: sent once when the connection is back.
      this.#setPending(true);
      return;
    }
    this.#setPending(false);
    let id: string | null;
    try {
      id = this.#send(client, target, input.value, undefined);
    } catch (e) {
      this.#fail(e);
      return;
    }
    if (id === null) return; // vetoed: the text stays
    input.value = '';
    this.#stopTyping(false); // the message itself ends our typing at the peers
  }

  #flushPending() {
    if (!this.#pending || !this.#ready()) return;
    this.#setPending(false);
    this.#submit();
  }

  #setPending(pending: boolean) {
    if (this.#pending === pending) return;
    this.#pending = pending;
    this.setCustomState('pending', pending);
    this.requestUpdate();
  }

  #onKeydown = (e: KeyboardEvent) => {
    if (e.key !== 'Enter' || e.shiftKey || e.isComposing || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    this.#submit();
  };

  #onSubmit = (e: Event) => {
    e.preventDefault();
    this.#submit();
  };

  #onInput = () => {
    const input = this.#input;
    if (!input) return;
    if (!input.value.trim()) {
      this.#setPending(false);
      return this.#stopTyping(true);
    }
    if (!this.#ready()) return;
    const now = Date.now();
    if (!this.#composing || now - this.#composingAt >= COMPOSING_REFRESH) {
      this.#composing = true;
      this.#composingAt = now;
      this.#sendTyping(true);
    }
    clearTimeout(this.#typingTimer);
    this.#typingTimer = setTimeout(() => this.#stopTyping(true), Math.max(0, Number(this.typingPause) || 3000));
  };

  #stopTyping(notify: boolean) {
    clearTimeout(this.#typingTimer);
    this.#typingTimer = undefined;
    if (!this.#composing) return;
    this.#composing = false;
    if (notify && this.#ready()) this.#sendTyping(false);
  }

  #sendTyping(composing: boolean) {
    const client = this.#clients.client;
    const target = this.#target();
    if (!client || !target) return;
    try {
      if (target.kind === 'muc') client.isTypingMuc(composing, target.to);
      else client.isTyping(composing, target.to);
    } catch (e) {
      this.#fail(e);
    }
  }

  /** Clicking a reaction: yours is removed, another one becomes yours. */
  #toggleReaction(mid: string, reaction: string) {
    const client = this.#clients.client;
    const target = this.#target();
    if (!client || !target || this.readonly) return;
    const next = this.#conversation.reactionOf(mid, client.id) === reaction ? '' : reaction;
    try {
      if (target.kind === 'muc') client.reactToMessageMUC(mid, next, target.to);
      else client.reactToMessage(mid, next, target.to);
    } catch (e) {
      this.#fail(e);
      return;
    }
    this.#conversation.react(mid, client.id, next);
  }

  #togglePicker(mid: string) {
    this.#picker = this.#picker === mid ? '' : mid;
    this.requestUpdate();
  }

  #onPickerKeydown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || !this.#picker) return;
    const mid = this.#picker;
    this.#togglePicker(mid);
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`[data-id="${CSS.escape(mid)}"] [part~="reaction-add"]`)?.focus());
  };

  // ---- helpers -------------------------------------------------------------------------------

  get #log() { return this.renderRoot?.querySelector<HTMLElement>('[part~="log"]') ?? null; }
  get #input() { return this.renderRoot?.querySelector<HTMLTextAreaElement>('[part~="input"]') ?? null; }

  #requireClient(): JSONgle {
    const client = this.#clients.client;
    if (!client) throw new JsongleError('invalid-state', 'No JSONgle client: set `client`, `connection`, or put the element in a <jsongle-connection>');
    return client;
  }

  #requireTarget(): Target {
    const target = this.#target();
    if (!target) throw new JsongleError('invalid-state', 'Nobody to talk to: set `with` or `room`');
    return target;
  }

  #fail(error: unknown) {
    this.#error = error instanceof JsongleError ? error : new JsongleError('invalid-state', String((error as Error)?.message ?? error));
    this.requestUpdate();
    this.fire(new JsongleErrorEvent({ error: this.#error }));
  }

  /** The name to show for `uid`: the page's `names`, else the one learned from the server, else the uid. */
  #name(uid: string): string {
    if (uid && uid === this.#clients.client?.id) return this.t('chat.you');
    const names = this.names;
    const given = names && Object.prototype.hasOwnProperty.call(names, uid) ? names[uid] : undefined;
    return (typeof given === 'string' && given) || this.#conversation.nameOf(uid) || uid;
  }

  #peerName(): string {
    const target = this.#target();
    if (!target) return '';
    return target.kind === 'user' ? this.#name(target.to) : (Object.prototype.hasOwnProperty.call(this.names ?? {}, target.to) ? this.names[target.to] : target.to);
  }

  #time(iso: string): string {
    const locale = this.locale;
    if (!this.#timeFormat || this.#timeLocale !== locale) {
      try {
        this.#timeFormat = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
      } catch {
        this.#timeFormat = new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit' });
      }
      this.#timeLocale = locale;
    }
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? '' : this.#timeFormat.format(date);
  }

  #typingText(): string {
    const names = this.#conversation.typing.map((uid) => this.#name(uid));
    if (names.length === 0) return '';
    if (names.length === 1) return this.t('chat.typing.one', { name: names[0] });
    if (names.length === 2) return this.t('chat.typing.two', { first: names[0], second: names[1] });
    return this.t('chat.typing.many', { first: names[0], second: names[1], count: names.length - 2 });
  }

  #callText(line: SystemLine): string {
    const ticket = line.ticket!;
    const name = this.#name(peerOf(ticket));
    const outcome = callOutcome(ticket);
    switch (outcome) {
      case 'answered':
        return this.t(ticket.media === 'audio' ? 'chat.call.answered.audio' : 'chat.call.answered.video', { name, duration: formatDuration(ticket.duration) });
      case 'declined':
        return this.t(ticket.direction === 'incoming' ? 'chat.call.declined.incoming' : 'chat.call.declined.outgoing', { name });
      default:
        return this.t(`chat.call.${outcome}` as TranslationKey, { name });
    }
  }

  // ---- rendering -----------------------------------------------------------------------------

  protected override render() {
    const entries = this.#conversation.entries;
    const me = this.#clients.client?.id ?? '';
    const peer = this.#peerName();
    const typing = this.#typingText();
    // Keyed: older pages go in above, and each line keeps its DOM nodes (and its observer).
    return html`
      <section part="base" aria-label=${this.t('chat.label', { name: peer })}>
        <div part="log" role="log" aria-live="polite" aria-relevant="additions" aria-label=${this.t('chat.log')} tabindex="0" @scroll=${this.#onScroll}>
          ${this.#history?.loading ? html`<p part="history-status" role="status">${this.t('chat.loading')}</p>` : nothing}
          ${entries.length === 0 && !this.#history?.loading ? html`<p part="empty">${this.t('chat.empty')}</p>` : nothing}
          <ol part="messages">
            ${repeat(entries, (e) => e.id, (e) => this.#renderEntry(e, me))}
          </ol>
        </div>
        <p part="typing" role="status">${typing}</p>
        ${this.#error ? html`<p part="error" role="alert">${this.t('error.generic', { message: this.#error.message })}</p>` : nothing}
        ${this.readonly ? nothing : html`
          <form part="composer" @submit=${this.#onSubmit}>
            <textarea part="input" rows="2" aria-label=${this.t('chat.input', { name: peer })}
              placeholder=${this.placeholder || this.t('chat.placeholder')}
              @keydown=${this.#onKeydown} @input=${this.#onInput}></textarea>
            <button part="send-button" type="submit">${this.t('chat.send')}</button>
            <p part="composer-status" role="status">${this.#pending ? this.t('chat.pending') : ''}</p>
          </form>`}
      </section>
    `;
  }

  #renderEntry(e: ChatEntry, me: string) {
    if (e.kind === 'message') return this.#renderMessage(e, me);
    const text = e.kind === 'call' ? this.#callText(e)
      : this.t(e.kind === 'missed' ? 'chat.call.missed' : e.kind === 'joined' ? 'chat.joined' : 'chat.left', { name: this.#name(e.uid!) });
    return html`<li part="system system-${e.kind}" data-id=${e.id}>
      <span>${text}</span> <time part="time" datetime=${e.at}>${this.#time(e.at)}</time>
    </li>`;
  }

  #renderMessage(m: ChatMessage, me: string) {
    const side = m.own ? 'own' : 'other';
    return html`<li part="message message-${side}" data-id=${m.id} ?data-unread=${!m.own && !m.read}>
      <div part="bubble bubble-${side}">
        <span part="sender">${m.own ? this.t('chat.you') : this.#name(m.from)}</span>
        <p part="text">${m.text}</p>
        <span part="meta">
          <time part="time" datetime=${m.sent}>${this.#time(m.sent)}</time>
          ${m.own && m.state ? html`<span part="status" data-state=${m.state}>${this.t(`chat.state.${m.state}`)}</span>` : nothing}
          ${m.own && m.state === 'failed' && !this.readonly ? html`<button type="button" part="retry" aria-label=${this.t('chat.retry.label', { text: m.text.slice(0, 40) })}
            @click=${() => this.#retry(m.id)}>${this.t('chat.retry')}</button>` : nothing}
        </span>
      </div>
      ${this.#renderReactions(m, me)}
    </li>`;
  }

  #renderReactions(m: ChatMessage, me: string) {
    const reactions = Object.entries(m.reactions);
    if (this.readonly && reactions.length === 0) return nothing;
    const open = this.#picker === m.id && !this.readonly;
    const mine = me ? this.#conversation.reactionOf(m.id, me) : '';
    return html`<div part="reactions" role="group" aria-label=${this.t('chat.reactions')}>
      ${reactions.map(([reaction, uids]) => {
        const own = uids.includes(me);
        return html`<button type="button" part=${own ? 'reaction reaction-mine' : 'reaction'} aria-pressed=${own ? 'true' : 'false'}
          title=${this.t('chat.reaction', { reaction, count: uids.length, names: uids.map((u) => this.#name(u)).join(', ') })}
          ?disabled=${this.readonly} @click=${() => this.#toggleReaction(m.id, reaction)}
          >${reaction} <span part="reaction-count">${uids.length}</span></button>`;
      })}
      ${this.readonly ? nothing : html`
        <button type="button" part="reaction-add" aria-label=${this.t('chat.reaction.add')} aria-expanded=${open ? 'true' : 'false'}
          @click=${() => this.#togglePicker(m.id)}>+</button>
        ${open ? html`<div part="reaction-picker" role="group" aria-label=${this.t('chat.reaction.choices')} @keydown=${this.#onPickerKeydown}>
          ${(this.reactionChoices ?? []).map((reaction) => html`<button type="button" part="reaction-choice" aria-pressed=${mine === reaction ? 'true' : 'false'}
            @click=${() => { this.#picker = ''; this.#toggleReaction(m.id, reaction); }}>${reaction}</button>`)}
        </div>` : nothing}`}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jsongle-chat': JsongleChat;
  }
}
