import { html, type PropertyDeclarations, LitElement, nothing, type PropertyValues } from 'lit';
import type { Call } from '../../src/call/call.ts';
import type { Ticket } from '../../src/call/ticket.ts';
import { callOutcome, peerOf, type CallOutcome } from '../../src/chat/conversation.ts';
import type { JSONgle } from '../../src/client.ts';
import type { EventBody } from '../../src/protocol/messages.ts';
import { JsongleError } from '../../src/errors.ts';
import type { JsongleCall } from '../call/call.ts';
import { JsongleDialEvent, JsongleErrorEvent } from '../events.ts';
import { JsongleElement } from '../internal/base.ts';
import { ClientController, listen } from '../internal/client-controller.ts';
import { buttonStyles, hostStyles } from '../internal/styles.ts';
import type { TranslationKey } from '../translations/index.ts';
import { dialerStyles } from './dialer.styles.ts';
import { formatDuration } from '../internal/format.ts';
import { addEnglish } from '../translations/index.ts';
import { dialer as texts } from '../translations/en/dialer.ts';

addEnglish(texts);

/** A recent call, as kept in localStorage (newest first). */
export interface HistoryEntry {
  /** The call's id (`sid`, the ticket's `id`). */
  id: string;
  /** The other party: the callee of an outgoing call, the caller of an incoming one. */
  peer: string;
  direction: 'incoming' | 'outgoing';
  /** `audio`, `video` or `video-only`. */
  media: string;
  outcome: CallOutcome;
  /** Seconds of connected media (0 when it never connected). */
  duration: number;
  /** When the call ended (ISO-8601). */
  at: string;
}

/** localStorage key prefix; the user id follows. */
export const HISTORY_KEY = 'jsongle-dialer-history:';
export const HISTORY_MAX = 50;
/** The longest user id or room the dialer accepts (the server's limit). */
export const MAX_LENGTH = 256;
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
const OUTCOMES: readonly string[] = ['answered', 'missed', 'declined', 'busy', 'cancelled', 'unreachable'];

type Problem = '' | 'empty' | 'whitespace' | 'too-long';
type ErrorKind = Problem | 'no-call' | 'failed';

/** What is wrong with `value` as a user id or room ('' when nothing). */
function problemOf(value: string): Problem {
  const v = value.trim();
  if (!v) return 'empty';
  if (/\s/.test(v)) return 'whitespace';
  if (v.length > MAX_LENGTH) return 'too-long';
  return '';
}

const isEntry = (e: any): e is HistoryEntry =>
  !!e && typeof e === 'object' && typeof e.id === 'string' && typeof e.peer === 'string' && !!e.peer
  && (e.direction === 'incoming' || e.direction === 'outgoing') && typeof e.media === 'string'
  && OUTCOMES.includes(e.outcome) && typeof e.duration === 'number' && typeof e.at === 'string';

