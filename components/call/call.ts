import { html, type PropertyDeclarations, nothing, type PropertyValues } from 'lit';
import type { Call, CallReason, MutedState } from '../../src/call/call.ts';
import type { Ticket } from '../../src/call/ticket.ts';
import type { JSONgle } from '../../src/client.ts';
import { JsongleError } from '../../src/errors.ts';
import type { CallStateChange } from '../../src/events.ts';
import { kindsFor, openDevices, type MediaConstraintsOptions } from '../../src/media/devices.ts';
import { MediaSession, type MediaSessionOptions, type MediaSummary } from '../../src/media/peer.ts';
import type { Quality } from '../../src/media/quality.ts';
import {
  JsongleCallChangeEvent, JsongleCallEndEvent, JsongleErrorEvent, JsongleIncomingCallEvent, JsongleMediaChangeEvent, JsongleMuteChangeEvent,
  JsongleQualityChangeEvent,
  type CallElementState, type MuteChange,
} from '../events.ts';
import { JsongleElement } from '../internal/base.ts';
import { ClientController, listen } from '../internal/client-controller.ts';
import { buttonStyles, hostStyles } from '../internal/styles.ts';
import type { TranslationKey } from '../translations/index.ts';
import { callStyles } from './call.styles.ts';
import { formatDuration } from '../internal/format.ts';
import { icons } from '../internal/icons.ts';
import { askNotificationPermission, notifyIncoming } from './notification.ts';
import { Ringtone } from './ringtone.ts';
import { addEnglish } from '../translations/index.ts';
import { call as texts } from '../translations/en/call.ts';

