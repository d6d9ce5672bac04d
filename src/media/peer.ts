// The media session: binds one JSONgle call to one RTCPeerConnection, from the first ring to the
// last track stopped. The only code (with devices.ts and stats.ts) that touches WebRTC.
//
// Roles are fixed by the protocol: the caller offers (on `offerneeded`), the callee answers (on
// `offerreceived`). There is no renegotiation: mute is track.enabled plus a session-info message.
import { EventEmitter } from 'eventemitter3';
import type { Call, MutedState } from '../call/call.ts';
import type { Ticket } from '../call/ticket.ts';
import { END_REASON } from '../call/transition.ts';
import type { JSONgle } from '../client.ts';
import { JsongleError } from '../errors.ts';
import type { CallStateChange } from '../events.ts';
import type { CandidateInit, Metrics, MutedMedia, SessionDescriptionInit } from '../protocol/messages.ts';
import { kindsFor, openDevices, type DeviceKind, type MediaConstraintsOptions } from './devices.ts';
import { callMetrics } from './stats.ts';

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
  /** A device or negotiation problem; media errors end the call right after. */
  error: (error: JsongleError) => void;
  /** Everything is stopped and closed. */
  closed: (summary: MediaSummary) => void;
}

const sessions = new WeakMap<Call, MediaSession>();

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
   * or the offer arrives: a ringing call never touches the camera or microphone.
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
  #ops: Promise<unknown> = Promise.resolve();
  #unsubscribe: () => void;

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
    this.#unsubscribe = this.#listen();
    this.ready = new Promise((resolve, reject) => (this.#settleReady = { resolve, reject }));
    this.ready.catch(() => {}); // observed through the `error` event
    if (call.outgoing) void this.open();
    if (call.ended) queueMicrotask(() => this.#finish());
  }

  get localStream(): MediaStream | null { return this.#local; }
  get remoteStream(): MediaStream | null { return this.#remote; }
  get connectionState(): RTCPeerConnectionState { return this.pc.connectionState; }
  get localMuted(): MutedState { return { ...this.call.localMuted }; }
  get remoteMuted(): MutedState { return { ...this.call.remoteMuted }; }
  get isClosed() { return this.#finished; }

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
      this.#open().then(this.#settleReady.resolve, this.#settleReady.reject);
    }
    return this.ready;
  }

  async #open(): Promise<MediaStream> {
    const kinds = kindsFor(this.call.media);
    let stream: MediaStream;
    let cameraOff: JsongleError | null = null;
    try {
      stream = this.#options.stream ?? await openDevices(kinds, this.#options.constraints, this.call.id);
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
    if (this.#finished) { // the call ended while the devices were opening
      stream.getTracks().forEach((t) => t.stop());
      throw new JsongleError('invalid-state', 'The call ended before its media was ready', { sid: this.call.id });
    }
    for (const track of stream.getTracks()) {
      track.enabled = !this.call.localMuted[track.kind as DeviceKind]; // muted while ringing stays muted
      this.pc.addTrack(track, stream);
    }
    this.#local = stream;
    this.emit('localstream', stream);
    if (cameraOff) {
      // Said to the peer as the original client would: the video is muted ("Alice's camera is off").
      this.emit('error', cameraOff);
      if (!this.call.localMuted.video && !this.call.ended) {
        try { this.client.muteVideo(); } catch { /* the call ended meanwhile */ }
      }
    }
    return stream;
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
      offerneeded: (call: Call) => mine(call) && this.#queue(() => this.#offer()),
      offerreceived: (d: SessionDescriptionInit, call: Call) => mine(call) && this.#queue(() => this.#remoteDescription(d)),
      candidatereceived: (cand: CandidateInit, call: Call) => mine(call) && this.#remoteCandidate(cand),
      callended: (_local: boolean, call: Call) => mine(call) && this.#finish(),
      callmuted: (call: Call, media: MutedMedia) => mine(call) && this.#muteChanged('remote', media),
      callunmuted: (call: Call, media: MutedMedia) => mine(call) && this.#muteChanged('remote', media),
      localcallmuted: (call: Call, media: MutedMedia) => mine(call) && this.#muteChanged('local', media),
      localcallunmuted: (call: Call, media: MutedMedia) => mine(call) && this.#muteChanged('local', media),
      callstatechanged: (call: Call, change: CallStateChange) => mine(call) && change.state === 'offering' && this.#activeIfConnected(),
    };
    for (const [event, fn] of Object.entries(handlers)) c.on(event as any, fn as any);
    return () => { for (const [event, fn] of Object.entries(handlers)) c.off(event as any, fn as any); };
  }

  /** Negotiation steps run one after the other; a failure ends the call. */
  #queue(step: () => Promise<void>) {
    this.#negotiating = true;
    this.#ops = this.#ops.then(async () => {
      if (this.#finished) return;
      try {
        await step();
      } catch (e) {
        if (this.#finished) return;
        const error = e instanceof JsongleError ? e
          : new JsongleError('media', `WebRTC negotiation failed: ${(e as Error)?.message ?? e}`, { sid: this.call.id, name: (e as Error)?.name });
        this.#error ||= 'negotiation-failed';
        this.emit('error', error);
        this.close();
      }
    });
  }

  async #offer() {
    await this.open();
    if (this.#finished) return;
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    if (this.#finished) return;
    this.client.sendOffer({ type: 'offer', sdp: offer.sdp! });
    this.#sent();
  }

  async #remoteDescription(description: SessionDescriptionInit) {
    await this.open();
    if (this.#finished) return;
    await this.pc.setRemoteDescription(description);
    // Candidates that came early were kept; in order, now that they can be used.
    this.#remoteSet = true;
    for (const c of this.#remoteQueue.splice(0)) this.#addCandidate(c);
    if (description.type === 'offer') {
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      if (this.#finished) return;
      this.client.sendOffer({ type: 'answer', sdp: answer.sdp! });
      this.#sent();
    }
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
      if (!this.#finished) this.emit('error', new JsongleError('media', `A remote ICE candidate was refused: ${e?.message ?? e}`, { sid: this.call.id, candidate: c.candidate }));
    });
  }

  #track(e: RTCTrackEvent) {
    const stream = e.streams[0] ?? this.#remote ?? new MediaStream();
    if (!stream.getTracks().includes(e.track)) stream.addTrack(e.track);
    this.#remote = stream;
    this.emit('remotestream', stream);
  }

  #connectionState() {
    const state = this.pc.connectionState;
    if (this.#finished) return;
    this.emit('connectionstatechange', state);
    if (state === 'connected') this.#activeIfConnected();
    else if (state === 'failed') {
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
    if (this.pc.connectionState !== 'connected' || call.activeLocal || (call.state !== 'offering' && call.state !== 'active')) return;
    try {
      this.client.setAsActive();
    } catch (e) {
      this.emit('error', e as JsongleError);
    }
  }

  // ---- mute ----------------------------------------------------------------------------------

  #all(): MutedMedia {
    return this.call.media === 'audio' ? 'audio' : this.call.media === 'video-only' ? 'video' : 'audio+video';
  }

  #setMuted(media: MutedMedia, muted: boolean) {
    const kinds = (media === 'audio+video' ? ['audio', 'video'] : [media]) as DeviceKind[];
    const has = kindsFor(this.call.media);
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
    for (const track of this.#local?.getTracks() ?? []) track.stop();
    for (const r of this.pc.getReceivers()) r.track?.stop();
    this.pc.onicecandidate = this.pc.ontrack = this.pc.onconnectionstatechange = null;
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