/**
 * @tag jsongle-dialer
 * @summary Places calls: an input for the user id or room, audio and video call buttons, an
 * optional keypad and the recent calls.
 *
 * Dialing fires the cancelable `jsongle-dial`; unless it is cancelled, the call is placed by the
 * `<jsongle-call>` named by `call="id"`, else by the first `<jsongle-call>` of the same connection
 * in the document. Empty input, spaces, or more than 256 characters show an inline error and dial
 * nothing. It is a form-associated element: inside a `<form>` it submits `name=value`, and
 * `required` takes part in the form's validation.
 *
 * With `with-history`, the tickets of the calls of its client are kept in `localStorage` under
 * `jsongle-dialer-history:<user id>`: 50 at most, newest first, with a button to clear them.
 *
 * @attr name - The name of the value in form data.
 * @attr value - The initial user id or room (the `value` property holds the current one).
 * @attr required - A form with this dialer empty is invalid.
 * @attr disabled - Disables the input and the buttons.
 * @attr call - The id of the `<jsongle-call>` that places the calls.
 * @attr connection - The id of the `<jsongle-connection>` to use, when it is not an ancestor.
 * @attr placeholder - The input's placeholder (default: translated "User id or room").
 * @attr with-keypad - Shows a keypad (0–9, *, #).
 * @attr with-history - Records and shows the recent calls.
 * @attr lang - The language of the texts (`en`, `fr`).
 *
 * @prop {JSONgle | null} client - The JSONgle client (for the history and to find the `<jsongle-call>` of the same connection).
 * @prop {string} value - The user id or room typed (the `value` attribute gives only the initial one).
 * @prop {readonly HistoryEntry[]} history - The recent calls, newest first (read-only).
 * @prop {HTMLFormElement | null} form - The form of the element (read-only).
 * @prop {ValidityState} validity - Its validity (read-only).
 *
 * @fires {JsongleDialEvent} jsongle-dial - `{ to, media }` before placing a call, cancelable.
 * @fires {JsongleErrorEvent} jsongle-error - `{ error }`: no `<jsongle-call>` to place the call, or the call element refused.
 * @fires {Event} input - The value changed (typing bubbles out of the shadow root; keypad presses fire it on the host).
 *
 * @csspart base - The whole element.
 * @csspart label - The label of the input.
 * @csspart input - The input.
 * @csspart error - The inline error.
 * @csspart actions - The call buttons.
 * @csspart audio-call - The audio call button.
 * @csspart video-call - The video call button.
 * @csspart keypad - The keypad.
 * @csspart key - A key of the keypad.
 * @csspart history - The recent calls.
 * @csspart history-title - Their title.
 * @csspart history-clear - The button that clears them.
 * @csspart history-list - The list of recent calls.
 * @csspart history-entry - A recent call (`data-outcome`, `data-direction`).
 * @csspart history-call - The button that calls its peer again.
 * @csspart history-peer - Its peer.
 * @csspart history-detail - Its direction, outcome and time.
 * @csspart history-empty - The text shown when there is no recent call.
 *
 * @cssprop --jsongle-dialer-width - Width of the element (default 100%).
 * @cssprop --jsongle-dialer-max-width - Maximum width (default 24rem).
 * @cssprop --jsongle-dialer-background - Background.
 * @cssprop --jsongle-dialer-radius - Corner radius.
 * @cssprop --jsongle-dialer-padding - Padding.
 * @cssprop --jsongle-dialer-gap - Space between the parts.
 * @cssprop --jsongle-dialer-input-background - Background of the input.
 * @cssprop --jsongle-dialer-input-border-color - Border colour of the input.
 * @cssprop --jsongle-dialer-error-color - Colour of the error text and the invalid input's border.
 * @cssprop --jsongle-dialer-call-background - Background of the call buttons.
 * @cssprop --jsongle-dialer-call-color - Text colour of the call buttons.
 * @cssprop --jsongle-dialer-key-background - Background of the keypad keys.
 * @cssprop --jsongle-dialer-missed-color - Colour of missed calls in the history.
 * @cssprop --jsongle-dialer-meta-color - Colour of the history details.
 * @cssprop --jsongle-button-size - Minimum height of the buttons.
 * @cssprop --jsongle-focus-ring-color - Focus ring colour.
 *
 * @cssstate invalid - The last dial attempt was refused (inline error shown).
 */
export class JsongleDialer extends JsongleElement {
  static formAssociated = true;
  static override shadowRootOptions: ShadowRootInit = { ...LitElement.shadowRootOptions, delegatesFocus: true };
  static override styles = [hostStyles, buttonStyles, dialerStyles];
  static override properties: PropertyDeclarations = { name: { reflect: true }, value: {}, required: { type: Boolean, reflect: true }, disabled: { type: Boolean, reflect: true }, call: { reflect: true }, connection: { reflect: true }, placeholder: {}, withKeypad: { attribute: 'with-keypad', type: Boolean, reflect: true }, withHistory: { attribute: 'with-history', type: Boolean, reflect: true } };

