import { html, nothing, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import type { Call, CallReason, MutedState } from '../../src/call/call.ts';
import type { Ticket } from '../../src/call/ticket.ts';
import type { JSONgle } from '../../src/client.ts';
import { JsongleError } from '../../src/errors.ts';
import type { CallStateChange } from '../../src/events.ts';
import type { MediaConstraintsOptions } from '../../src/media/devices.ts';
import { MediaSession, type MediaSessionOptions, type MediaSummary } from '../../src/media/peer.ts';
import {
  JsongleCallChangeEvent, JsongleCallEndEvent, JsongleErrorEvent, JsongleIncomingCallEvent, JsongleMuteChangeEvent,
  type CallElementState, type MuteChange,
} from '../events.ts';
import { JsongleElement } from '../internal/base.ts';
import { ClientController, listen } from '../internal/client-controller.ts';
import { buttonStyles, hostStyles } from '../internal/styles.ts';
import type { TranslationKey } from '../translations/index.ts';
import { callStyles } from './call.styles.ts';
import { formatDuration } from '../internal/format.ts';

const STATES: readonly CallElementState[] = ['idle', 'new', 'trying', 'ringing', 'proceeded', 'offering', 'active', 'ended'];

/** The element whose call() is placing a call right now (null when the page called client.call()). */
let placing: JsongleCall | null = null;

/**
 * @tag jsongle-call
 * @summary A whole 1:1 call in one tag: camera and microphone, the WebRTC connection, the state in
 * words, and the buttons to answer, mute and hang up.
 *
 * It takes the calls of its client (from its `client` property, `connection="id"`, or the nearest
 * `<jsongle-connection>`): the outgoing ones as soon as they are placed, the incoming ones when they
 * ring unless the page cancels `jsongle-incoming-call`. Camera and microphone open at once, so
 * media is ready when the callee answers. Removing the element ends its call.
 *
 * @attr to - Who `call()` calls by default (a user id or a room id).
 * @attr media - `audio` (default) or `video`: the media of calls placed with `call()`.
 * @attr auto-answer - Answers incoming calls by itself (kiosks, tests).
 * @attr without-controls - Hides the built-in buttons (the `controls` slot stays).
 * @attr connection - The id of the `<jsongle-connection>` to use, when it is not an ancestor.
 * @attr ice-servers - STUN/TURN servers as JSON: `[{"urls":"turn:turn.example.com","username":"u","credential":"p"}]`.
 * @attr audio-input - The deviceId of the microphone to use; changed during a call, the call moves to it.
 * @attr video-input - The deviceId of the camera to use; changed during a call, the call moves to it.
 * @attr lang - The language of the texts (`en`, `fr`).
 *
 * @prop {JSONgle | null} client - The JSONgle client in use; set it to use a client built by the page.
 * @prop {CallElementState} state - `idle` before the first call, then the call's state (read-only).
 * @prop {MediaStream | null} localStream - The camera/microphone stream of the current call (read-only).
 * @prop {MediaStream | null} remoteStream - The peer's stream (read-only).
 * @prop {Ticket | null} ticket - The ticket of the current or last call, with its metrics once ended (read-only).
 * @prop {Call | null} currentCall - The Call object shown (read-only).
 * @prop {MutedState} localMuted - What this side has muted (read-only).
 * @prop {MutedState} remoteMuted - What the peer has muted (read-only).
 * @prop {RTCIceServer[]} iceServers - STUN/TURN servers; as the `ice-servers` attribute, JSON: `[{"urls":"turn:turn.example.com","username":"u","credential":"p"}]`.
 * @prop {MediaConstraintsOptions} constraints - Extra getUserMedia constraints: `{ audio?: {...}, video?: { width, height, deviceId… } }`.
 *
 * @fires {JsongleIncomingCallEvent} jsongle-incoming-call - `{ call, from, media }`, cancelable: cancel it to handle the call yourself.
 * @fires {JsongleCallChangeEvent} jsongle-call-change - `{ state, previous, reason }`.
 * @fires {JsongleMuteChangeEvent} jsongle-mute-change - `{ side, media, local, remote }`.
 * @fires {JsongleCallEndEvent} jsongle-call-end - `{ reason, ticket }` once the media is released; the ticket holds route, mos, duration.
 * @fires {JsongleErrorEvent} jsongle-error - `{ error }`: camera/microphone refused or missing (`error.detail.device`, `error.detail.reason`), connection failed…
 *
 * @csspart base - The whole card.
 * @csspart stage - The area of the videos or the avatar.
 * @csspart remote-video - The peer's video (video calls).
 * @csspart remote-audio - The peer's audio (audio calls; not visible).
 * @csspart local-video - The camera preview (video calls).
 * @csspart avatar - The peer's initials (audio calls).
 * @csspart name - The peer's name.
 * @csspart state - The state in words, with the timer when connected.
 * @csspart remote-muted - What the peer has muted.
 * @csspart error - The last error, in words.
 * @csspart incoming - The accept and decline buttons of a ringing incoming call.
 * @csspart accept - The accept button.
 * @csspart decline - The decline button.
 * @csspart controls - The call buttons and the `controls` slot.
 * @csspart start - The button that calls `to`.
 * @csspart mute-audio - The microphone toggle.
 * @csspart mute-video - The camera toggle.
 * @csspart hangup - The hang-up button.
 * @csspart live-region - The (visually hidden) live region that announces state changes.
 *
 * @cssprop --jsongle-call-width - Width of the element (default 100%).
 * @cssprop --jsongle-call-max-width - Maximum width (default 40rem).
 * @cssprop --jsongle-call-background - Card background.
 * @cssprop --jsongle-call-color - Card text colour.
 * @cssprop --jsongle-call-radius - Card corner radius.
 * @cssprop --jsongle-call-padding - Card padding.
 * @cssprop --jsongle-call-gap - Space between the parts.
 * @cssprop --jsongle-call-video-aspect-ratio - Aspect ratio of the video stage (default 4 / 3).
 * @cssprop --jsongle-call-video-background - Stage background.
 * @cssprop --jsongle-call-video-fit - object-fit of the remote video (default cover).
 * @cssprop --jsongle-call-preview-width - Width of the local preview (default 28%).
 * @cssprop --jsongle-call-avatar-size - Size of the avatar (default 5rem).
 * @cssprop --jsongle-call-avatar-background - Avatar background.
 * @cssprop --jsongle-call-state-color - Colour of the state text.
 * @cssprop --jsongle-call-error-color - Colour of the error text.
 * @cssprop --jsongle-call-accept-background - Accept button background.
 * @cssprop --jsongle-call-hangup-background - Decline and hang-up button background.
 * @cssprop --jsongle-call-pressed-background - Background of a pressed (muted) toggle.
 * @cssprop --jsongle-button-size - Minimum height of the buttons.
 * @cssprop --jsongle-focus-ring-color - Focus ring colour.
 *
 * @slot controls - Extra buttons, shown with the call buttons.
 *
 * @cssstate idle - No call yet.
 * @cssstate new - An outgoing call was placed.
 * @cssstate trying - The server routes the outgoing call.
 * @cssstate ringing - The call rings (either direction).
 * @cssstate incoming - A ringing incoming call (with `ringing`).
 * @cssstate proceeded - The callee answered; negotiation starts.
 * @cssstate offering - Offer/answer and candidates are being exchanged.
 * @cssstate active - Media is connected.
 * @cssstate ended - The call is over.
 * @cssstate audio-muted - The local microphone is muted.
 * @cssstate video-muted - The local camera is off.
 */
export class JsongleCall extends JsongleElement {
  static override styles = [hostStyles, buttonStyles, callStyles];

  @property({ reflect: true }) to = '';
  @property({ reflect: true }) media: 'audio' | 'video' = 'audio';
  @property({ attribute: 'auto-answer', type: Boolean, reflect: true }) autoAnswer = false;
  @property({ attribute: 'without-controls', type: Boolean, reflect: true }) withoutControls = false;
  @property({ reflect: true }) connection = '';
  @property({ attribute: 'ice-servers', type: Array }) iceServers: RTCIceServer[] = [];
  @property({ attribute: false }) constraints: MediaConstraintsOptions = {};
  @property({ attribute: 'audio-input' }) audioInput = '';
  @property({ attribute: 'video-input' }) videoInput = '';

  readonly #clients = new ClientController(this, (client, previous) => this.#clientChanged(client, previous));
  #unsubscribe: (() => void) | null = null;
  #call: Call | null = null;
  #session: MediaSession | null = null;
  #state: CallElementState = 'idle';
  #reason: CallReason = '';
  #ticket: Ticket | null = null;
  #error: JsongleError | null = null;
  #announcement = '';
  #activeSince = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #answering = false;

  constructor() {
    super();
    this.setOnlyCustomState(STATES, 'idle');
  }

  // ---- properties ----------------------------------------------------------------------------

  get client(): JSONgle | null { return this.#clients.client; }
  set client(client: JSONgle | null) { this.#clients.explicit = client; }

  get state(): CallElementState { return this.#state; }
  get currentCall(): Call | null { return this.#call; }
  get localStream(): MediaStream | null { return this.#session?.localStream ?? null; }
  get remoteStream(): MediaStream | null { return this.#session?.remoteStream ?? null; }
  get localMuted(): MutedState { return { ...(this.#call?.localMuted ?? { audio: false, video: false }) }; }
  get remoteMuted(): MutedState { return { ...(this.#call?.remoteMuted ?? { audio: false, video: false }) }; }
  /** The media session of the current call (the RTCPeerConnection is `mediaSession.pc`). */
  get mediaSession(): MediaSession | null { return this.#session; }

  get ticket(): Ticket | null {
    if (this.#ticket) return this.#ticket;
    const live = this.#clients.client?.ticket;
    return live && this.#call && live.id === this.#call.id ? live : null;
  }

  // ---- methods -------------------------------------------------------------------------------

  /** Calls `to` (default: the `to` attribute) with `media` (default: the `media` attribute). */
  call(to: string = this.to, media: 'audio' | 'video' = this.media): Call {
    const client = this.#requireClient();
    if (!to) throw new JsongleError('invalid-argument', "Invalid argument 'to': nobody to call (set the `to` attribute or pass it)", { argument: 'to' });
    // The client's `call` event (emitted inside client.call()) makes this element take it; the
    // other <jsongle-call> elements of the same client leave a call another element placed.
    placing = this;
    try {
      return client.call(to, media);
    } finally {
      placing = null;
    }
  }

  /** Answers the ringing incoming call, once camera/microphone are open (refused devices decline it). */
  async answer(): Promise<void> {
    const client = this.#requireClient();
    const call = this.#call;
    if (!call || call.outgoing || call.state !== 'ringing') throw new JsongleError('invalid-state', 'answer() needs a ringing incoming call');
    if (this.#answering) return;
    this.#answering = true;
    this.requestUpdate();
    try {
      await this.#session?.ready;
    } catch {
      return; // the media session has declined the call and said why
    } finally {
      this.#answering = false;
      this.requestUpdate();
    }
    if (call.state === 'ringing' && client.currentCall === call) client.proceed();
  }

  /** Declines the ringing incoming call. */
  decline() {
    const client = this.#requireClient();
    const call = this.#call;
    if (!call || call.outgoing || call.state !== 'ringing') throw new JsongleError('invalid-state', 'decline() needs a ringing incoming call');
    client.decline();
  }

  /** Ends the call, whatever its state: retract (caller, before active), decline (ringing), terminate. */
  hangup() {
    const call = this.#call;
    if (!call || call.ended) return;
    const client = this.#clients.client;
    if (client?.currentCall === call) client.end();
    else void this.#session?.close();
  }

  /** Mutes or unmutes the microphone; returns true when it is now muted. */
  toggleAudio(): boolean { return this.#toggle('audio'); }
  /** Turns the camera off or on; returns true when it is now off. */
  toggleVideo(): boolean { return this.#toggle('video'); }

  // ---- lifecycle -----------------------------------------------------------------------------

  override connectedCallback() {
    super.connectedCallback();
    if (this.#state === 'active') this.#startTimer();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.#stopTimer();
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('connection')) this.#clients.refresh();
    // A device chosen during a call: the call moves to it (a failure keeps the old one, and says why).
    // (Checked first: this runs on every update, the call timer's each second included.)
    const audio = changed.has('audioInput');
    const video = changed.has('videoInput') && this.#call?.media !== 'audio';
    const session = this.#session;
    if ((audio || video) && session && !session.isClosed && this.hasUpdated) {
      const { constraints } = this.#mediaOptions();
      if (audio) session.switchDevice('audio', constraints).catch((e) => this.#fail(e));
      if (video) session.switchDevice('video', constraints).catch((e) => this.#fail(e));
    }
  }

  protected override updated(changed: PropertyValues<this>) {
    super.updated(changed);
    if (this.#state === 'active' && this.isConnected) this.#startTimer();
  }

  // ---- the client and its calls ----------------------------------------------------------------

  #clientChanged(client: JSONgle | null, _previous: JSONgle | null) {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    const session = this.#session;
    if (session && !session.isClosed) {
      if (client) void session.close();
      // Disconnected: a move in the DOM comes back at once; a removal ends the call.
      else queueMicrotask(() => { if (!this.isConnected) void session.close(); });
    }
    if (!client) return;
    this.#unsubscribe = listen(client, {
      call: (call: Call) => call.outgoing && (placing === null || placing === this) && this.#adopt(client, call),
      callstatechanged: (call: Call, change: CallStateChange) => {
        if (call === this.#call) this.#setState(change.state, change.reason);
        else if (!call.outgoing && change.state === 'ringing' && change.previous === 'new') this.#incoming(client, call);
      },
    });
  }

  #incoming(client: JSONgle, call: Call) {
    if (this.#call && !this.#call.ended) return; // busy: the client has declined the newcomer
    const handled = !this.fire(new JsongleIncomingCallEvent({ call, from: call.peer, media: call.media }));
    if (handled || call.ended) return; // the page takes it
    this.#adopt(client, call);
    if (this.autoAnswer) this.answer().catch((e) => this.#fail(e));
  }

  /** Takes `call`: its media session starts now (devices open while it rings). */
  #adopt(client: JSONgle, call: Call) {
    if (this.#session && !this.#session.isClosed && this.#session.call !== call) void this.#session.close();
    this.#call = call;
    this.#reason = '';
    this.#ticket = null;
    this.#error = null;
    this.#activeSince = 0;
    const session = MediaSession.attach(client, call, this.#mediaOptions());
    this.#session = session;
    const update = () => this.requestUpdate();
    session.on('localstream', update);
    session.on('remotestream', update);
    session.on('connectionstatechange', update);
    session.on('mutechange', (change) => this.#muteChanged(change));
    session.on('error', (error) => this.#fail(error));
    session.closed.then((summary) => this.#closed(call, summary));
    this.#setState(call.state, call.reason);
  }

  #mediaOptions(): MediaSessionOptions {
    const constraints: MediaConstraintsOptions = { ...this.constraints };
    if (this.audioInput) constraints.audio = { ...constraints.audio, deviceId: { exact: this.audioInput } };
    if (this.videoInput) constraints.video = { ...constraints.video, deviceId: { exact: this.videoInput } };
    return { iceServers: Array.isArray(this.iceServers) ? this.iceServers : [], constraints };
  }

  #setState(state: CallElementState, reason: CallReason) {
    const previous = this.#state;
    if (state === previous && reason === this.#reason) return;
    this.#state = state;
    this.#reason = reason;
    this.setOnlyCustomState(STATES, state);
    this.setCustomState('incoming', !!this.#call && !this.#call.outgoing && state === 'ringing');
    if (state === 'active' && !this.#activeSince) this.#activeSince = Date.now();
    if (state === 'ended') this.#stopTimer();
    if (state !== previous) this.#announce(this.#stateText(false));
    this.requestUpdate();
    this.fire(new JsongleCallChangeEvent({ state, previous, reason }));
  }

  #muteChanged(change: MuteChange) {
    this.setCustomState('audio-muted', change.local.audio);
    this.setCustomState('video-muted', change.local.video);
    if (change.side === 'remote') {
      const name = this.#peerName();
      const kinds = change.media === 'audio+video' ? ['audio', 'video'] : [change.media];
      this.#announce(kinds.map((k) => this.t(`call.remote.${change.remote[k as 'audio'] ? 'muted' : 'unmuted'}.${k}` as TranslationKey, { name })).join(' '));
    }
    this.requestUpdate();
    this.fire(new JsongleMuteChangeEvent(change));
  }

  #closed(call: Call, summary: MediaSummary) {
    if (call !== this.#call) return;
    this.#ticket = summary.ticket ?? (this.#clients.client?.ticket?.id === call.id ? this.#clients.client.ticket : null);
    this.#session = null;
    if (this.#state !== 'ended') this.#setState('ended', call.reason);
    this.setCustomState('audio-muted', false);
    this.setCustomState('video-muted', false);
    this.requestUpdate();
    this.fire(new JsongleCallEndEvent({ reason: call.reason, ticket: this.#ticket }));
  }

  #toggle(kind: 'audio' | 'video'): boolean {
    const session = this.#session;
    if (!session || !this.#call || this.#call.ended) throw new JsongleError('invalid-state', `toggle${kind === 'audio' ? 'Audio' : 'Video'}() needs a call in progress`);
    return session.toggle(kind);
  }

  #requireClient(): JSONgle {
    const client = this.#clients.client;
    if (!client) throw new JsongleError('invalid-state', 'No JSONgle client: set `client`, `connection`, or put the element in a <jsongle-connection>');
    return client;
  }

  #fail(error: unknown) {
    this.#error = error instanceof JsongleError ? error : new JsongleError('invalid-state', String((error as Error)?.message ?? error));
    this.requestUpdate();
    this.fire(new JsongleErrorEvent({ error: this.#error }));
  }

  /** Runs a button's action; what it throws becomes a `jsongle-error`. */
  #act(action: () => unknown) {
    return () => {
      try {
        const result = action();
        if (result instanceof Promise) result.catch((e) => this.#fail(e));
      } catch (e) {
        this.#fail(e);
      }
    };
  }

  #announce(text: string) {
    this.#announcement = text;
  }

  #startTimer() {
    if (this.#timer === undefined) this.#timer = setInterval(() => this.requestUpdate(), 1000);
  }

  #stopTimer() {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  // ---- rendering -----------------------------------------------------------------------------

  #peerName(): string {
    return this.#call?.peer ?? this.to;
  }

  #stateText(withTimer: boolean): string {
    const name = this.#peerName();
    const call = this.#call;
    switch (this.#state) {
      case 'idle': return this.t('call.idle');
      case 'new':
      case 'trying': return this.t('call.calling', { name });
      case 'ringing':
        if (call?.outgoing) return this.t('call.ringing.outgoing', { name });
        return this.t(call?.media === 'audio' ? 'call.ringing.incoming' : 'call.ringing.incoming.video', { name });
      case 'proceeded':
      case 'offering': return this.t('call.connecting', { name });
      case 'active': return withTimer ? this.t('call.active.timer', { time: clock(Date.now() - this.#activeSince) }) : this.t('call.active', { name });
      case 'ended': {
        const reason = call?.reason;
        if (call?.cause === 'answered-elsewhere') return this.t('call.ended.answered-elsewhere');
        return reason === 'declined' || reason === 'retracted' || reason === 'terminated' || reason === 'unreachable'
          ? this.t(`call.ended.${reason}`, { name }) : this.t('call.ended');
      }
    }
  }

  #errorText(error: JsongleError): string {
    const d = error.detail as { reason?: string; device?: string };
    if (error.code === 'media' && d.device && d.reason) {
      const key = `error.media.${d.reason}` as TranslationKey;
      return this.t(key, { device: this.t(`device.${d.device}` as TranslationKey) });
    }
    if (error.code === 'media' && (d.reason === 'ice-failed' || d.reason === 'dtls-failed')) return this.t('error.connection');
    return this.t('error.generic', { message: error.message });
  }

  protected override render() {
    const call = this.#call;
    const state = this.#state;
    const live = !!call && !call.ended;
    const video = call ? call.media !== 'audio' : this.media === 'video';
    const incoming = live && !call!.outgoing && state === 'ringing';
    const name = this.#peerName();
    const local = this.localStream;
    const remote = this.remoteStream;
    const muted = this.localMuted;
    const remoteMuted = this.remoteMuted;
    const remoteMutedText = live ? [
      remoteMuted.audio ? this.t('call.remote.muted.audio', { name }) : '',
      video && remoteMuted.video ? this.t('call.remote.muted.video', { name }) : '',
    ].filter(Boolean).join(' ') : '';
    const canStart = !live && !!this.to && !!this.#clients.client;
    return html`
      <section part="base" aria-label=${this.t('call.label')}>
        <div part="stage" class=${video ? 'video' : 'audio'}>
          ${video && live
            ? html`<video part="remote-video" autoplay playsinline aria-label=${this.t('call.remote.video', { name })} .srcObject=${remote}></video>`
            : html`<div part="avatar" aria-hidden="true">${initials(name)}</div>`}
          ${!video && remote ? html`<audio part="remote-audio" autoplay .srcObject=${remote}></audio>` : nothing}
          ${video && local
            ? html`<video part="local-video" autoplay playsinline .muted=${true} aria-label=${this.t('call.local.video')} .srcObject=${local}></video>`
            : nothing}
        </div>
        ${name ? html`<p part="name">${name}</p>` : nothing}
        <p part="state">${this.#stateText(true)}</p>
        ${remoteMutedText ? html`<p part="remote-muted">${remoteMutedText}</p>` : nothing}
        ${this.#error ? html`<p part="error" role="alert">${this.#errorText(this.#error)}</p>` : nothing}
        <div part="live-region" class="visually-hidden" role="status" aria-live="polite">${this.#announcement}</div>
        ${incoming && !this.withoutControls ? html`
          <div part="incoming" role="group" aria-label=${this.#stateText(false)}>
            <button part="accept" type="button" ?disabled=${this.#answering} aria-busy=${this.#answering ? 'true' : 'false'}
              @click=${this.#act(() => this.answer())}>${this.t('call.accept')}</button>
            <button part="decline" type="button" @click=${this.#act(() => this.decline())}>${this.t('call.decline')}</button>
          </div>` : nothing}
        <div part="controls" role="group" aria-label=${this.t('call.controls')}>
          ${this.withoutControls ? nothing : html`
            ${canStart ? html`<button part="start" type="button" @click=${this.#act(() => this.call())}>${this.t('call.start', { name: this.to })}</button>` : nothing}
            ${live && !incoming ? html`
              <button part="mute-audio" type="button" aria-pressed=${muted.audio ? 'true' : 'false'} ?hidden=${call!.media === 'video-only'}
                @click=${this.#act(() => this.toggleAudio())}>${this.t('call.mute.audio')}</button>
              ${video ? html`<button part="mute-video" type="button" aria-pressed=${muted.video ? 'true' : 'false'}
                @click=${this.#act(() => this.toggleVideo())}>${this.t('call.mute.video')}</button>` : nothing}
              <button part="hangup" type="button" @click=${this.#act(() => this.hangup())}>${this.t('call.hangup')}</button>
            ` : nothing}`}
          <slot name="controls"></slot>
        </div>
      </section>
    `;
  }
}

/** Up to two initials of a name or id, as text. */
const initials = (name: string): string =>
  name.split(/[\s._@-]+/).filter(Boolean).slice(0, 2).map((w) => [...w][0]!.toUpperCase()).join('') || '?';

const clock = (ms: number): string => formatDuration(Math.floor(ms / 1000));

declare global {
  interface HTMLElementTagNameMap {
    'jsongle-call': JsongleCall;
  }
}
