// The media session: binds one JSONgle call to one RTCPeerConnection, from the first ring to the
// last track stopped. The only code (with devices.ts and stats.ts) that touches WebRTC.
//
// Roles are fixed by the protocol for the first negotiation: the caller offers (on `offerneeded`),
// the callee answers (on `offerreceived`). Mute is track.enabled plus a session-info message.
// Between peers that both list `renegotiate`, the call then renegotiates by itself with the W3C
// "perfect negotiation" pattern (the callee is polite): ICE restarts when the path breaks, video
// added, a screen shared. With any other peer there are no mid-call offers, as in the original.
import { EventEmitter } from 'eventemitter3';
import type { Call, MutedState } from '../call/call.ts';
import type { Ticket } from '../call/ticket.ts';
import { END_REASON } from '../call/transition.ts';
import type { JSONgle } from '../client.ts';
import { JsongleError } from '../errors.ts';
import type { CallStateChange } from '../events.ts';
import { FEATURE, type CandidateInit, type Metrics, type MutedMedia, type SessionDescriptionInit } from '../protocol/messages.ts';
import { kindsFor, mediaError, openDevices, type DeviceKind, type MediaConstraintsOptions } from './devices.ts';
import { QualityMonitor, type Quality } from './quality.ts';
import { callMetrics } from './stats.ts';
import { turnServers } from './turn.ts';

export interface MediaSessionOptions {
  /** STUN/TURN servers, e.g. `[{ urls: 'turn:turn.example.com', username, credential }]`. */
  iceServers?: RTCIceServer[];
  /** Anything else for the RTCPeerConnection (iceTransportPolicy…); `iceServers` above wins. */
  rtcConfiguration?: RTCConfiguration;
  /** Device ids, resolution… merged into the getUserMedia request. */
  constraints?: MediaConstraintsOptions;
  /** Send `session-metrics` at the end of the call (default true). */
  reportMetrics?: boolean;
  /** How long the final getStats() may take before the session closes without it (ms, default 1500). */
  statsTimeout?: number;
  /** Devices the caller opened before proposing: used instead of opening them again. */
  stream?: MediaStream;
  /** Ask the server for TURN credentials (`iq-get turn-credentials`) when no iceServers are given (default true). */
  turn?: boolean;
  /** ICE recovery: restart after `disconnected` for `restartAfter` ms (2000), retry every `retryEvery` (5000), give up after `giveUpAfter` (30000). */
  recovery?: { restartAfter?: number; retryEvery?: number; giveUpAfter?: number };
}

/** What each side sends: `screen` is true while this side shares its screen. */
export interface MediaChange {
  local: { audio: boolean; video: boolean; screen: boolean };
  remote: { audio: boolean; video: boolean };
}

/** What a session leaves behind when it closes. */
export interface MediaSummary {
  /** The figures reported (and merged into the ticket), or null when nothing was negotiated. */
  metrics: Metrics | null;
  /** The call's ticket, with those metrics. */
  ticket: Ticket | null;
}

export interface MediaSessionEvents {
  /** The camera/microphone stream is open. */
  localstream: (stream: MediaStream) => void;
  /** A remote track arrived; `stream` holds every remote track so far. */
  remotestream: (stream: MediaStream) => void;
  connectionstatechange: (state: RTCPeerConnectionState) => void;
  /** Local or remote mute state changed. */
  mutechange: (change: { side: 'local' | 'remote'; media: MutedMedia; local: MutedState; remote: MutedState }) => void;
  /** The media path broke and an ICE restart is bringing it back (true), or it is back (false). */
  reconnecting: (reconnecting: boolean) => void;
  /** Tracks were added or removed on either side (addVideo, screen share, the peer's). */
  mediachange: (change: MediaChange) => void;
  /** Call quality, about once a second while connected. */
  quality: (quality: Quality) => void;
  /** A device or negotiation problem; media errors end the call right after. */
  error: (error: JsongleError) => void;
  /** Everything is stopped and closed. */
  closed: (summary: MediaSummary) => void;
}

const sessions = new WeakMap<Call, MediaSession>();
type RecoveryTimer = 'restart' | 'retry' | 'giveUp';

export class MediaSession extends EventEmitter<MediaSessionEvents> {
  /** The session bound to `call`, created on first use: one call never gets two peer connections. */
  static attach(client: JSONgle, call: Call, options: MediaSessionOptions = {}): MediaSession {
    return sessions.get(call) ?? new MediaSession(client, call, options);
  }

  /** The session already bound to `call`, if any. */
  static of(call: Call): MediaSession | undefined { return sessions.get(call); }

  readonly client: JSONgle;
  readonly call: Call;
  readonly pc: RTCPeerConnection;
  /**
   * Resolves once the local devices are open and their tracks added; rejects with the media error.
   * An outgoing call opens them at once; an incoming one when open() is called (the user accepts)
   * or the offer arrives: a ringing call never touches the camera or microphone. The callee's
   * answer is made while they open (their tracks join it by replaceTrack) and sent once they are.
   */
  readonly ready: Promise<MediaStream>;
  /** Resolves when the session has closed (always resolves). */
  readonly closed: Promise<MediaSummary>;