  name = '';
  #value = '';
  /** The user id or room typed; the form value is the trimmed text, updated at once (as a native input's). */
  set value(value: string) {
    this.#value = value == null ? '' : String(value);
    this.#syncForm();
  }
  get value(): string { return this.#value; }
  required = false;
  disabled = false;
  call = '';
  connection = '';
  placeholder = '';
  withKeypad = false;
  withHistory = false;

  readonly #clients = new ClientController(this, (client) => this.#clientChanged(client));
  #unsubscribe: (() => void) | null = null;
  #error: ErrorKind = '';
  #failure = '';
  #formDisabled = false;

  // ---- properties ----------------------------------------------------------------------------

  get client(): JSONgle | null { return this.#clients.client; }
  set client(client: JSONgle | null) { this.#clients.explicit = client; }

  get history(): readonly HistoryEntry[] { return Object.freeze(this.#readHistory()); }

  get form(): HTMLFormElement | null { return this.internals.form; }
  get validity(): ValidityState { return this.internals.validity; }
  get validationMessage(): string { return this.internals.validationMessage; }
  get willValidate(): boolean { return this.internals.willValidate; }
  checkValidity(): boolean { return this.internals.checkValidity(); }
  reportValidity(): boolean { return this.internals.reportValidity(); }

  // ---- methods -------------------------------------------------------------------------------

  /**
   * Calls the user id or room typed, with `media`: fires `jsongle-dial`, then places the call through
   * the `<jsongle-call>` (which opens the camera and microphone first). Resolves with the Call, or
   * null when the input is invalid, the event was cancelled, or no call element could place it (the
   * element then says why).
   */
  async dial(media: 'audio' | 'video' = 'audio'): Promise<Call | null> {
    if (media !== 'audio' && media !== 'video') {
      throw new JsongleError('invalid-argument', "Invalid argument 'media': expected 'audio' or 'video'", { argument: 'media' });
    }
    const problem = problemOf(this.value);
    if (problem) {
      this.#showError(problem);
      return null;
    }
    const to = this.value.trim();
    if (!this.fire(new JsongleDialEvent({ to, media }))) return null;
    const target = this.#callElement();
    if (!target) {
      this.#showError('no-call');
      this.fire(new JsongleErrorEvent({ error: new JsongleError('invalid-state', 'No <jsongle-call> to place the call: set `call="id"` or add one with the same connection') }));
      return null;
    }
    try {
      const call = await target.call(to, media);
      this.#showError('');
      return call;
    } catch (e) {
      const error = e instanceof JsongleError ? e : new JsongleError('invalid-state', String((e as Error)?.message ?? e));
      this.#failure = error.message;
      this.#showError('failed');
      this.fire(new JsongleErrorEvent({ error }));
      return null;
    }
  }

  /** Forgets the recent calls of this user. */
  clearHistory() {
    const key = this.#key();
    if (!key) return;
    try {
      localStorage.removeItem(key);
    } catch { /* storage unavailable */ }
    this.requestUpdate();
  }

  // ---- form-associated callbacks ---------------------------------------------------------------

  /** @internal Form-associated custom element callback. */
  formResetCallback() {
    this.value = this.getAttribute('value') ?? '';
    this.#showError('');
  }

  /** @internal Form-associated custom element callback. */
  formDisabledCallback(disabled: boolean) {
    this.#formDisabled = disabled;
    this.requestUpdate();
  }

  /** @internal Form-associated custom element callback. */
  formStateRestoreCallback(state: string | File | FormData | null) {
    if (typeof state === 'string') this.value = state;
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('storage', this.#onStorage);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('storage', this.#onStorage);
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('connection')) this.#clients.refresh();
  }

  protected override updated(changed: PropertyValues<this>) {
    super.updated(changed);
    this.#syncForm();
  }

  #syncForm() {
    if (!this.internals) return; // a value set before the base constructor ran
    const value = this.#value;
    const problem = problemOf(value);
    this.internals.setFormValue(value.trim(), value);
    const input = this.renderRoot?.querySelector<HTMLInputElement>('[part~="input"]') ?? undefined;
    if (problem === 'empty') {
      if (this.required) this.internals.setValidity({ valueMissing: true }, this.t('dialer.error.empty'), input);
      else this.internals.setValidity({});
    } else if (problem === 'whitespace') this.internals.setValidity({ patternMismatch: true }, this.t('dialer.error.whitespace'), input);
    else if (problem === 'too-long') this.internals.setValidity({ tooLong: true }, this.t('dialer.error.too-long', { max: MAX_LENGTH }), input);
    else this.internals.setValidity({});
  }

  // ---- the client and the call element -------------------------------------------------------------

  #clientChanged(client: JSONgle | null) {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (!client) return;
    this.#unsubscribe = listen(client, {
      ticket: (ticket: Ticket) => this.#recordTicket(ticket),
      // A call missed while no page of this user was open, delivered by the server's store on its return.
      event: (j: EventBody, from: string) => j.event === 'missed-call' && this.#recordMissed(j.description as Record<string, unknown>, from),
      registered: () => this.requestUpdate(),
    });
  }

  /** The `<jsongle-call>` named by `call`, else the first one of the same connection. */
  #callElement(): JsongleCall | null {
    const root = this.getRootNode() as Document | ShadowRoot;
    if (this.call) {
      const el = root.getElementById?.(this.call) ?? document.getElementById(this.call);
      return el?.localName === 'jsongle-call' ? (el as JsongleCall) : null;
    }
    const client = this.#clients.client;
    const calls = [...new Set([...root.querySelectorAll('jsongle-call'), ...document.querySelectorAll('jsongle-call')])];
    return (client ? calls.find((c) => c.client === client) : calls[0]) ?? null;
  }

