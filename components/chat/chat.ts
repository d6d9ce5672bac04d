import { html, type PropertyDeclarations, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Ticket } from '../../src/call/ticket.ts';
import { callOutcome, peerOf, type ChatEntry, type ChatMessage, type SystemLine } from '../../src/chat/conversation.ts';
import { ChatSession, type ChatTarget } from '../../src/chat/session.ts';
import type { JSONgle } from '../../src/client.ts';
import { JsongleError } from '../../src/errors.ts';
import {
  JsongleDataEvent, JsongleErrorEvent, JsongleMembersChangeEvent, type RoomMember, JsongleMessageEvent, JsongleMessageFailedEvent, JsongleSendEvent, type SendDetail,
} from '../events.ts';
import { JsongleElement } from '../internal/base.ts';
import { ClientController } from '../internal/client-controller.ts';
import { buttonStyles, hostStyles } from '../internal/styles.ts';
import type { TranslationKey } from '../translations/index.ts';
import { chatStyles } from './chat.styles.ts';
import { ReadReceipts } from './read-receipts.ts';
import { formatDuration } from '../internal/format.ts';
import { icons } from '../internal/icons.ts';
import { addEnglish } from '../translations/index.ts';
import { chat as texts } from '../translations/en/chat.ts';

addEnglish(texts);

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
  static override properties: PropertyDeclarations = { with: { reflect: true }, room: { reflect: true }, multiUser: { attribute: 'multi-user', type: Boolean, reflect: true }, connection: { reflect: true }, placeholder: {}, readonly: { type: Boolean, reflect: true }, typingPause: { attribute: 'typing-pause', type: Number }, names: { attribute: false }, reactionChoices: { attribute: false } };

  with = '';
  room = '';
  multiUser = false;
  connection = '';
  placeholder = '';
  readonly = false;
  typingPause = 3000;
  names: Record<string, string> = {};
  reactionChoices: string[] = [...DEFAULT_REACTIONS];

  readonly #clients = new ClientController(this, (client) => this.#session.setClient(client));
  /** The conversation, its room, receipts and history: DOM-free (src/chat/session.ts). */
  readonly #session: ChatSession = new ChatSession({
    change: () => this.#onChange(),
    message: (message) => this.fire(new JsongleMessageEvent({ message })),
    data: (detail) => this.fire(new JsongleDataEvent(detail)),
    members: () => this.fire(new JsongleMembersChangeEvent({ members: this.members })),
    failed: (message, error) => this.fire(new JsongleMessageFailedEvent({ message, error })),
    error: (error) => this.#fail(error),
    ready: () => this.#flushPending(),
  });
  readonly #receipts = new ReadReceipts(this, (id) => {
    const m = this.#conversation.message(id);
    return !m || m.own || m.read || this.#session.markRead(id);
  }, () => this.#log);
  /** The log's scroll height and position before older messages were put above: kept in updated(). */
  #keepScroll: { height: number; top: number } | null = null;
  /** The composer's text waits for the connection (or the room). */
  #pending = false;
  #composing = false;
  #composingAt = 0;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;
  /** The message whose reaction picker is open. */
  #picker = '';
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

  get #conversation() { return this.#session.conversation; }

  // ---- methods -------------------------------------------------------------------------------

  /**
   * Sends `text` (with optional JSON `additionalContent`) to the conversation, after a cancelable
   * `jsongle-send`. Returns the message id, or null when the text is blank or a listener vetoed it.
   * Unlike the composer, it hands the message to the client even while the connection is down
   * (the client keeps it until the server has it).
   */
  send(text: string, additionalContent?: unknown): string | null {
    if (typeof text !== 'string') throw new JsongleError('invalid-argument', "Invalid argument 'text': expected a string", { argument: 'text' });
    this.#requireClient();
    this.#requireTarget();
    if (!text.trim() && additionalContent === undefined) return null;
    return this.#send(text, additionalContent);
  }

  /** Sends custom JSON (`session-custom`) to the conversation; returns its id. Peers' elements fire `jsongle-data`. */
  sendJSON(content: unknown): string {
    this.#requireClient();
    this.#requireTarget();
    return this.#session.sendJSON(content);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.#stopTyping(true);
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('connection')) this.#clients.refresh();
    this.#syncTarget();
    const log = this.#log;
    this.#atEnd = !log || log.scrollHeight - log.scrollTop - log.clientHeight <= END_SLACK;
    const client = this.#clients.client;
    this.setCustomState('offline', !client || client.transport.state !== 'open');
    this.setCustomState('joined', this.#session.joined);
    this.setCustomState('typing', this.#session.composing.length > 0);
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
  }

  // ---- the session ---------------------------------------------------------------------------

  /** Starts a new conversation when `with` / `room` / `multi-user` changed. */
  #syncTarget() {
    const target: ChatTarget | null = this.room ? { to: this.room, kind: this.multiUser ? 'muc' : 'room' } : this.with ? { to: this.with, kind: 'user' } : null;
    if (!this.#session.setTarget(target)) return;
    this.#stopTyping(false);
    this.#receipts.reset();
    this.#picker = '';
    this.#keepScroll = null;
    this.#scrollToEnd = true;
  }

  #onChange() {
    const client = this.#clients.client;
    if (!client || client.transport.state !== 'open') {
      // Composing starts again with the next connection.
      this.#composing = false;
      clearTimeout(this.#typingTimer);
    }
    this.requestUpdate();
  }

  /** Scrolled to the top: the page before, the scroll position kept. */
  #onScroll = () => {
    const log = this.#log;
    if (!log || !this.#session.canLoadOlder || log.scrollTop > 4) return;
    this.#keepScroll = { height: log.scrollHeight, top: log.scrollTop };
    void this.#session.older().then((added) => { if (!added) this.#keepScroll = null; });
  };

  // ---- sending -------------------------------------------------------------------------------

  #send(text: string, additionalContent: unknown): string | null {
    const detail: SendDetail = additionalContent === undefined ? { text } : { text, additionalContent };
    if (!this.fire(new JsongleSendEvent(detail))) return null;
    const final = typeof detail.text === 'string' ? detail.text : '';
    const extra = detail.additionalContent;
    if (!final.trim() && extra === undefined) return null;
    const id = this.#session.send(final, extra);
    this.#error = null;
    this.#scrollToEnd = true;
    return id;
  }

  /** Enter in the composer, or its send button. */
  #submit() {
    const input = this.#input;
    if (!input || !input.value.trim()) return;
    if (!this.#session.target) return this.#fail(new JsongleError('invalid-state', 'Nobody to talk to: set `with` or `room`'));
    if (!this.#clients.client || !this.#session.ready) {
      // Kept in the composer, not handed to the client: sent once when the connection is back.
      this.#setPending(true);
      return;
    }
    this.#setPending(false);
    let id: string | null;
    try {
      id = this.#send(input.value, undefined);
    } catch (e) {
      this.#fail(e);
      return;
    }
    if (id === null) return; // vetoed: the text stays
    input.value = '';
    this.#stopTyping(false); // the message itself ends our typing at the peers
  }

  #flushPending() {
    if (!this.#pending || !this.#session.ready) return;
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
    if (!this.#session.ready) return;
    const now = Date.now();
    if (!this.#composing || now - this.#composingAt >= COMPOSING_REFRESH) {
      this.#composing = true;
      this.#composingAt = now;
      this.#session.typing(true);
    }
    clearTimeout(this.#typingTimer);
    this.#typingTimer = setTimeout(() => this.#stopTyping(true), Math.max(0, Number(this.typingPause) || 3000));
  };

  #stopTyping(notify: boolean) {
    clearTimeout(this.#typingTimer);
    this.#typingTimer = undefined;
    if (!this.#composing) return;
    this.#composing = false;
    if (notify && this.#session.ready) this.#session.typing(false);
  }

  /** Clicking a reaction: yours is removed, another one becomes yours. */
  #toggleReaction(mid: string, reaction: string) {
    if (!this.readonly) this.#session.toggleReaction(mid, reaction);
  }

  #togglePicker(mid: string) {
    this.#picker = this.#picker === mid ? '' : mid;
    this.requestUpdate();
    // Opened: focus on the first choice (Escape comes back); closed: back on the button.
    const target = this.#picker ? '[part~="reaction-choice"]' : '[part~="reaction-add"]';
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`[data-id="${CSS.escape(mid)}"] ${target}`)?.focus());
  }

  #onPickerKeydown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || !this.#picker) return;
    this.#togglePicker(this.#picker);
  };

  // ---- helpers -------------------------------------------------------------------------------

  get #log() { return this.renderRoot?.querySelector<HTMLElement>('[part~="log"]') ?? null; }
  get #input() { return this.renderRoot?.querySelector<HTMLTextAreaElement>('[part~="input"]') ?? null; }

  #requireClient(): JSONgle {
    const client = this.#clients.client;
    if (!client) throw new JsongleError('invalid-state', 'No JSONgle client: set `client`, `connection`, or put the element in a <jsongle-connection>');
    return client;
  }

  #requireTarget(): ChatTarget {
    const target = this.#session.target;
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
    const target = this.#session.target;
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
    const names = this.#session.composing.map((uid) => this.#name(uid));
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
      case 'media-error':
        return this.t(`chat.call.media-error.${ticket.direction}`, { name });
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
          ${this.#session.loading ? html`<p part="history-status" role="status">${this.t('chat.loading')}</p>` : nothing}
          ${entries.length === 0 && !this.#session.loading ? html`<p part="empty">${this.t('chat.empty')}</p>` : nothing}
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
    // What happened, then when: two things, kept apart ("Audio call with bob, 0:19 · 09:43").
    return html`<li part="system system-${e.kind}" data-id=${e.id}>
      <span>${text}</span> <span aria-hidden="true">·</span> <time part="time" datetime=${e.at}>${this.#time(e.at)}</time>
    </li>`;
  }

  #renderMessage(m: ChatMessage, me: string) {
    const side = m.own ? 'own' : 'other';
    return html`<li part="message message-${side}" data-id=${m.id} ?data-unread=${!m.own && !m.read}>
      <div class="row">
      <div part="bubble bubble-${side}">
        <span part="sender">${m.own ? this.t('chat.you') : this.#name(m.from)}</span>
        <p part="text">${m.text}</p>
        <span part="meta">
          <time part="time" datetime=${m.sent}>${this.#time(m.sent)}</time>
          ${m.own && m.state ? html`<span part="status" data-state=${m.state}>${this.t(`chat.state.${m.state}`)}</span>` : nothing}
          ${m.own && m.state === 'failed' && !this.readonly ? html`<button type="button" part="retry" aria-label=${this.t('chat.retry.label', { text: m.text.slice(0, 40) })}
            @click=${() => this.#session.retry(m.id)}>${this.t('chat.retry')}</button>` : nothing}
        </span>
      </div>
      ${this.#renderReactionAdd(m)}
      </div>
      ${this.#renderReactions(m, me)}
    </li>`;
  }

  /** The small button beside a bubble that opens the picker: shown on hover and keyboard focus. */
  #renderReactionAdd(m: ChatMessage) {
    if (this.readonly) return nothing;
    const open = this.#picker === m.id;
    return html`<button type="button" part="reaction-add" aria-label=${this.t('chat.reaction.add')} title=${this.t('chat.reaction.add')}
      aria-expanded=${open ? 'true' : 'false'} @click=${() => this.#togglePicker(m.id)}>${icons.reaction}</button>`;
  }

  #renderReactions(m: ChatMessage, me: string) {
    const reactions = Object.entries(m.reactions);
    const open = this.#picker === m.id && !this.readonly;
    if (reactions.length === 0 && !open) return nothing;
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
        ${open ? html`<div part="reaction-picker" role="group" aria-label=${this.t('chat.reaction.choices')} @keydown=${this.#onPickerKeydown}>
          ${(this.reactionChoices ?? []).map((reaction) => html`<button type="button" part="reaction-choice" aria-pressed=${mine === reaction ? 'true' : 'false'}
            @click=${() => { this.#togglePicker(m.id); this.#toggleReaction(m.id, reaction); }}>${reaction}</button>`)}
        </div>` : nothing}`}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jsongle-chat': JsongleChat;
  }
}