addEnglish(texts);

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
 * ring unless the page cancels `jsongle-incoming-call`. `call()` opens the camera and microphone
 * before anyone is rung (refused: nothing is proposed, and the element says which device and why);
 * an incoming call rings without touching them, and opens them when it is answered, while its
 * negotiation starts (camera refused: the call goes on with audio only and the peer is told;
 * microphone refused: it ends with reason `media-error`). Removing the element ends its call.
 *
 * @attr to - Who `call()` calls by default (a user id or a room id).
 * @attr media - `audio` (default) or `video`: the media of calls placed with `call()`.
 * @attr auto-answer - Answers incoming calls by itself (kiosks, tests).
 * @attr ring-timeout - Seconds an outgoing call may ring unanswered before it is retracted (reason `timeout`); default: the client's `ringTimeout` (60 s).
 * @attr without-controls - Hides the built-in buttons (the `controls` slot stays).
 * @attr connection - The id of the `<jsongle-connection>` to use, when it is not an ancestor.
 * @attr ice-servers - STUN/TURN servers as JSON: `[{"urls":"turn:turn.example.com","username":"u","credential":"p"}]`. Unset: the enclosing `<jsongle-connection>`'s, else TURN credentials from the server.
 * @attr audio-input - The deviceId of the microphone to use; changed during a call, the call moves to it.
 * @attr video-input - The deviceId of the camera to use; changed during a call, the call moves to it.
 * @attr ringtone - The sound of an incoming call: empty (default) for the built-in tone (Web Audio, no file), `none` for silence (no ringback either), or the URL of an audio file to loop.
 * @attr notify - While the page is hidden, an incoming call also shows a system notification (permission is asked at the first click or key press after this is set); clicking it brings the page forward.
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
 * @prop {'ringtone' | 'ringback' | null} ringtonePlaying - What sounds now: `ringtone` (a call rings here), `ringback` (the callee's device rings), or null (read-only).
 * @prop {RTCIceServer[]} iceServers - STUN/TURN servers; as the `ice-servers` attribute, JSON: `[{"urls":"turn:turn.example.com","username":"u","credential":"p"}]`.
 * @prop {RTCConfiguration} rtcConfiguration - Anything else for the RTCPeerConnection, e.g. `{ iceTransportPolicy: 'relay' }` (TURN only).
 * @prop {MediaConstraintsOptions} constraints - Extra getUserMedia constraints: `{ audio?: {...}, video?: { width, height, deviceId… } }`.
 *
 * @fires {JsongleIncomingCallEvent} jsongle-incoming-call - `{ call, from, media }`, cancelable: cancel it to handle the call yourself.
 * @fires {JsongleCallChangeEvent} jsongle-call-change - `{ state, previous, reason }`.
 * @fires {JsongleMuteChangeEvent} jsongle-mute-change - `{ side, media, local, remote }`.
 * @fires {JsongleMediaChangeEvent} jsongle-media-change - `{ local: { audio, video, screen }, remote: { audio, video } }` when media is added or removed mid-call (addVideo, screen share, the peer's).
 * @fires {JsongleQualityChangeEvent} jsongle-quality-change - `{ bars, mos, rtt, jitter, packetLoss, route }` when the quality indicator's bar count changes.
 * @fires {JsongleCallEndEvent} jsongle-call-end - `{ reason, ticket }` once the media is released; the ticket holds route, mos, duration.
 * @fires {JsongleErrorEvent} jsongle-error - `{ error }`: camera/microphone refused or missing (`error.detail.device`, `error.detail.reason`), connection failed…
 *
 * @csspart base - The whole card (`data-phase` = idle|calling|incoming|connecting|active|reconnecting|ended).
 * @csspart header - Above the peer's video: their name, the timer and what they muted (while their video plays).
 * @csspart stage - The area of the videos or the avatar.
 * @csspart remote-video - The peer's video (video calls).
 * @csspart remote-audio - The peer's audio (audio calls; not visible).
 * @csspart local-video - The camera preview, small in a corner (video calls); with `local-off` while the camera is off.
 * @csspart local-off - The tile that stands for the preview while the camera is off.
 * @csspart placeholder - The avatar, name and state, in the stage when no video plays.
 * @csspart avatar - The peer's initials in a circle (with `avatar-empty`, an icon, when there is no peer).
 * @csspart avatar-empty - The icon shown in place of an avatar before any call.
 * @csspart info - The name, the state and the badges.
 * @csspart name - The peer's name.
 * @csspart status - The state line: the state, and the duration of an ended call.
 * @csspart state - The state in a few words; the timer when connected ("Reconnecting…" while an ICE restart brings the media back).
 * @csspart quality - The call quality indicator in the state line: 1–5 bars from the E-model MOS of the last 5 s, labelled for screen readers.
 * @csspart quality-bar - One bar of the indicator (`lit` class when it counts).
 * @csspart duration - How long the ended call lasted.
 * @csspart hint - What the element is for, before any call.
 * @csspart badges - What the peer has muted, as badges.
 * @csspart badge - One badge (with `remote-muted`, `data-media` = audio|video).
 * @csspart remote-muted - A badge saying what the peer has muted.
 * @csspart error - The last error, in words.
 * @csspart incoming - The accept and decline buttons of a ringing incoming call.
 * @csspart accept - The accept button.
 * @csspart decline - The decline button.
 * @csspart controls - The call buttons and the `controls` slot.
 * @csspart start - The button that calls `to`.
 * @csspart call-again - After a call, the button that calls the same person again.
 * @csspart mute-audio - The microphone toggle (`aria-pressed`, named by its state).
 * @csspart mute-video - The camera toggle (`aria-pressed`, named by its state).
 * @csspart hangup - The hang-up button.
 * @csspart add-video - The button that adds the camera to an audio call (peers that can renegotiate).
 * @csspart share-screen - The screen share button (hidden where the browser has no getDisplayMedia).
 * @csspart stop-screen-share - The button that stops sharing the screen.
 * @csspart fullscreen - The full-screen button (video calls).
 * @csspart live-region - The (visually hidden) live region that announces state changes.
 * @csspart alert-region - The (visually hidden) assertive live region that announces an incoming call.
 *
 * @cssprop --jsongle-call-width - Width of the element (default 100%).
 * @cssprop --jsongle-call-max-width - Maximum width (default 40rem).
 * @cssprop --jsongle-call-background - Card background.
 * @cssprop --jsongle-call-color - Card text colour.
 * @cssprop --jsongle-call-radius - Card corner radius.
 * @cssprop --jsongle-call-padding - Card padding.
 * @cssprop --jsongle-call-gap - Space between the parts.
 * @cssprop --jsongle-call-video-aspect-ratio - Aspect ratio of the video stage (default 4 / 3; 3 / 4 when narrower than 30rem).
 * @cssprop --jsongle-call-idle-background - Stage background before and after a call.
 * @cssprop --jsongle-call-border-color - Border of the stage before and after a call.
 * @cssprop --jsongle-call-button-background - Background of the round call buttons.
 * @cssprop --jsongle-call-button-color - Icon colour of the round call buttons.
 * @cssprop --jsongle-call-control-size - Size of the round call buttons (default 3.25rem; 3rem when narrow).
 * @cssprop --jsongle-call-ringing-avatar-size - Size of the avatar while a call rings (default 7.5rem).
 * @cssprop --jsongle-call-video-background - Stage background.
 * @cssprop --jsongle-call-video-fit - object-fit of the remote video (default cover).
 * @cssprop --jsongle-call-preview-width - Width of the local preview (default 28%).
 * @cssprop --jsongle-call-avatar-size - Size of the avatar (default 6rem).
 * @cssprop --jsongle-call-avatar-background - Avatar background (default: one of six colours, chosen by the name).
 * @cssprop --jsongle-call-state-color - Colour of the state text.
 * @cssprop --jsongle-call-error-color - Colour of the error text.
 * @cssprop --jsongle-call-quality-color - Colour of the lit quality bars.
 * @cssprop --jsongle-call-quality-off-color - Colour of the unlit quality bars.
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
 * @cssstate reconnecting - The media path broke; an ICE restart is bringing it back.
 * @cssstate sharing-screen - This side shares its screen.
 */
export class JsongleCall extends JsongleElement {
  static override styles = [hostStyles, buttonStyles, callStyles];
  static override properties: PropertyDeclarations = { to: { reflect: true }, media: { reflect: true }, autoAnswer: { attribute: 'auto-answer', type: Boolean, reflect: true }, ringTimeout: { attribute: 'ring-timeout', type: Number }, withoutControls: { attribute: 'without-controls', type: Boolean, reflect: true }, connection: { reflect: true }, iceServers: { attribute: 'ice-servers', type: Array }, constraints: { attribute: false }, rtcConfiguration: { attribute: false }, audioInput: { attribute: 'audio-input' }, videoInput: { attribute: 'video-input' }, ringtone: { reflect: true }, notify: { type: Boolean, reflect: true } };

  to = '';
  media: 'audio' | 'video' = 'audio';
  autoAnswer = false;
  ringTimeout = 0;
  withoutControls = false;
  connection = '';
  iceServers: RTCIceServer[] = [];
  constraints: MediaConstraintsOptions = {};
  rtcConfiguration: RTCConfiguration = {};
  audioInput = '';
  videoInput = '';
  ringtone = '';
  notify = false;

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
  #quality: Quality | null = null;
  /** The assertive announcement (an incoming call); `#announcement` has the polite ones. */
  #alert = '';
  readonly #tone = new Ringtone();
  #closeNotification: (() => void) | null = null;
  /** Focus was inside the element before this update (a button that goes away hands it on). */
  #hadFocus = false;
  /** Move focus to Accept once rendered (a call just started ringing here). */
  #focusAccept = false;
  /** The devices call() opened, handed to the media session of the call it places. */
  #stream: MediaStream | null = null;
  /** Errors already reported as `jsongle-error` (a button's action rejecting with one is not reported twice). */
  readonly #reported = new WeakSet<object>();

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
  /** What sounds now: `ringtone` (a call rings here), `ringback` (the callee's device rings), or null. */
  get ringtonePlaying(): 'ringtone' | 'ringback' | null { return this.#tone.playing; }
  /** The media session of the current call (the RTCPeerConnection is `mediaSession.pc`). */
  get mediaSession(): MediaSession | null { return this.#session; }

  get ticket(): Ticket | null {
    if (this.#ticket) return this.#ticket;
    const live = this.#clients.client?.ticket;
    return live && this.#call && live.sid === this.#call.id ? live : null;
  }

  // ---- methods -------------------------------------------------------------------------------

  /**
   * Calls `to` (default: the `to` attribute) with `media` (default: the `media` attribute). The
   * camera and microphone open first, so the permission prompt comes before anyone is rung; when
   * they fail nothing is proposed, the element says which device and why, and the promise rejects.
   * Resolves with the Call once proposed.
   */
  call(to: string = this.to, media: 'audio' | 'video' = this.media): Promise<Call> {
    const client = this.#requireClient();
    if (!to) throw new JsongleError('invalid-argument', "Invalid argument 'to': nobody to call (set the `to` attribute or pass it)", { argument: 'to' });
    if (client.currentCall) throw new JsongleError('invalid-state', `A call is already in progress (${client.currentCall.id})`);
    return this.#place(client, to, media);
  }

  async #place(client: JSONgle, to: string, media: 'audio' | 'video'): Promise<Call> {
    this.#error = null;
    let stream: MediaStream;
    try {
      stream = await openDevices(kindsFor(media), this.#mediaOptions().constraints);
    } catch (e) {
      this.#fail(e);
      throw e;
    }
    // The client's `call` event (emitted inside client.call()) makes this element take it; the
    // other <jsongle-call> elements of the same client leave a call another element placed.
    placing = this;
    this.#stream = stream;
    try {
      return client.call(to, media, this.ringTimeout > 0 ? { ringTimeout: this.ringTimeout * 1000 } : {});
    } catch (e) {
      stream.getTracks().forEach((t) => t.stop());
      throw e;
    } finally {
      placing = null;
      this.#stream = null;
    }
  }

  /**
   * Answers the ringing incoming call: proceeds at once and opens camera/microphone meanwhile (the
   * negotiation does not wait for them; a refused microphone ends the call with reason
   * `media-error`). Resolves once they are open.
   */
  async answer(): Promise<void> {
    const client = this.#requireClient();
    const call = this.#call;
    if (!call || call.outgoing || call.state !== 'ringing') throw new JsongleError('invalid-state', 'answer() needs a ringing incoming call');
    if (this.#answering) return;
    this.#answering = true;
    // In one task: the devices start opening (getUserMedia is only asked here), the proceed leaves;
    // this element's render comes after (see scheduleUpdate).
    const devices = this.#session?.open();
    if (client.currentCall === call) client.proceed();
    await devices?.catch(() => {}); // refused: the media session has ended the call and said why
    this.#answering = false;
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

  /** Adds the camera to an active audio call; both sides then see video (the peer must list `renegotiate`). */
  addVideo(): Promise<void> { return this.#needSession('addVideo()').addVideo(this.#mediaOptions().constraints); }
  /** Shares the screen instead of the camera (or as the video of an audio call); the peer sees it. */
  shareScreen(): Promise<void> { return this.#needSession('shareScreen()').shareScreen(); }
  /** Stops sharing the screen: the camera comes back (or the video leaves an audio call). */
  stopScreenShare(): Promise<void> { return this.#session?.stopScreenShare() ?? Promise.resolve(); }

  // ---- lifecycle -----------------------------------------------------------------------------

  override connectedCallback() {
    super.connectedCallback();
    if (this.#state === 'active') this.#startTimer();
    document.addEventListener('fullscreenchange', this.#onFullscreen);
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#alerting(this.#isIncoming());
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.#stopTimer();
    this.#alerting(false);
    document.removeEventListener('fullscreenchange', this.#onFullscreen);
    document.removeEventListener('visibilitychange', this.#onVisibility);
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('connection')) this.#clients.refresh();
    this.#hadFocus = !!this.shadowRoot?.activeElement;
    if (changed.has('notify') && this.notify) askNotificationPermission();
    if (changed.has('ringtone') && this.#tone.tone) { this.#tone.stop(); this.#alerting(this.#isIncoming()); }
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
    this.#moveFocus();
  }

  /**
   * Focus follows the call: to Accept when a call starts ringing here; and when the focused button
   * went away (Accept, Hang up…), to the main action of the new state, never to the page's <body>.
   */
  #moveFocus() {
    const root = this.shadowRoot;
    if (!root) return;
    const find = (part: string) => root.querySelector<HTMLElement>(`[part~="${part}"]:not([hidden]):not([disabled])`);
    if (this.#focusAccept) {
      this.#focusAccept = false;
      const accept = find('accept');
      if (accept) return accept.focus();
    }
    if (!this.#hadFocus || root.activeElement) return;
    const target = ['accept', 'hangup', 'start', 'call-again'].map(find).find(Boolean) ?? find('base');
    target?.focus();
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
    else this.#focusAccept = !this.withoutControls;
  }

  /** Takes `call`: its media session starts now (devices open while it rings). */
  #adopt(client: JSONgle, call: Call) {
    if (this.#session && !this.#session.isClosed && this.#session.call !== call) void this.#session.close();
    this.#call = call;
    this.#reason = '';
    this.#ticket = null;
    this.#error = null;
    this.#activeSince = 0;
    this.#quality = null;
    const session = MediaSession.attach(client, call, { ...this.#mediaOptions(), stream: this.#stream ?? undefined });
    this.#session = session;
    const update = () => this.requestUpdate();
    session.on('localstream', update);
    session.on('remotestream', update);
    session.on('connectionstatechange', update);
    session.on('mutechange', (change) => this.#muteChanged(change));
    session.on('error', (error) => this.#fail(error));
    session.on('reconnecting', (on) => {
      this.setCustomState('reconnecting', on);
      this.#announce(on ? this.t('call.status.reconnecting') : this.#stateText());
      this.requestUpdate();
    });
    session.on('mediachange', (change) => {
      this.setCustomState('sharing-screen', change.local.screen);
      this.requestUpdate();
      this.fire(new JsongleMediaChangeEvent(change));
    });
    session.on('quality', (q) => {
      const changed = q.bars !== this.#quality?.bars;
      this.#quality = q;
      if (!changed) return;
      this.requestUpdate();
      const { bars, mos, rtt, jitter, packetLoss, route } = q;
      this.fire(new JsongleQualityChangeEvent({ bars, mos, rtt, jitter, packetLoss, route }));
    });
    session.closed.then((summary) => this.#closed(call, summary));
    this.#setState(call.state, call.reason);
  }

  #mediaOptions(): MediaSessionOptions {
    const constraints: MediaConstraintsOptions = { ...this.constraints };
    if (this.audioInput) constraints.audio = { ...constraints.audio, deviceId: { exact: this.audioInput } };
    if (this.videoInput) constraints.video = { ...constraints.video, deviceId: { exact: this.videoInput } };
    // This element's servers, else its connection's; none: the media session asks the server for TURN.
    const own = Array.isArray(this.iceServers) && this.iceServers.length ? this.iceServers : undefined;
    const shared = this.#clients.provider?.iceServers;
    const iceServers = own ?? (Array.isArray(shared) && shared.length ? shared : undefined);
    return { iceServers, rtcConfiguration: this.rtcConfiguration, constraints };
  }

  /** Accepted, until the offer is in (at most 100 ms): this element's render waits. */
  #held: Promise<void> | null = null;
  #release?: () => void;

  /**
   * The callee's render at Accept (the controls of a call in progress, the focus move: 15–30 ms on
   * a busy page) comes once the offer has been handed to WebRTC, so that the offer does not wait
   * behind it.
   */
  protected override scheduleUpdate(): void | Promise<unknown> {
    return this.#held ? this.#held.then(() => super.scheduleUpdate()) : super.scheduleUpdate();
  }

  #setState(state: CallElementState, reason: CallReason) {
    const previous = this.#state;
    if (state === previous && reason === this.#reason) return;
    if (state === 'proceeded' && !this.#call?.outgoing) {
      this.#held = new Promise<void>((resolve) => setTimeout(this.#release = resolve, 100)).then(() => { this.#held = null; });
    } else if (this.#held) setTimeout(this.#release!); // after this task, whose microtasks hand the offer to WebRTC
    this.#state = state;
    this.#reason = reason;
    this.setOnlyCustomState(STATES, state);
    this.setCustomState('incoming', !!this.#call && !this.#call.outgoing && state === 'ringing');
    if (state === 'active' && !this.#activeSince) this.#activeSince = Date.now();
    if (state === 'ended') this.#stopTimer();
    if (state !== previous) this.#announce(this.#stateText(), this.#isIncoming());
    this.#alerting(this.#isIncoming());
    this.#ringback(!!this.#call?.outgoing && state === 'ringing');
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
    this.#ticket = summary.ticket ?? (this.#clients.client?.ticket?.sid === call.id ? this.#clients.client.ticket : null);
    this.#session = null;
    if (this.#state !== 'ended') this.#setState('ended', call.reason);
    this.setCustomState('audio-muted', false);
    this.setCustomState('video-muted', false);
    this.setCustomState('reconnecting', false);
    this.setCustomState('sharing-screen', false);
    this.#quality = null;
    this.requestUpdate();
    this.fire(new JsongleCallEndEvent({ reason: call.reason, ticket: this.#ticket }));
  }

  #toggle(kind: 'audio' | 'video'): boolean {
    const session = this.#session;
    if (!session || !this.#call || this.#call.ended) throw new JsongleError('invalid-state', `toggle${kind === 'audio' ? 'Audio' : 'Video'}() needs a call in progress`);
    return session.toggle(kind);
  }

  #needSession(what: string): MediaSession {
    const session = this.#session;
    if (!session || !this.#call || this.#call.ended) throw new JsongleError('invalid-state', `${what} needs a call in progress`);
    return session;
  }

  #requireClient(): JSONgle {
    const client = this.#clients.client;
    if (!client) throw new JsongleError('invalid-state', 'No JSONgle client: set `client`, `connection`, or put the element in a <jsongle-connection>');
    return client;
  }

  #fail(error: unknown) {
    if (typeof error === 'object' && error !== null) {
      if (this.#reported.has(error)) return;
      this.#reported.add(error);
    }
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

  #announce(text: string, assertive = false) {
    this.#announcement = assertive ? '' : text;
    this.#alert = assertive ? text : '';
  }

  #isIncoming(): boolean {
    const call = this.#call;
    return !!call && !call.outgoing && !call.ended && this.#state === 'ringing' && !this.autoAnswer;
  }

  /** The ringtone, and the system notification while the page is hidden, as long as a call rings here. */
  #alerting(on: boolean) {
    if (!on || !this.isConnected) {
      if (this.#tone.tone === 'ringtone') this.#tone.stop();
      this.#closeNotification?.();
      this.#closeNotification = null;
      return;
    }
    if (this.ringtone !== 'none') this.#tone.start('ringtone', this.ringtone);
    if (this.notify && !this.#closeNotification) {
      // As a phone shows it: who calls, then what kind of call.
      this.#closeNotification = notifyIncoming(this.#peerName(), this.#statusText('incoming'), `jsongle-call:${this.#call!.id}`,
        () => this.renderRoot.querySelector<HTMLElement>('[part~="accept"]')?.focus());
    }
  }

  /** The quiet tone of an outgoing call while the callee's device rings. */
  #ringback(on: boolean) {
    if (on && this.ringtone !== 'none' && this.isConnected) this.#tone.start('ringback');
    else if (this.#tone.tone === 'ringback') this.#tone.stop();
  }

  #onVisibility = () => {
    // Hidden while it rings: the notification; visible again: the page shows the call itself.
    if (document.visibilityState === 'visible') {
      this.#closeNotification?.();
      this.#closeNotification = null;
    } else if (this.#isIncoming()) this.#alerting(true);
  };

  #onFullscreen = () => this.requestUpdate();

  #toggleFullscreen() {
    const base = this.renderRoot.querySelector<HTMLElement>('[part~="base"]');
    if (this.shadowRoot?.fullscreenElement) return document.exitFullscreen();
    return base?.requestFullscreen();
  }

  #startTimer() {
    if (this.#timer === undefined) this.#timer = setInterval(() => this.requestUpdate(), 1000);
  }

  #stopTimer() {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  // ---- rendering -----------------------------------------------------------------------------
  // One method per piece, so each can change (or be styled) alone: the stage (videos or the
  // avatar), the info (name, status, what the peer muted), the incoming actions, the controls.

  #peerName(): string {
    return this.#call?.peer ?? this.to;
  }

  /** What the stage shows, in the words of the stylesheet (`data-phase`). */
  #phase(): Phase {
    const call = this.#call;
    if (!call) return 'idle';
    switch (this.#state) {
      case 'idle': return 'idle';
      case 'ended': return 'ended';
      case 'active': return this.#session?.reconnecting || this.#session?.connectionState === 'disconnected' ? 'reconnecting' : 'active';
      case 'ringing': return call.outgoing ? 'calling' : 'incoming';
      default: return call.outgoing && this.#state !== 'proceeded' && this.#state !== 'offering' ? 'calling' : 'connecting';
    }
  }

  /** The state in a sentence (the live region says it). */
  #stateText(): string {
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
      case 'active': return this.t('call.active', { name });
      case 'ended': return this.#endedText();
    }
  }

  #endedText(): string {
    const call = this.#call;
    const reason = call?.reason;
    const name = this.#peerName();
    const side = call?.outgoing ? 'outgoing' : 'incoming';
    switch (call?.cause) {
      case 'answered-elsewhere':
      case 'glare':
      case 'connectivity-error':
        return this.t(`call.ended.${call.cause}`, { name });
      case 'busy': return this.t('call.ended.busy', { name });
      case 'timeout':
      case 'media-error':
        return this.t(`call.ended.${call.cause}.${side}`, { name });
      // The peer's page or connection went away (this side's own `gone` is not news to it):
      // it left the call, or, before the call was answered, the callee missed it.
      case 'gone':
        if (call.endedBy === 'local') break;
        if (call.times.active) return this.t('call.ended.gone', { name });
        if (!call.outgoing) return this.t('call.ended.timeout.incoming', { name });
    }
    return reason === 'declined' || reason === 'retracted' || reason === 'terminated' || reason === 'unreachable'
      ? this.t(`call.ended.${reason}`, { name }) : this.t('call.ended');
  }

  /** The state in a few words beside the name (the timer once connected). */
  #statusText(phase: Phase): string {
    const call = this.#call;
    switch (phase) {
      case 'idle': return this.t('call.idle');
      case 'calling': return this.t(this.#state === 'ringing' ? 'call.status.ringing' : 'call.status.calling');
      case 'incoming': return this.t(call?.media === 'audio' ? 'call.status.incoming.audio' : 'call.status.incoming.video');
      case 'connecting': return this.t('call.status.connecting');
      case 'reconnecting': return this.t('call.status.reconnecting');
      case 'active': return clock(Date.now() - this.#activeSince);
      case 'ended': return this.#endedText();
    }
  }

  #errorText(error: JsongleError): string {
    const d = error.detail as { reason?: string; device?: string };
    if (error.code === 'media' && d.device && d.reason) {
      const key = `error.media.${d.reason}` as TranslationKey;
      return this.t(key, { device: this.t(`device.${d.device}` as TranslationKey) });
    }
    if (error.code === 'media' && (d.reason === 'ice-failed' || d.reason === 'dtls-failed' || d.reason === 'connectivity-error')) return this.t('error.connection');
    return this.t('error.generic', { message: error.message });
  }

  protected override render() {
    const call = this.#call;
    const live = !!call && !call.ended;
    // A video call, or an audio call that gained video (addVideo, a shared screen, the peer's).
    const media = this.#session?.media;
    const video = call ? call.media !== 'audio' || !!media?.local.video || !!media?.remote.video : this.media === 'video';
    const phase = this.#phase();
    // The peer's video fills the stage once it plays; until then (and while their camera is off)
    // their avatar stands in, so the stage is never a black box.
    const remoteVideo = video && live && phase !== 'incoming' && phase !== 'calling' && !!this.remoteStream && !this.remoteMuted.video;
    return html`
      <section part="base" aria-label=${this.t('call.label')} data-phase=${phase} class=${video ? 'video' : 'audio'} tabindex="-1">
        ${remoteVideo ? html`<div part="header">${this.#renderInfo(phase)}</div>` : nothing}
        ${this.#renderStage(phase, live, video, remoteVideo)}
        ${this.#error ? html`<p part="error" role="alert">${this.#errorText(this.#error)}</p>` : nothing}
        <div part="live-region" class="visually-hidden" role="status" aria-live="polite">${this.#announcement}</div>
        <div part="alert-region" class="visually-hidden" role="alert" aria-live="assertive">${this.#alert}</div>
        ${phase === 'incoming' && !this.withoutControls ? this.#renderIncoming(video) : nothing}
        <div part="controls" role="group" aria-label=${this.t('call.controls')} ?hidden=${phase === 'incoming' && !this.withoutControls}>
          ${this.withoutControls || phase === 'incoming' ? nothing : this.#renderControls(live, video, phase)}
          <slot name="controls"></slot>
        </div>
      </section>
    `;
  }

  #renderStage(phase: Phase, live: boolean, video: boolean, remoteVideo: boolean) {
    const name = this.#peerName();
    const remote = this.remoteStream;
    return html`
      <div part="stage" class=${video ? 'video' : 'audio'}>
        ${video && live ? html`<video part="remote-video" autoplay playsinline ?hidden=${!remoteVideo}
          aria-label=${this.t('call.remote.video', { name })} .srcObject=${remote}></video>` : nothing}
        ${!video && remote ? html`<audio part="remote-audio" autoplay .srcObject=${remote}></audio>` : nothing}
        ${remoteVideo ? nothing : html`<div part="placeholder">${this.#renderAvatar(name, video)}${this.#renderInfo(phase)}</div>`}
        ${video && live ? this.#renderPreview() : nothing}
        ${video && live && phase !== 'incoming' && !this.withoutControls ? this.#renderFullscreen() : nothing}
      </div>
    `;
  }

  /** The peer's initials in a circle of a colour of their own; without a peer, the kind of call. */
  #renderAvatar(name: string, video: boolean) {
    const letters = initials(name);
    if (!letters) return html`<div part="avatar avatar-empty" aria-hidden="true">${video ? icons.camera : icons.phone}</div>`;
    return html`<div part="avatar" class=${`hue-${hue(name)}`} aria-hidden="true"><span>${letters}</span></div>`;
  }

  #renderInfo(phase: Phase) {
    const name = this.#peerName();
    const duration = phase === 'ended' && this.#ticket?.duration ? formatDuration(this.#ticket.duration) : '';
    return html`
      <div part="info">
        ${name ? html`<p part="name" title=${name}>${name}</p>` : nothing}
        <p part="status">
          ${phase === 'reconnecting' ? icons.signal : nothing}
          <span part="state">${this.#statusText(phase)}</span>
          ${(phase === 'active' || phase === 'reconnecting') && this.#quality ? this.#renderQuality(this.#quality.bars) : nothing}
          ${duration ? html`<span aria-hidden="true">·</span> <span part="duration">${duration}</span>` : nothing}
        </p>
        ${phase === 'idle' && !name ? html`<p part="hint">${this.t('call.idle.hint')}</p>` : nothing}
        ${this.#renderBadges(phase)}
      </div>
    `;
  }

  /** What the peer muted, one badge each (their camera only counts in a video call). */
  #renderBadges(phase: Phase) {
    const call = this.#call;
    if (!call || call.ended || phase === 'incoming' || phase === 'calling') return nothing;
    const muted = this.remoteMuted;
    const badges = [
      muted.audio ? html`<span part="badge remote-muted" data-media="audio">${icons.micOff}${this.t('call.badge.muted')}</span>` : nothing,
      muted.video && call.media !== 'audio' ? html`<span part="badge remote-muted" data-media="video">${icons.cameraOff}${this.t('call.badge.camera-off')}</span>` : nothing,
    ];
    return muted.audio || muted.video ? html`<p part="badges">${badges}</p>` : nothing;
  }

  /** The camera preview, small in a corner; a tile that says so while the camera is off. */
  #renderPreview() {
    const local = this.localStream;
    if (this.localMuted.video || !local) {
      return local ? html`<div part="local-video local-off" role="img" aria-label=${this.t('call.local.off')}>${icons.cameraOff}</div>` : nothing;
    }
    return html`<video part="local-video" autoplay playsinline .muted=${true} aria-label=${this.t('call.local.video')} .srcObject=${local}></video>`;
  }

  #renderFullscreen() {
    if (!document.fullscreenEnabled) return nothing;
    const on = !!this.shadowRoot?.fullscreenElement;
    const label = this.t(on ? 'call.fullscreen.exit' : 'call.fullscreen');
    return html`<button part="fullscreen" class="icon-button" type="button" aria-label=${label}
      @click=${this.#act(() => this.#toggleFullscreen())}>${on ? icons.fullscreenExit : icons.fullscreen}<span class="tip" aria-hidden="true">${label}</span></button>`;
  }

  /** Accept and decline, large and labelled, as on a phone. */
  #renderIncoming(video: boolean) {
    return html`
      <div part="incoming" role="group" aria-label=${this.#stateText()}>
        <button part="decline" class="round" type="button" @click=${this.#act(() => this.decline())}>
          <span class="disc">${icons.hangup}</span><span class="label">${this.t('call.decline')}</span></button>
        <button part="accept" class="round" type="button" aria-disabled=${this.#answering ? 'true' : 'false'} aria-busy=${this.#answering ? 'true' : 'false'}
          @click=${this.#act(() => this.answer())}>
          <span class="disc">${video ? icons.camera : icons.phone}</span><span class="label">${this.t('call.accept')}</span></button>
      </div>
    `;
  }

  #renderControls(live: boolean, video: boolean, phase: Phase) {
    const call = this.#call;
    if (!live) {
      const client = this.#clients.client;
      if (this.to && client) {
        return html`<button part="start" class="wide" type="button" @click=${this.#act(() => this.call())}>
          ${this.media === 'video' ? icons.camera : icons.phone}<span>${this.t('call.start', { name: this.to })}</span></button>`;
      }
      if (call && client && phase === 'ended') {
        const media = call.media === 'audio' ? 'audio' : 'video';
        return html`<button part="call-again" class="wide" type="button" @click=${this.#act(() => this.call(call.peer, media))}>
          ${media === 'video' ? icons.camera : icons.phone}<span>${this.t('call.again')}</span></button>`;
      }
      return nothing;
    }
    const muted = this.localMuted;
    const mic = this.t(muted.audio ? 'call.microphone.off' : 'call.microphone.on');
    const cam = this.t(muted.video ? 'call.camera.off' : 'call.camera.on');
    return html`
      <button part="mute-audio" class="icon-button" type="button" aria-pressed=${muted.audio ? 'true' : 'false'} aria-label=${mic}
        ?hidden=${call!.media === 'video-only'} @click=${this.#act(() => this.toggleAudio())}>
        ${muted.audio ? icons.micOff : icons.mic}<span class="tip" aria-hidden="true">${mic}</span></button>
      ${video ? html`<button part="mute-video" class="icon-button" type="button" aria-pressed=${muted.video ? 'true' : 'false'} aria-label=${cam}
        @click=${this.#act(() => this.toggleVideo())}>${muted.video ? icons.cameraOff : icons.camera}<span class="tip" aria-hidden="true">${cam}</span></button>` : nothing}
      <button part="hangup" class="icon-button" type="button" aria-label=${this.t('call.hangup')} @click=${this.#act(() => this.hangup())}>
        ${icons.hangup}<span class="tip" aria-hidden="true">${this.t('call.hangup')}</span></button>
      ${this.#renderMediaButtons()}
    `;
  }

  /**
   * Add video, share / stop sharing the screen: after hang-up, so that appearing once the call is
   * active they move none of the buttons already on screen.
   */
  #renderMediaButtons() {
    const session = this.#session;
    if (this.#state !== 'active' || !session) return nothing;
    const { local } = session.media;
    const addVideo = !local.video && !local.screen && session.canRenegotiate;
    const share = canShareScreen() && (local.video || session.canRenegotiate);
    return html`
      ${addVideo ? html`<button part="add-video" type="button" @click=${this.#act(() => this.addVideo())}>${this.t('call.add-video')}</button>` : nothing}
      ${share ? (local.screen
        ? html`<button part="stop-screen-share" type="button" @click=${this.#act(() => this.stopScreenShare())}>${this.t('call.stop-screen-share')}</button>`
        : html`<button part="share-screen" type="button" @click=${this.#act(() => this.shareScreen())}>${this.t('call.share-screen')}</button>`) : nothing}
    `;
  }

  #renderQuality(bars: number) {
    const bar = (n: number) => html`<span part="quality-bar" class=${n <= bars ? 'lit' : ''}></span>`;
    return html`<span part="quality" role="img" aria-label=${this.t('call.quality', { bars: String(bars) })} data-bars=${bars}>${[1, 2, 3, 4, 5].map(bar)}</span>`;
  }
}

/** Whether this browser can share a screen (no getDisplayMedia: the button is not shown). */
const canShareScreen = () => typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';

type Phase = 'idle' | 'calling' | 'incoming' | 'connecting' | 'active' | 'reconnecting' | 'ended';

/** Up to two initials of a name or id, as text ('' without a name). */
const initials = (name: string): string =>
  name.split(/[\s._@-]+/).filter(Boolean).slice(0, 2).map((w) => [...w][0]!.toUpperCase()).join('');

/** One of the avatar colours, always the same for a name. */
const hue = (name: string): number => [...name].reduce((h, c) => (h * 31 + c.codePointAt(0)!) >>> 0, 7) % 6;

const clock = (ms: number): string => formatDuration(Math.floor(ms / 1000));

declare global {
  interface HTMLElementTagNameMap {
    'jsongle-call': JsongleCall;
  }
}