  // ---- history -------------------------------------------------------------------------------

  /** The storage key of the current user, or null before the client knows its id. */
  #key(): string | null {
    const client = this.#clients.client;
    if (!client?.id || (client.server && !client.registered)) return null;
    return HISTORY_KEY + client.id;
  }

  #readHistory(): HistoryEntry[] {
    const key = this.#key();
    if (!key) return [];
    try {
      const list = JSON.parse(localStorage.getItem(key) ?? '[]');
      return Array.isArray(list) ? list.filter(isEntry).slice(0, HISTORY_MAX) : [];
    } catch {
      return [];
    }
  }

  #recordTicket(ticket: Ticket) {
    if (!ticket?.sid || ticket.endedReason === 'glare') return;
    this.#record({
      id: ticket.sid,
      peer: peerOf(ticket),
      direction: ticket.direction,
      media: ticket.media,
      outcome: callOutcome(ticket),
      duration: Math.max(0, Math.round(ticket.duration || 0)),
      at: ticket.endedAt ?? ticket.initiatedAt ?? new Date().toISOString(),
    });
  }

  #recordMissed(d: Record<string, unknown>, from: string) {
    if (typeof d.sid !== 'string' || !from) return;
    this.#record({
      id: d.sid, peer: from, direction: 'incoming', media: typeof d.media === 'string' ? d.media : 'audio', outcome: 'missed', duration: 0,
      at: typeof d.ended === 'string' ? d.ended : new Date().toISOString(),
    });
  }

  /** Adds `entry` first (once per call id: a missed call seen again replaces itself). */
  #record(entry: HistoryEntry) {
    const key = this.#key();
    if (!this.withHistory || !key) return;
    const list = [entry, ...this.#readHistory().filter((e) => e.id !== entry.id)].slice(0, HISTORY_MAX);
    try {
      localStorage.setItem(key, JSON.stringify(list));
    } catch { /* storage full or unavailable: the history is best effort */ }
    this.requestUpdate();
  }

  #onStorage = (e: StorageEvent) => {
    if (this.withHistory && (e.key === null || e.key === this.#key())) this.requestUpdate();
  };

  // ---- input ---------------------------------------------------------------------------------

  #showError(kind: ErrorKind) {
    this.#error = kind;
    this.setCustomState('invalid', kind !== '');
    this.requestUpdate();
  }

  #onInput = (e: Event) => {
    this.value = (e.target as HTMLInputElement).value;
    if (this.#error) this.#showError('');
  };

  #onKeydown = (e: KeyboardEvent) => {
    if (e.key !== 'Enter' || e.isComposing) return;
    e.preventDefault();
    // In a form, Enter submits it, as in a native input; elsewhere it dials (audio).
    const form = this.internals.form;
    if (form) form.requestSubmit();
    else this.dial('audio');
  };

  #press(key: string) {
    this.value = `${this.value}${key}`;
    if (this.#error) this.#showError('');
    this.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  }

  #redial(entry: HistoryEntry) {
    this.value = entry.peer;
    this.dial(entry.media === 'audio' ? 'audio' : 'video');
  }

  // ---- rendering -----------------------------------------------------------------------------

  #errorText(): string {
    switch (this.#error) {
      case '': return '';
      case 'too-long': return this.t('dialer.error.too-long', { max: MAX_LENGTH });
      case 'failed': return this.t('error.generic', { message: this.#failure });
      default: return this.t(`dialer.error.${this.#error}` as TranslationKey);
    }
  }

  protected override render() {
    const disabled = this.disabled || this.#formDisabled;
    const error = this.#errorText();
    return html`
      <div part="base">
        <label part="label" for="input">${this.t('dialer.input')}</label>
        <input id="input" part="input" type="text" autocomplete="off" spellcheck="false" autocapitalize="off"
          .value=${this.value ?? ''} placeholder=${this.placeholder || this.t('dialer.placeholder')}
          ?required=${this.required} ?disabled=${disabled}
          aria-invalid=${error ? 'true' : 'false'} aria-describedby=${error ? 'error' : nothing}
          @input=${this.#onInput} @keydown=${this.#onKeydown} />
        <p part="error" id="error" role="alert">${error}</p>
        <div part="actions">
          <button part="audio-call" type="button" ?disabled=${disabled} @click=${() => this.dial('audio')}>${this.t('dialer.audio')}</button>
          <button part="video-call" type="button" ?disabled=${disabled} @click=${() => this.dial('video')}>${this.t('dialer.video')}</button>
        </div>
        ${this.withKeypad ? html`
          <div part="keypad" role="group" aria-label=${this.t('dialer.keypad')}>
            ${KEYS.map((key) => html`<button part="key" type="button" ?disabled=${disabled} @click=${() => this.#press(key)}>${key}</button>`)}
          </div>` : nothing}
        ${this.withHistory ? this.#renderHistory(disabled) : nothing}
      </div>
    `;
  }

  #renderHistory(disabled: boolean) {
    const entries = this.#readHistory();
    return html`
      <section part="history" aria-labelledby="history-title">
        <div class="history-header">
          <span part="history-title" id="history-title">${this.t('dialer.history')}</span>
          <button part="history-clear" type="button" ?disabled=${entries.length === 0} @click=${() => this.clearHistory()}>${this.t('dialer.history.clear')}</button>
        </div>
        ${entries.length === 0 ? html`<p part="history-empty">${this.t('dialer.history.empty')}</p>` : html`
          <ul part="history-list">
            ${entries.map((e) => html`<li part="history-entry" data-outcome=${e.outcome} data-direction=${e.direction}>
              <button part="history-call" type="button" ?disabled=${disabled}
                title=${this.t('dialer.history.call', { name: e.peer, media: this.t(e.media === 'audio' ? 'dialer.media.audio' : 'dialer.media.video') })}
                @click=${() => this.#redial(e)}>
                <span part="history-peer">${e.peer}</span>
                <span part="history-detail">${this.t(`dialer.history.${e.direction}`)} · ${this.#outcomeText(e)} · <time datetime=${e.at}>${this.#time(e.at)}</time></span>
              </button>
            </li>`)}
          </ul>`}
      </section>
    `;
  }

  #outcomeText(e: HistoryEntry): string {
    if (e.outcome === 'answered') return this.t('dialer.outcome.answered', { duration: formatDuration(e.duration) });
    return this.t(`dialer.outcome.${e.outcome}` as TranslationKey);
  }

  #time(iso: string): string {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '';
    try {
      return new Intl.DateTimeFormat(this.locale, { dateStyle: 'short', timeStyle: 'short' }).format(date);
    } catch {
      return date.toISOString();
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jsongle-dialer': JsongleDialer;
  }
}