  #options: MediaSessionOptions;
  #local: MediaStream | null = null;
  #remote: MediaStream | null = null;
  #remoteSet = false;
  #remoteQueue: CandidateInit[] = [];
  #descriptionSent = false;
  #localQueue: CandidateInit[] = [];
  #negotiating = false;
  #error = '';
  #finished = false;
  #resolveClosed!: (summary: MediaSummary) => void;
  #settleReady!: { resolve: (s: MediaStream) => void; reject: (e: unknown) => void };
  #opening = false;
  /** The callee's first offer being applied and answered: tracks that open meanwhile wait for its transceivers. */
  #answering: Promise<void> | null = null;
  /** The ICE servers are set (the page's, the server's TURN credentials, or none). */
  readonly #servers: Promise<void>;
  /** The caller's first offer, made while it rings: it leaves the moment the callee proceeds. */
  #prepared: Promise<RTCSessionDescriptionInit | null> | null = null;
  /** That offer once made, while nothing else is queued: sent at once, ahead of the page's work for `proceeded`. */
  #preparedOffer: RTCSessionDescriptionInit | null = null;
  #pending = 0;
  #ops: Promise<unknown> = Promise.resolve();
  #unsubscribe: () => void;
  // Perfect negotiation: the callee yields when both sides offer at once.
  readonly #polite: boolean;
  #ignoreOffer = false;
  #connectedOnce = false;
  // ICE recovery: when the path broke (0: it is fine), and its timers.
  #brokenSince = 0;
  #timers: Record<RecoveryTimer, ReturnType<typeof setTimeout> | undefined> = { restart: undefined, retry: undefined, giveUp: undefined };
  #waitingForSignaling = false;
  readonly #signalWaiters = new Set<(state: string) => void>();
  #screen: MediaStreamTrack | null = null;
  /** The camera track a shared screen replaced (kept running to come back to). */
  #cameraAside: MediaStreamTrack | null = null;
  #quality: QualityMonitor | null = null;

  constructor(client: JSONgle, call: Call, options: MediaSessionOptions = {}) {
    super();
    if (sessions.has(call)) throw new JsongleError('invalid-state', `Call ${call.id} already has a media session`);
    sessions.set(call, this);
    this.client = client;
    this.call = call;
    this.#options = options;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    // Created now, when the call is placed or starts ringing: media is ready when the callee proceeds.
    this.pc = new RTCPeerConnection({ ...options.rtcConfiguration, iceServers: options.iceServers ?? options.rtcConfiguration?.iceServers ?? [] });
    this.pc.onicecandidate = ({ candidate }) => candidate && candidate.candidate && this.#localCandidate(candidate.toJSON());
    this.pc.ontrack = (e) => this.#track(e);
    this.pc.onconnectionstatechange = () => this.#connectionState();
    this.pc.onnegotiationneeded = () => this.#negotiationNeeded();
    this.#polite = !call.outgoing;
    this.#unsubscribe = this.#listen();
    this.ready = new Promise((resolve, reject) => (this.#settleReady = { resolve, reject }));
    this.ready.catch(() => {}); // observed through the `error` event
    // Asked for while ringing (no device needed; after the propose or ringing this tick sends), so
    // that neither proceed nor the offer waits for it.
    this.#servers = Promise.resolve().then(() => this.#iceServers()).catch(() => {});
    if (call.outgoing) {
      void this.open();
      // The offer and its ICE gathering need only the caller's devices, open before the propose;
      // it is sent (session-initiate) only once the callee has proceeded, as the protocol orders.
      this.#prepared = this.ready.then(() => this.#createOffer());
      this.#prepared.then((offer) => { this.#preparedOffer = offer; }, () => {});
      this.#prepared.catch(() => {}); // the failure is reported by #offer(), at proceed
    }
    if (call.ended) queueMicrotask(() => this.#finish());
  }

  get localStream(): MediaStream | null { return this.#local; }
  get remoteStream(): MediaStream | null { return this.#remote; }
  get connectionState(): RTCPeerConnectionState { return this.pc.connectionState; }
  get localMuted(): MutedState { return { ...this.call.localMuted }; }
  get remoteMuted(): MutedState { return { ...this.call.remoteMuted }; }
  get isClosed() { return this.#finished; }
  /** True while an ICE restart is bringing the media back. */
  get reconnecting() { return this.#brokenSince > 0; }
  /** True when both peers listed `renegotiate`: addVideo(), and screen share in an audio call, need it. */
  get canRenegotiate() { return this.call.supports(FEATURE.RENEGOTIATE); }
  /** The latest quality figures (null before the first second connected). */
  get quality(): Quality | null { return this.#quality?.current ?? null; }
  get media(): MediaChange {
    const has = (s: MediaStream | null, kind: string) => !!s?.getTracks().some((t) => t.kind === kind && t.readyState === 'live');
    return {
      local: { audio: has(this.#local, 'audio'), video: has(this.#local, 'video'), screen: !!this.#screen },
      remote: { audio: has(this.#remote, 'audio'), video: has(this.#remote, 'video') },
    };
  }

  /** Mutes local media: disables the tracks, then tells the peer (session-info mute). */
  mute(media: MutedMedia = this.#all()) { this.#setMuted(media, true); }
  unmute(media: MutedMedia = this.#all()) { this.#setMuted(media, false); }
  /** Flips the mute state of one kind; returns true when it is now muted. */
  toggle(kind: DeviceKind): boolean {
    const muted = !this.call.localMuted[kind];
    this.#setMuted(kind, muted);
    return muted;
  }

  /**
   * Moves one kind of media to another device mid-call (a headset plugged in, another camera):
   * opens it, swaps the track the peer receives (replaceTrack: no renegotiation) and stops the
   * old one; the mute state carries over. A refused or missing device rejects with the media error
   * and leaves the call on the device it had.
   */
  async switchDevice(kind: DeviceKind, constraints: MediaConstraintsOptions = {}): Promise<void> {
    const local = await this.ready;
    const old = local.getTracks().find((t) => t.kind === kind);
    if (!old || this.#finished) throw new JsongleError('invalid-state', `switchDevice(): the call has no ${kind} in progress`, { sid: this.call.id });
    const [track] = (await openDevices([kind], constraints, this.call.id)).getTracks();
    if (this.#finished) return track.stop();
    track.enabled = old.enabled;
    await this.pc.getSenders().find((sender) => sender.track === old)?.replaceTrack(track);
    local.removeTrack(old);
    local.addTrack(track);
    old.stop();
    this.emit('localstream', local);
  }

  /** Adds the camera to a call without video (both peers must list `renegotiate`); the peer sees it after one offer/answer. */
  async addVideo(constraints: MediaConstraintsOptions = this.#options.constraints ?? {}): Promise<void> {
    const local = await this.ready;
    this.#needRenegotiation('addVideo()');
    if (local.getVideoTracks().some((t) => t.readyState === 'live')) return; // already sending video
    const [track] = (await openDevices(['video'], constraints, this.call.id)).getTracks();
    if (this.#finished) return track.stop();
    local.addTrack(track);
    this.pc.addTrack(track, local); // → negotiationneeded → the offer
    this.#mediaChanged('local');
  }

  /**
   * Shares the screen (getDisplayMedia): it replaces the camera when there is one (no new offer),
   * else joins the call as its video (both peers must list `renegotiate`). Ending the share from
   * the browser's own bar stops it too.
   */
  async shareScreen(): Promise<void> {
    const local = await this.ready;
    if (this.#finished || this.call.ended) throw new JsongleError('invalid-state', 'shareScreen() needs a call in progress', { sid: this.call.id });
    if (this.#screen) return;
    const devices = (globalThis as { navigator?: Navigator }).navigator?.mediaDevices;
    if (!devices?.getDisplayMedia) throw new JsongleError('media', 'This browser cannot share its screen (no getDisplayMedia)', { sid: this.call.id, reason: 'unsupported', device: 'screen' });
    const camera = local.getVideoTracks().find((t) => t.readyState === 'live');
    const sender = camera && this.pc.getSenders().find((s) => s.track === camera);
    if (!sender) this.#needRenegotiation('shareScreen()');
    let screen: MediaStreamTrack;
    try {
      [screen] = (await devices.getDisplayMedia({ video: true, audio: false })).getVideoTracks();
    } catch (e) {
      throw mediaError(['video'], e, undefined, this.call.id);
    }
    if (this.#finished) return screen.stop();
    screen.contentHint = 'detail';
    screen.addEventListener('ended', () => void this.stopScreenShare().catch(() => {}));
    this.#screen = screen;
    if (sender && camera) {
      await sender.replaceTrack(screen);
      this.#cameraAside = camera;
      local.removeTrack(camera);
      local.addTrack(screen);
    } else {
      local.addTrack(screen);
      this.pc.addTrack(screen, local);
    }
    this.emit('localstream', local);
    this.#mediaChanged('local');
  }

  /** Stops sharing the screen: the camera comes back, or the video leaves the call. */
  async stopScreenShare(): Promise<void> {
    const screen = this.#screen;
    if (!screen) return;
    this.#screen = null;
    const local = this.#local!;
    const sender = this.pc.getSenders().find((s) => s.track === screen);
    local.removeTrack(screen);
    const camera = this.#cameraAside;
    this.#cameraAside = null;
    if (camera) {
      local.addTrack(camera);
      if (sender && !this.#finished) await sender.replaceTrack(camera);
    } else if (sender && !this.#finished) {
      this.pc.removeTrack(sender); // → negotiationneeded: the peer's video goes away
    }
    screen.stop();
    if (this.#finished) return;
    this.emit('localstream', local);
    this.#mediaChanged('local');
  }

  /** Ends the call if it is still going (retract, decline or terminate, with `reason` on the wire) and releases everything. */
  close(reason = ''): Promise<MediaSummary> {

    if (!this.call.ended && this.client.currentCall === this.call) {
      try { this.client.end(reason); } catch { /* the call ended meanwhile */ }
    }
    this.#finish();
    return this.closed;
  }

  // ---- devices -------------------------------------------------------------------------------

  /** Opens the devices (once); resolves as `ready` does. */
  open(): Promise<MediaStream> {
    if (!this.#opening) {
      this.#opening = true;
      this.#open().then((stream) => {
        this.#settleReady.resolve(stream);
        // After what awaits `ready` has run (the callee's answer): the preview renders once that has gone.
        queueMicrotask(() => !this.#finished && this.emit('localstream', stream));
      }, this.#settleReady.reject);
    }
    return this.ready;
  }

  async #open(): Promise<MediaStream> {
    const kinds = kindsFor(this.call.media);
    let stream: MediaStream;
    let cameraOff: JsongleError | null = null;
    try {
      stream = await (this.#options.stream ?? openDevices(kinds, this.#options.constraints, this.call.id));
    } catch (e) {
      let error = e instanceof JsongleError ? e : new JsongleError('media', String(e), { sid: this.call.id });
      // A video call without a camera goes on with audio only; without a microphone it cannot.
      const cameraOnly = this.call.media === 'video' && (error.detail as { device?: string }).device === 'camera';
      let audio: MediaStream | null = null;
      if (cameraOnly && !this.#finished) {
        audio = await openDevices(['audio'], this.#options.constraints, this.call.id).catch((e2) => {
          error = e2 instanceof JsongleError ? e2 : error;
          return null;
        });
      }
      if (!audio) {
        if (!this.#finished) this.#refuse(error);
        throw error;
      }
      stream = audio;
      cameraOff = error;
    }
    for (const track of stream.getTracks()) track.enabled = !this.call.localMuted[track.kind as DeviceKind]; // muted while ringing stays muted
    if (!this.#finished) await this.#attach(stream);
    if (this.#finished) { // the call ended while the devices were opening
      stream.getTracks().forEach((t) => t.stop());
      throw new JsongleError('invalid-state', 'The call ended before its media was ready', { sid: this.call.id });
    }
    this.#local = stream;
    if (cameraOff) {
      // Said to the peer as the original client would: the video is muted ("Alice's camera is off").
      this.emit('error', cameraOff);
      if (!this.call.localMuted.video && !this.call.ended) {
        try { this.client.muteVideo(); } catch { /* the call ended meanwhile */ }
      }
    }
    this.#activeIfConnected(); // connected before the devices were open
    return stream;
  }

  /**
   * The devices' tracks into the connection: added while no offer is applied (the answer then
   * carries them), else put on the transceivers the callee answered sendrecv without them
   * (replaceTrack: no renegotiation).
   */
  async #attach(stream: MediaStream) {
    if (this.#answering) await this.#answering; // (checked now: an offer applied meanwhile would not take addTrack's)
    for (const track of stream.getTracks()) {
      const free = this.pc.getTransceivers().find((t) => t.mid && !t.sender.track && t.receiver.track.kind === track.kind);
      if (this.#finished) return;
      if (free) await free.sender.replaceTrack(track);
      else this.pc.addTrack(track, stream);
    }
  }

  /** The page's iceServers, else the server's TURN credentials: nothing gathers before they are set. */
  async #iceServers() {
    const own = this.#options.iceServers ?? this.#options.rtcConfiguration?.iceServers;
    if ((own && own.length) || this.#options.turn === false) return;
    const servers = await turnServers(this.client);
    if (servers.length && !this.#finished && this.pc.signalingState !== 'closed') {
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers: servers });
    }
  }

  /** A device failed: say which and why, then refuse the call (decline when ringing, else retract/terminate). */
  #refuse(error: JsongleError) {
    this.#error = `media-${String(error.detail.reason ?? 'failed')}`;
    this.emit('error', error);
    const call = this.call;
    if (call.ended || this.client.currentCall !== call) return this.#finish();
    try {
      // `media-error`: the caller is told the callee could not answer (microphone unavailable), not "declined".
      if (!call.outgoing && call.state === 'ringing') this.client.decline(END_REASON.MEDIA_ERROR);
      else this.client.end(END_REASON.MEDIA_ERROR);
    } catch { /* already ending */ }
    this.#finish(); // in case no callended comes (e.g. the client refused the end)
  }

  // ---- signaling -----------------------------------------------------------------------------

  #listen(): () => void {
    const c = this.client;
    const mine = (call: Call) => call === this.call;
    const handlers = {
      offerneeded: (call: Call) => mine(call) && (this.#sendPrepared() || this.#queue(() => this.#offer())),
      offerreceived: (d: SessionDescriptionInit, call: Call) => mine(call) && this.#queue(() => this.#remoteDescription(d)),
      candidatereceived: (cand: CandidateInit, call: Call) => mine(call) && this.#remoteCandidate(cand),
      callended: (_local: boolean, call: Call) => mine(call) && this.#finish(),
      callmuted: (call: Call, media: MutedMedia) => mine(call) && this.#muteChanged('remote', media),
      callunmuted: (call: Call, media: MutedMedia) => mine(call) && this.#muteChanged('remote', media),
      localcallmuted: (call: Call, media: MutedMedia) => mine(call) && this.#muteChanged('local', media),
      localcallunmuted: (call: Call, media: MutedMedia) => mine(call) && this.#muteChanged('local', media),
      callstatechanged: (call: Call, change: CallStateChange) => mine(call) && change.state === 'offering' && this.#activeIfConnected(),
      // The restart offer found nobody (the peer is not back yet): retry soon; the give-up timer still runs.
      peerunreachable: (call: Call) => mine(call) && this.#peerAway(),
    };
    for (const [event, fn] of Object.entries(handlers)) c.on(event as any, fn as any);
    return () => { for (const [event, fn] of Object.entries(handlers)) c.off(event as any, fn as any); };
  }

  /** Negotiation steps run one after the other; a failure of the first negotiation ends the call. */
  #queue(step: () => Promise<void>) {
    this.#negotiating = true;
    this.#pending++;
    this.#ops = this.#ops.then(async () => {
      if (this.#finished) return;
      const fatal = !this.#connectedOnce;
      try {
        await step();
      } catch (e) {
        this.#failed(e, fatal);
      }
    }).finally(() => this.#pending--);
  }

  #failed(e: unknown, fatal: boolean) {
    if (this.#finished) return;
    const error = e instanceof JsongleError ? e
      : new JsongleError('media', `WebRTC negotiation failed: ${(e as Error)?.message ?? e}`, { sid: this.call.id, name: (e as Error)?.name });
    this.emit('error', error);
    if (!fatal) return; // a mid-call offer that failed: the call goes on with what it had
    this.#error ||= 'negotiation-failed';
    this.close();
  }

  /** A mid-call offer (perfect negotiation), when both peers can and the first negotiation is done. */
  #negotiationNeeded() {
    if (this.#finished || !this.#connectedOnce || !this.canRenegotiate || this.call.state !== 'active') return;
    this.#queue(async () => {
      if (this.pc.signalingState !== 'stable' || this.#finished) return; // fires again once stable
      if (!this.#signalingUp()) return this.#afterSignaling(); // the offer waits for the server
      await this.pc.setLocalDescription();
      const offer = this.pc.localDescription!;
      if (this.#finished || offer.type !== 'offer') return;
      this.client.sendOffer({ type: 'offer', sdp: offer.sdp });
    });
  }

  #needRenegotiation(what: string) {
    if (this.#finished || this.call.ended) throw new JsongleError('invalid-state', `${what} needs a call in progress`, { sid: this.call.id });
    if (!this.#connectedOnce || this.call.state !== 'active') throw new JsongleError('invalid-state', `${what} needs an active call`, { sid: this.call.id });
    if (!this.canRenegotiate) throw new JsongleError('invalid-state', `${what}: the peer cannot renegotiate (its propose/proceed lists no "renegotiate" feature)`, { sid: this.call.id });
  }

  /** The prepared offer goes out now when nothing waits before it (true), else in its turn. */
  #sendPrepared(): boolean {
    const offer = this.#preparedOffer;
    if (!offer || this.#pending || this.#finished || this.pc.signalingState !== 'have-local-offer') return false;
    this.#preparedOffer = this.#prepared = null;
    this.#negotiating = true;
    try {
      this.client.sendOffer({ type: 'offer', sdp: offer.sdp! });
      this.#sent();
    } catch (e) {
      this.#failed(e, true);
    }
    return true;
  }

  async #offer() {
    await this.open();
    const prepared = this.#prepared ?? this.#createOffer();
    this.#prepared = this.#preparedOffer = null;
    const offer = await prepared;
    if (this.#finished || !offer) return;
    this.client.sendOffer({ type: 'offer', sdp: offer.sdp! });
    this.#sent(); // with the candidates gathered meanwhile
  }

  /** The first offer, set as the local description (ICE gathers from here); not sent. */
  async #createOffer(): Promise<RTCSessionDescriptionInit | null> {
    await this.#servers;
    if (this.#finished) return null;
    const offer = await this.pc.createOffer();
    if (this.#finished) return null;
    await this.pc.setLocalDescription(offer);
    return this.#finished ? null : offer;
  }

  async #remoteDescription(description: SessionDescriptionInit) {
    // The callee's devices open now if Accept has not opened them; its answer is made meanwhile.
    void this.open();
    await this.#servers; // the answer gathers
    if (this.#finished) return;
    // Both sides offered at once: the caller keeps its offer, the callee takes the caller's
    // (setRemoteDescription rolls its own back, and negotiationneeded offers it again later).
    const collision = description.type === 'offer' && this.pc.signalingState !== 'stable';
    this.#ignoreOffer = !this.#polite && collision;
    if (this.#ignoreOffer) return;
    if (description.type === 'answer' && this.pc.signalingState !== 'have-local-offer') return; // an answer to an offer rolled back
    let applied!: () => void;
    const early = description.type === 'offer' && !this.#local;
    if (early) this.#answering = new Promise((resolve) => (applied = resolve));
    try {
      await this.pc.setRemoteDescription(description);
      // Candidates that came early were kept; in order, now that they can be used.
      this.#remoteSet = true;
      for (const c of this.#remoteQueue.splice(0)) this.#addCandidate(c);
      if (description.type === 'offer') {
        // Devices still opening: this side will send all the same (their tracks join by replaceTrack).
        if (early) for (const t of this.pc.getTransceivers()) if (kindsFor(this.call.media).includes(t.receiver.track.kind as DeviceKind)) t.direction = 'sendrecv';
        await this.pc.setLocalDescription();
        const answer = this.pc.localDescription!;
        // Made (and gathering) while they open, sent once they are: as the proceed used to, the
        // answer means "my media is ready", and nobody's call is active before it (a refused
        // microphone ends the call with media-error, never an answered call).
        if (early) { applied(); await this.ready; }
        if (this.#finished) return;
        this.client.sendOffer({ type: 'answer', sdp: answer.sdp });
        this.#sent();
      }
    } finally {
      if (early) applied();
    }
    this.#mediaChanged('remote');
  }

  #sent() {
    this.#descriptionSent = true;
    for (const c of this.#localQueue.splice(0)) this.#sendCandidate(c);
  }

  #localCandidate(c: RTCIceCandidateInit) {
    const candidate: CandidateInit = { candidate: c.candidate!, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null };
    if (this.#descriptionSent) this.#sendCandidate(candidate);
    else this.#localQueue.push(candidate);
  }

  #sendCandidate(c: CandidateInit) {
    if (this.#finished || this.call.ended) return;
    try {
      this.client.sendCandidate(c);
    } catch (e) {
      this.emit('error', e instanceof JsongleError ? e : new JsongleError('transport', String(e), { sid: this.call.id }));
    }
  }

  #remoteCandidate(c: CandidateInit) {
    if (this.#remoteSet) this.#addCandidate(c);
    else this.#remoteQueue.push(c); // before the remote description: keep it, drop none
  }

  #addCandidate(c: CandidateInit) {
    this.pc.addIceCandidate(c).catch((e) => {
      // Mid-call, a candidate of an ignored offer or of the ICE generation just replaced is expected.
      if (!this.#finished && !this.#ignoreOffer && !this.#connectedOnce) this.emit('error', new JsongleError('media', `A remote ICE candidate was refused: ${e?.message ?? e}`, { sid: this.call.id, candidate: c.candidate }));
    });
  }

  #track(e: RTCTrackEvent) {
    const stream = e.streams[0] ?? this.#remote ?? new MediaStream();
    if (!stream.getTracks().includes(e.track)) stream.addTrack(e.track);
    if (this.#remote !== stream) stream.addEventListener('removetrack', () => { this.emit('remotestream', stream); this.#mediaChanged('remote'); });
    this.#remote = stream;
    e.track.addEventListener('ended', () => this.#mediaChanged('remote'));
    this.emit('remotestream', stream);
    if (this.#connectedOnce) this.#mediaChanged('remote');
  }

  #mediaChanged(_side: 'local' | 'remote') {
    if (!this.#finished) this.emit('mediachange', this.media);
  }

  #connectionState() {
    const state = this.pc.connectionState;
    if (this.#finished) return;
    this.emit('connectionstatechange', state);
    if (state === 'connected') {
      this.#connectedOnce = true;
      this.#recovered();
      this.#activeIfConnected();
      this.#watchQuality();
    } else if ((state === 'disconnected' || state === 'failed') && this.#connectedOnce && this.canRenegotiate) {
      this.#broken(state);
    } else if (state === 'failed') {
      // Chromium leaves iceConnectionState at `disconnected` when consent checks run out, so ICE is
      // the cause unless the DTLS transport itself failed over a working ICE transport.
      const dtls = this.pc.getSenders().find((s) => s.transport)?.transport;
      this.#error = dtls?.state === 'failed' && dtls.iceTransport.state !== 'failed' ? 'dtls-failed' : 'ice-failed';
      this.emit('error', new JsongleError('media', `The media connection failed (${this.#error})`, { sid: this.call.id, reason: this.#error }));
      this.close(END_REASON.CONNECTIVITY_ERROR);
    }
  }

  /** `connected` → setAsActive(), once, as soon as the call's state allows it. */
  #activeIfConnected() {
    const call = this.call;
    if (this.pc.connectionState !== 'connected' || !this.#local || call.activeLocal || (call.state !== 'offering' && call.state !== 'active')) return;
    try {
      this.client.setAsActive();
    } catch (e) {
      this.emit('error', e as JsongleError);
    }
  }

  // ---- ICE recovery -------------------------------------------------------------------------

  /** The path broke: restart ICE at once when `failed`, after `restartAfter` when `disconnected`; give up after `giveUpAfter`. */
  #broken(state: 'disconnected' | 'failed') {
    const r = this.#options.recovery ?? {};
    if (!this.#brokenSince) {
      this.#brokenSince = Date.now();
      this.#timers.giveUp = setTimeout(() => this.#giveUp(), r.giveUpAfter ?? 30_000);
      this.emit('reconnecting', true);
    }
    if (state === 'failed') this.#restart();
    else if (this.#timers.restart === undefined && this.#timers.retry === undefined) this.#timers.restart = setTimeout(() => this.#restart(), r.restartAfter ?? 2000);
  }

  /** One ICE restart (its offer goes out by negotiationneeded); tried again every `retryEvery` until connected. */
  #restart() {
    clearTimeout(this.#timers.restart);
    this.#timers.restart = undefined;
    if (this.#finished || !this.#brokenSince || this.pc.connectionState === 'connected') return;
    clearTimeout(this.#timers.retry);
    this.#timers.retry = setTimeout(() => this.#restart(), this.#options.recovery?.retryEvery ?? 5000);
    if (!this.#signalingUp()) return this.#afterSignaling();
    // A restart answered and still checking its new candidates: let it finish.
    if (this.pc.signalingState === 'stable' && this.pc.iceConnectionState === 'checking') return;
    // An earlier restart offer left unanswered (lost with the signaling): take it back first.
    if (this.pc.signalingState === 'have-local-offer') {
      this.#queue(async () => { if (this.pc.signalingState === 'have-local-offer') await this.pc.setLocalDescription({ type: 'rollback' }); });
    }
    this.call.restarts++;
    this.pc.restartIce();
  }

  #peerAway() {
    if (this.#finished || !this.#brokenSince) return; // media still flows: nothing to do (ICE says when it breaks)
    clearTimeout(this.#timers.retry);
    this.#timers.retry = setTimeout(() => this.#restart(), this.#options.recovery?.retryEvery ?? 5000);
  }

  #signalingUp() { return this.client.transport.state === 'open'; }

  /** Signaling is down: the restart (or a mid-call offer) goes out once it is back. */
  #afterSignaling() {
    if (this.#waitingForSignaling) return;
    this.#waitingForSignaling = true;
    this.#whenSignalingUp(() => {
      this.#waitingForSignaling = false;
      if (this.#brokenSince) this.#restart();
      else this.#negotiationNeeded();
    });
  }

  /** Runs `then` once the transport is open again (never after the session closed). */
  #whenSignalingUp(then: () => void) {
    const onState = (state: string) => {
      if (state !== 'open') return;
      this.#signalWaiters.delete(onState);
      this.client.off('connectionstatechanged', onState);
      if (!this.#finished) then();
    };
    this.#signalWaiters.add(onState);
    this.client.on('connectionstatechanged', onState);
  }

  #recovered() {
    if (!this.#brokenSince) return;
    this.#brokenSince = 0;
    this.#clearRecovery();
    this.emit('reconnecting', false);
  }

  #clearRecovery() {
    for (const k of Object.keys(this.#timers) as RecoveryTimer[]) {
      clearTimeout(this.#timers[k]);
      this.#timers[k] = undefined;
    }
  }

  /**
   * Still broken long after the first failure: the call ends with `connectivity-error` on both
   * sides. With the signaling down too, it waits for the server and one more restart first.
   */
  #giveUp() {
    if (this.#finished || this.pc.connectionState === 'connected') return;
    if (!this.#signalingUp()) {
      // Nothing could be tried while the server was away: once it is back, the restart gets one more chance.
      this.#whenSignalingUp(() => {
        if (this.#brokenSince) this.#timers.giveUp = setTimeout(() => this.#giveUp(), 2 * (this.#options.recovery?.retryEvery ?? 5000));
      });
      return;
    }
    this.#error = 'connectivity-error';
    this.emit('error', new JsongleError('media', 'The media connection was lost and could not be restored (connectivity-error)', { sid: this.call.id, reason: 'connectivity-error' }));
    if (!this.call.ended && this.client.currentCall === this.call) {
      try { this.client.end('connectivity-error'); } catch { /* signaling down: the session still closes */ }
    }
    this.#finish();
  }

  #watchQuality() {
    if (this.#quality) return;
    this.#quality = new QualityMonitor(this.pc);
    this.#quality.on('quality', (q) => !this.#finished && this.emit('quality', q));
    this.#quality.start();
  }

  // ---- mute ----------------------------------------------------------------------------------

  #all(): MutedMedia {
    return this.call.media === 'audio' ? 'audio' : this.call.media === 'video-only' ? 'video' : 'audio+video';
  }

  #setMuted(media: MutedMedia, muted: boolean) {
    const kinds = (media === 'audio+video' ? ['audio', 'video'] : [media]) as DeviceKind[];
    // The call's media, and video added mid-call (addVideo, screen share).
    const has = [...kindsFor(this.call.media), ...(this.#local?.getVideoTracks().length ? ['video' as const] : [])];
    if (!kinds.every((k) => has.includes(k))) throw new JsongleError('invalid-argument', `The ${this.call.media} call has no ${media} to (un)mute`, { argument: 'media' });
    // A camera that could not be opened (the call went on with audio only) cannot be turned on.
    const missing = this.#local && kinds.find((k) => !this.#local!.getTracks().some((t) => t.kind === k));
    if (!muted && missing) throw new JsongleError('invalid-state', `The ${missing === 'video' ? 'camera' : 'microphone'} is unavailable in this call`, { sid: this.call.id, device: missing === 'video' ? 'camera' : 'microphone' });
    // The tracks first: what the user asked for holds even when signaling cannot follow.
    for (const track of this.#local?.getTracks() ?? []) if (kinds.includes(track.kind as DeviceKind)) track.enabled = !muted;
    if (this.call.ended || this.client.currentCall !== this.call) return;
    const m = this.client as JSONgle;
    if (media === 'audio') muted ? m.muteAudio() : m.unmuteAudio();
    else if (media === 'video') muted ? m.muteVideo() : m.unmuteVideo();
    else muted ? m.mute() : m.unmute();
  }

  #muteChanged(side: 'local' | 'remote', media: MutedMedia) {
    this.emit('mutechange', { side, media, local: this.localMuted, remote: this.remoteMuted });
  }

  // ---- the end -------------------------------------------------------------------------------

  /** Once: final stats (before closing), then tracks stopped, connection closed, listeners removed. */
  #finish() {
    if (this.#finished) return;
    this.#finished = true;
    if (!this.#opening) this.#settleReady.reject(new JsongleError('invalid-state', 'The call ended before its media was opened', { sid: this.call.id }));
    void this.#wrapUp();
  }

  async #wrapUp() {
    let metrics: Metrics | null = null;
    let report: RTCStatsReport | undefined;
    const negotiated = this.#negotiating && this.pc.signalingState !== 'closed';
    if (negotiated) {
      try {
        report = await withTimeout(this.pc.getStats(), this.#options.statsTimeout ?? 1500);
      } catch { /* closing matters more than figures */ }
    }
    this.#release();
    if (negotiated || this.#error) {
      const t = this.call.times;
      const duration = t.active && t.ended ? Math.max(0, (Date.parse(t.ended) - Date.parse(t.active)) / 1000) : 0;
      const ua = (globalThis as { navigator?: Navigator }).navigator?.userAgent;
      metrics = callMetrics(report, { duration, error: this.#error || undefined, ua });
      if (this.#options.reportMetrics !== false) {
        try {
          // To the server; without one (memory pair, BroadcastChannel) the figures only go into the ticket.
          this.client.reportMetrics(this.call.id, metrics);
        } catch {
          // Best effort: a closed transport must not turn the end of a call into an error. The
          // figures are still in the ticket (the client records them before sending).
        }
      }
    }
    const ticket = this.client.ticket;
    const summary: MediaSummary = { metrics, ticket: ticket && ticket.sid === this.call.id ? ticket : null };
    this.emit('closed', summary);
    this.#resolveClosed(summary);
    this.removeAllListeners();
  }

  #release() {
    this.#unsubscribe();
    for (const fn of this.#signalWaiters) this.client.off('connectionstatechanged', fn);
    this.#signalWaiters.clear();
    this.#clearRecovery();
    this.#quality?.stop();
    this.#screen?.stop();
    this.#cameraAside?.stop();
    for (const track of this.#local?.getTracks() ?? []) track.stop();
    for (const r of this.pc.getReceivers()) r.track?.stop();
    this.pc.onicecandidate = this.pc.ontrack = this.pc.onconnectionstatechange = this.pc.onnegotiationneeded = null;
    if (this.pc.signalingState !== 'closed') this.pc.close();
    this.#remoteQueue.length = 0;
    this.#localQueue.length = 0;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

/**
 * For pages that use the client without the elements: a media session for every call of `client`
 * (incoming ones too). Returns the function that stops watching (running sessions go on).
 */
export function attachMedia(client: JSONgle, options: MediaSessionOptions = {}, onSession?: (session: MediaSession) => void): () => void {
  const onCall = (call: Call) => {
    const session = MediaSession.attach(client, call, options);
    onSession?.(session);
  };
  client.on('call', onCall);
  return () => client.off('call', onCall);
}
