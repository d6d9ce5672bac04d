// class JSONgle: the whole client API of the spec over any Transport. DOM-free.
import { EventEmitter } from 'eventemitter3';
import { Call, DIRECTION } from './call/call.ts';
import type { Input } from './call/machine.ts';
import { ticketOf, type Ticket } from './call/ticket.ts';
import {
  allowed,
  allMedia, END_REASON, endingInput, mutedAfter, receivePropose, transition, type CallDispatcher,
} from './call/transition.ts';
import { check, isObject, isString, JsongleError } from './errors.ts';
import type { JsongleEvents } from './events.ts';
import { Logger, type LogLevel } from './log.ts';
import {
  ackEvent, customMessage, eventMessage, iqMessage, metricsMessage, now, textMessage, uuid,
} from './protocol/build.ts';
import { CLIENT_ERROR, ERROR_CODE, type ClientErrorCode } from './protocol/codes.ts';
import {
  ACTION, EVENT, FEATURE, INFO, MEDIA, NAMESPACE, isCallAction, isServerWord, type CallAction,
  type AckBody, type CallBody, type CandidateInit, type CustomBody, type ErrorBody, type EventBody, type HelloBody,
  type IqBody, type JsongleMessage, type Media, type Metrics, type SessionDescriptionInit, type TextBody,
} from './protocol/messages.ts';
import { decode, DEFAULT_MAX_MESSAGE_SIZE } from './protocol/parse.ts';
import { Outbox, SeenIds } from './chat/outbox.ts';
import { PendingRequests } from './requests.ts';
import { claimsOf, refreshDelay, SESSION_TOKEN, type TokenProvider } from './token.ts';
import { isTransport, type SeedTransport, type Transport } from './transport/transport.ts';
import { wrapSeed } from './transport/wrapper.ts';
import { NAME, VERSION } from './version.ts';

export interface JsongleConfig {
  /** A Transport, or the spec's `{ name, transport: { in, out } }`. */
  transport: Transport | { name: string; transport: SeedTransport };
  /** When set, the client answers the server's `session-hello` request with this identity itself. */
  user?: { uid: string; dn?: string };
  logLevel?: LogLevel;
  /** How long request() and answer() wait for their answer (ms, default 10000). */
  requestTimeout?: number;
  /** Frames larger than this (characters) are refused (default 65536, the server's limit). */
  maxMessageSize?: number;
  /** A text or custom message without the server's `server-received` this long (ms) after it went out is failed (default 10000). */
  messageTimeout?: number;
  /** An identity token (a JWT from the application's backend), sent in the hello answer. */
  token?: string;
  /**
   * Returns a fresh identity token: called before each (re)connection and about 60 s before the
   * current token's `exp`, after which the client sends it to the server (`session-token`).
   */
  tokenProvider?: TokenProvider;
  /**
   * A peer's `composing` counts this long without news (ms, default 30000): `typing` then drops it,
   * with a typing `active` event for it as if it had sent one.
   */
  typingExpiry?: number;
  /** An outgoing call nobody answers is retracted (reason `timeout`) after this many ms (default 60000; 0: never). */
  ringTimeout?: number;
  /**
   * What this side can do in a call, sent as `description.features` of its propose and proceed
   * (default `["renegotiate"]`: mid-call offers, for ICE restarts and added media). `[]` behaves as
   * the original JSONgle client.
   */
  features?: string[];
}

const HELLO = 'session-hello';
/** At most this many peers are listed as typing (the oldest are dropped first). */
const TYPING_MAX = 256;
/** A `session-info` reason the original client sends late, without a candidate; ignored. */
const INFO_TRANSPORT = 'transport';
const METRIC_TYPES: Record<string, string> = { mos: 'number', duration: 'number', ua: 'string', route: 'string', error: 'string' };
/** The room of a multi-user room address `rid/uid` (the address itself when it has no member part). */
const roomOf = (address: string) => (address.includes('/') ? address.slice(0, address.lastIndexOf('/')) : address);
type OnHandlers = { [K in keyof JsongleEvents as `on${K}`]?: JsongleEvents[K] | null };

export class JSONgle extends EventEmitter<JsongleEvents> {
  static readonly MEDIA = MEDIA;
  static readonly DIRECTION = DIRECTION;

  readonly #transport: Transport;
  readonly #user?: { uid: string; dn?: string };
  readonly #log: Logger;
  readonly #pending: PendingRequests;
  readonly #maxSize: number;
  readonly #outbox: Outbox;
  /** `from` + id of the messages delivered to the application: a message delivered again is not emitted again. */
  readonly #seen = new SeenIds();
  /**
   * The one record of who is typing: the addresses composing, in the order they started, with when
   * their `composing` expires and the namespace it came in. Every change is an `event` (typing).
   */
  readonly #typing = new Map<string, { until: number; namespace: string }>();
  readonly #typingExpiry: number;
  /** Set for the earliest expiry of #typing (news only postpones expiries: it may fire early, never late). */
  #typingTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #features: string[];
  #timeout: number;
  #id = '';
  #registered = false;
  #server = '';
  /** The `from` of the first hello on this transport: only that sender speaks as the server. */
  #serverFrom = '';
  /** The sender of the current call's peer messages, once known (the member who answered a call to a room). */
  #peerFrom = '';
  #call: Call | null = null;
  #metrics: Metrics = {};
  #token = '';
  #provider?: TokenProvider;
  /** The provider's token for the coming hello, asked for when the transport (re)connects. */
  #fresh: Promise<string> | null = null;
  #refresh: unknown;
  /** The transaction of the last hello request (an answer that waited for a token may be too late). */
  #helloTx = '';
  #ringTimeout: number;
  /** What the call transitions (src/call/transition.ts) use of the client. */
  readonly #calls: CallDispatcher;
  readonly #pagehide = (e: { persisted?: boolean }) => this.#safely(() => this.#leave(!e?.persisted));

  constructor(cfg: JsongleConfig) {
    super();
    check(isObject(cfg), 'cfg', 'an object');
    const t = cfg.transport as any;
    if (isTransport(t)) this.#transport = t;
    else {
      check(isObject(t) && isString(t.name), 'cfg.transport.name', 'a non-empty string');
      check(isObject(t.transport) && typeof t.transport.in === 'function' && typeof t.transport.out === 'function',
        'cfg.transport.transport', 'an object with functions in and out');
      this.#transport = wrapSeed(t.name, t.transport as unknown as SeedTransport);
    }
    if (cfg.user !== undefined) {
      check(isObject(cfg.user) && isString(cfg.user.uid, 256), 'cfg.user.uid', 'a non-empty string of ≤ 256 characters');
      check(cfg.user.dn === undefined || typeof cfg.user.dn === 'string', 'cfg.user.dn', 'a string');
      this.#user = { ...cfg.user };
      this.#setId(cfg.user.uid);
    }
    this.#timeout = cfg.requestTimeout ?? 10_000;
    check(Number.isFinite(this.#timeout) && this.#timeout > 0, 'cfg.requestTimeout', 'a positive number (ms)');
    this.#maxSize = cfg.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    check(Number.isInteger(this.#maxSize) && this.#maxSize > 0, 'cfg.maxMessageSize', 'a positive integer');
    this.#typingExpiry = cfg.typingExpiry ?? 30_000;
    check(Number.isFinite(this.#typingExpiry) && this.#typingExpiry > 0, 'cfg.typingExpiry', 'a positive number (ms)');
    check(cfg.features === undefined || (Array.isArray(cfg.features) && cfg.features.every((f) => isString(f))), 'cfg.features', 'an array of strings');
    this.#features = [...(cfg.features ?? [FEATURE.RENEGOTIATE])];
    this.#log = new Logger('jsongle');
    this.logLevel = cfg.logLevel ?? 'warning';
    check(cfg.token === undefined || typeof cfg.token === 'string', 'cfg.token', 'a string (a JWT)');
    check(cfg.tokenProvider === undefined || typeof cfg.tokenProvider === 'function', 'cfg.tokenProvider', 'a function returning a token');
    this.#token = cfg.token ?? '';
    this.#provider = cfg.tokenProvider;
    this.#pending = new PendingRequests(() => this.#timeout);
    const messageTimeout = cfg.messageTimeout ?? 10_000;
    check(Number.isFinite(messageTimeout) && messageTimeout > 0, 'cfg.messageTimeout', 'a positive number (ms)');
    this.#outbox = new Outbox({
      // Not queued by the transport: the outbox itself sends what is pending again, in order, once registered.
      send: (m) => this.#send(m, false),
      failed: (m, why) => this.#safely(() => this.emit('messagefailed', m, new JsongleError(
        why.code === undefined ? CLIENT_ERROR.REQUEST_TIMEOUT : CLIENT_ERROR.SESSION_ERROR, why.details, { id: m.id, errorCode: why.code }))),
      ackTimeout: messageTimeout,
    });
    this.#ringTimeout = cfg.ringTimeout ?? 60_000;
    check(Number.isFinite(this.#ringTimeout) && this.#ringTimeout >= 0, 'cfg.ringTimeout', 'a number of ms ≥ 0');
    const self = this;
    this.#calls = {
      get id() { return self.#id; },
      get metrics() { return self.#metrics; },
      get features() { return self.#features; },
      send: (m) => this.#send(m),
      emit: (event, ...args) => (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args),
      fail: (code, message, detail) => this.#fail(code, message, detail),
      safely: (work) => this.#safely(work),
      begin: (call) => this.#begin(call),
      superseded: new Set(),
    };
    // A page closed or reloaded ends its call at once rather than leaving the peer on frozen media.
    (globalThis as { addEventListener?: (type: string, fn: (e: any) => void) => void }).addEventListener?.('pagehide', this.#pagehide);
    this.#transport.receive({
      message: (data) => this.#receive(data),
      state: (state) => {
        if ((state === 'connecting' || state === 'reconnecting') && this.#provider) this.#fresh ??= this.#provide();
        this.#safely(() => {
          if (state !== 'open') this.#outbox.offline();
          this.emit('connectionstatechanged', state);
        });
      },
    });
  }

  // ---- getters / setters of the spec -------------------------------------------------------

  /** The call in progress, or null when there is none (an ended call is no longer current). */
  get currentCall(): Call | null { return this.#call && !this.#call.ended ? this.#call : null; }
  /** The identity the handshake established (provisional id, then the registered uid). */
  get id() { return this.#id; }
  get name() { return NAME; }
  get version() { return VERSION; }
  /** The ticket of the current call, or of the last one. */
  get ticket(): Ticket | null { return this.#call ? ticketOf(this.#call, this.#metrics) : null; }
  get logLevel(): LogLevel { return this.#log.level; }
  set logLevel(level: LogLevel) { this.#log.level = level; }
  /** Ours: true once the server acknowledged our identity. */
  get registered() { return this.#registered; }
  /** Ours: the server's `sn` from its hello ('' before). */
  get server() { return this.#server; }
  get transport() { return this.#transport; }
  /**
   * Ours: the addresses currently composing, in the order they started (at most 256, the oldest
   * dropped first; a `composing` expires after `typingExpiry`). A uid, `rid/uid` in a multi-user
   * room, the room id in a 1:1 room. Each change comes as an `event` (typing `composing` / `active`).
   */
  get typing(): string[] {
    const t = Date.now();
    return [...this.#typing].filter(([, e]) => e.until > t).map(([from]) => from);
  }
  /** Ours: the identity token. Setting one sends it to the server now (`session-token`) and, after a refusal, connects again. */
  get token() { return this.#token; }
  set token(token: string) {
    check(isString(token), 'token', 'a non-empty string (a JWT)');
    void this.#renew(token);
  }
  /** Ours: the function that returns fresh identity tokens (see the config). Setting one, after a refusal, connects again. */
  get tokenProvider(): TokenProvider | undefined { return this.#provider; }
  set tokenProvider(provider: TokenProvider | undefined) {
    check(provider === undefined || typeof provider === 'function', 'tokenProvider', 'a function returning a token');
    this.#provider = provider;
    this.#transport.resume?.();
  }

  // ---- calls -------------------------------------------------------------------------------

  /**
   * Calls `to` (a user id or a room id); the call starts in state `new`. `options.ringTimeout`
   * (ms) overrides the client's for this call.
   */
  call(to: string, media: Media = MEDIA.AUDIO, options: { ringTimeout?: number } = {}): Call {
    check(isString(to), 'to', 'a non-empty string');
    check(Object.values(MEDIA).includes(media as any), 'media', "'audio', 'video' or 'video-only'");
    const ringTimeout = options.ringTimeout ?? this.#ringTimeout;
    check(Number.isFinite(ringTimeout) && ringTimeout >= 0, 'options.ringTimeout', 'a number of ms ≥ 0');
    if (this.currentCall) throw new JsongleError('invalid-state', `A call is already in progress (${this.currentCall.id})`);
    const call = new Call(uuid(), this.#id, to, media, DIRECTION.OUTGOING, to);
    call.times.initiated = now();
    this.#begin(call);
    call.features = [...this.#features];
    transition(this.#calls, call, '>session-propose', { description: { initiated: call.times.initiated, media, features: call.features }, ringTimeout });
    return call;
  }

  /** Answers the ringing incoming call. */
  proceed() {
    const call = this.currentCall;
    if (call) call.features = [...this.#features];
    this.#local('>session-proceed', 'proceed()', { proceeded: now(), features: [...this.#features] });
  }

  /** Declines the ringing incoming call; `reason` says why on the wire (e.g. `busy`, `media-error`). */
  decline(reason = '') {
    check(typeof reason === 'string' && reason.length <= 64, 'reason', 'a string of ≤ 64 characters');
    this.#local('>session-decline', 'decline()', { ended: now() }, undefined, reason);
  }

  /** Ends the call: retract (caller, before active), decline (callee, ringing) or terminate; `reason` goes on the wire. */
  end(reason = '') {
    check(typeof reason === 'string' && reason.length <= 64, 'reason', 'a string of ≤ 64 characters');
    const call = this.#need('end()');
    this.#local(endingInput(call), 'end()', { ended: now() }, undefined, reason);
  }

  /** Mutes every medium of the call (on the wire, `media` says what remains muted: `audio`, `video` or `audio+video`). */
  mute() { this.#mute(true); }
  muteAudio() { this.#mute(true, 'audio'); }
  muteVideo() { this.#mute(true, 'video'); }
  unmute() { this.#mute(false); }
  unmuteAudio() { this.#mute(false, 'audio'); }
  unmuteVideo() { this.#mute(false, 'video'); }

  /** Sends the local description: an offer (caller, `session-initiate`) or an answer (callee, `session-accept`). */
  sendOffer(offer: SessionDescriptionInit) {
    check(isObject(offer) && (offer.type === 'offer' || offer.type === 'answer'), 'offer.type', "'offer' or 'answer'");
    check(typeof offer.sdp === 'string' && offer.sdp.length > 0, 'offer.sdp', 'a non-empty string');
    const description = { type: offer.type, sdp: offer.sdp };
    if (offer.type === 'offer') this.#local('>session-initiate', 'sendOffer(offer)', { offering: now(), offer: description }, description);
    else this.#local('>session-accept', 'sendOffer(answer)', { offered: now(), answer: description }, description);
  }

  /** Sends a local ICE candidate; a null candidate (end of gathering) is ignored. */
  sendCandidate(candidate: CandidateInit | null) {
    if (candidate === null || (isObject(candidate) && candidate.candidate === '')) return;
    check(isObject(candidate) && typeof candidate.candidate === 'string', 'candidate', 'an RTCIceCandidate');
    const c: CandidateInit = { candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null };
    this.#local('>transport-info', 'sendCandidate()', { establishing: now(), candidate: c }, c);
  }

  /** Tells the peer that media is connected on this side. */
  setAsActive() {
    this.#local('>session-info/active', 'setAsActive()', { actived: now() });
  }

  /**
   * Records the figures in call `sid`'s ticket and sends them as `session-metrics` to `to` (the server
   * by default). Without a server nor `to` (serverless) they only go into the ticket; returns the
   * message id, or null when nothing was sent.
   */
  reportMetrics(sid: string, metrics: Metrics, to: string = this.#server): string | null {
    check(isString(sid), 'sid', 'a non-empty string');
    check(isObject(metrics), 'metrics', 'an object');
    const keys = Object.keys(metrics).filter((k) => (metrics as any)[k] !== undefined);
    check(keys.length > 0 && keys.every((k) => typeof (metrics as any)[k] === METRIC_TYPES[k]), 'metrics',
      'one or more of mos, duration (numbers), ua, route, error (strings)');
    check(to === '' || isString(to), 'to', 'a string');
    if (this.#call?.id === sid) Object.assign(this.#metrics, metrics);
    return to ? this.#send(metricsMessage(this.#id, to, sid, metrics)) : null;
  }

  // ---- messaging ---------------------------------------------------------------------------

  send(to: string, content: string, additionalContent?: unknown) { return this.#text(to, content, additionalContent, false); }
  sendMuc(to: string, content: string, additionalContent?: unknown) { return this.#text(to, content, additionalContent, true); }
  sendJSON(to: string, content: unknown) { return this.#custom(to, content, false); }
  sendJSONMUC(to: string, content: unknown) { return this.#custom(to, content, true); }
  sendAReadAcknowledgement(id: string, to: string) { return this.#ack(id, to, false); }
  sendAReadAcknowledgementMuc(id: string, to: string) { return this.#ack(id, to, true); }
  /** Reacts to message `id`; an empty reaction removes ours. */
  reactToMessage(id: string, reaction: string, to: string) { return this.#react(id, reaction, to, false); }
  reactToMessageMUC(id: string, reaction: string, to: string) { return this.#react(id, reaction, to, true); }
  isTyping(state: boolean, to: string) { return this.#typingState(state, to, false); }
  isTypingMuc(state: boolean, to: string) { return this.#typingState(state, to, true); }

  /** Sends `iq-set`; resolves with the `iq-result` description (or the `ack`), rejects on `iq-error`, a failed ack or a timeout. */
  request(to: string, query: string, content: Record<string, unknown> = {}, transaction: string = uuid()): Promise<any> {
    return this.#iq(ACTION.IQ_SET, to, query, content, transaction);
  }

  /** Ours: sends `iq-get`, a question that changes nothing (e.g. the server's `turn-credentials`); settles as request() does. */
  get(to: string, query: string, content: Record<string, unknown> = {}): Promise<any> {
    return this.#iq(ACTION.IQ_GET, to, query, content, uuid());
  }

  #iq(action: 'iq-get' | 'iq-set', to: string, query: string, content: Record<string, unknown>, transaction: string): Promise<any> {
    check(isString(to), 'to', 'a non-empty string');
    check(isString(query), 'query', 'a non-empty string');
    check(isObject(content), 'content', 'an object');
    check(isString(transaction), 'transaction', 'a non-empty string');
    check(!this.#pending.has(transaction), 'transaction', 'a transaction not already pending');
    // Answered by `to` (a member of it, for a room), or refused by the server.
    const result = this.#pending.wait(transaction, `request '${query}' to ${to}`, [to, this.#server]);
    this.#send(iqMessage(this.#id, to, action, query, transaction, content));
    return result;
  }

  /**
   * Ours: one page of stored history from the server (`iq-get history`): `{ with: uid }` or `{ rid }`,
   * `before` (a message id or an ISO time), `limit` (default 50, at most 200). Resolves with
   * `{ messages, more }`, oldest first, each message with its delivery `state`.
   */
  history(query: { with?: string; rid?: string; before?: string; limit?: number }): Promise<{ messages: (JsongleMessage & { state: string })[]; more: boolean }> {
    check(isObject(query) && (isString(query.with) !== isString(query.rid)), 'query', "an object with one of 'with' (a user id) or 'rid' (a room id)");
    check(query.before === undefined || isString(query.before), 'query.before', 'a message id or an ISO time');
    check(query.limit === undefined || (Number.isInteger(query.limit) && query.limit > 0 && query.limit <= 200), 'query.limit', 'an integer from 1 to 200');
    if (!this.#server) return Promise.reject(new JsongleError('invalid-state', 'history() needs a server (no session-hello came)'));
    const content = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
    return this.get(this.#server, 'history', content).then((d: any) => ({ messages: Array.isArray(d?.messages) ? d.messages : [], more: d?.more === true }));
  }

  /** Answers a request with `iq-result`; resolves when the server acks it. */
  answer(to: string, query: string, content: Record<string, unknown>, transaction: string): Promise<AckBody> {
    check(isString(to), 'to', 'a non-empty string');
    check(isString(query), 'query', 'a non-empty string');
    check(isObject(content), 'content', 'an object');
    check(isString(transaction), 'transaction', 'a non-empty string');
    // Acknowledged by the server (by `to` when there is none, serverless).
    const acked = this.#pending.wait<AckBody>(transaction, `answer '${query}' to ${to}`, [this.#server || to]);
    if (query === HELLO && isString(content.uid)) {
      const uid = content.uid;
      acked.then(() => this.#setId(uid, true), (error) => this.#emitError(error, to));
    }
    this.#send(iqMessage(this.#id, to, ACTION.IQ_RESULT, query, transaction, content));
    return acked;
  }

  /**
   * Sends failed message `id` again, with the same id (the server stores it once). Throws
   * `invalid-argument` when `id` is not a failed message of this client.
   */
  retry(id: string) {
    check(isString(id) && this.#outbox.state(id) === 'failed', 'id', 'the id of a failed message (see the messagefailed event)');
    this.#outbox.retry(id);
  }

  /** Ours: ids of own messages the server has not acknowledged yet, in the order written. */
  get pendingMessages(): string[] { return this.#outbox.pending; }

  /** Closes the transport and rejects what still waits for an answer. */
  close() {
    this.#outbox.clear();
    clearTimeout(this.#refresh);
    clearTimeout(this.#typingTimer);
    this.#typing.clear();
    (globalThis as { removeEventListener?: (type: string, fn: (e: any) => void) => void }).removeEventListener?.('pagehide', this.#pagehide);
    this.#pending.rejectAll(() => new JsongleError('transport', 'The client was closed'));
    this.#transport.close();
  }

  // ---- receive path: never throws ------------------------------------------------------------

  #receive(data: unknown) {
    this.#safely(() => {
      const decoded = decode(data, this.#maxSize);
      if (!decoded.ok) return this.#fail(decoded.code, decoded.reason, { id: decoded.id, action: decoded.action });
      const m = decoded.message;
      this.#log.log('debug', () => `<- ${m.jsongle.action} ${m.id} from ${m.from}`);
      const j = m.jsongle;
      // The server's own words (acks, errors, hellos) from anyone else: someone posing as the server.
      const hello = j.action === ACTION.HELLO || (j.action === ACTION.IQ_GET && (j as IqBody).query === HELLO);
      if (hello ? !this.#helloFromServer(m) : isServerWord(j) && this.#serverFrom && !this.#isServer(m.from)) {
        return this.#fail(CLIENT_ERROR.WRONG_SENDER, `${j.action} from ${m.from || "''"}, who is not the server ${this.#server}`, { id: m.id, from: m.from });
      }
      if (isCallAction(j.action)) return this.#onCall(m as JsongleMessage<CallBody>);
      switch (j.action) {
        case ACTION.TEXT:
        case ACTION.CUSTOM:
          return this.#onMessage(m as JsongleMessage<TextBody | CustomBody>);
        case ACTION.EVENT:
          return this.#onEvent(m as JsongleMessage<EventBody>);
        case ACTION.IQ_GET:
        case ACTION.IQ_SET:
          return this.#onRequest(m as JsongleMessage<IqBody>);
        case ACTION.IQ_RESULT:
        case ACTION.IQ_ERROR:
        case ACTION.ACK:
          return this.#onResult(m as JsongleMessage<IqBody | AckBody>);
        case ACTION.ERROR: {
          const { errorCode, errorDetails, mid } = (j as ErrorBody).description as ErrorBody['description'] & { mid?: unknown };
          // About a message of our outbox: that message failed (messagefailed), nothing else went wrong.
          if (m.from === this.#server && typeof mid === 'string' && this.#outbox.refused(mid, errorCode, String(errorDetails ?? ''))) return;
          if (errorCode === ERROR_CODE.UNAUTHORIZED) {
            // The server closes now; coming back with the same token would be refused again.
            this.#transport.pause?.();
            return this.#fail(CLIENT_ERROR.UNAUTHORIZED, `The server refused the identity token: ${String(errorDetails ?? '')}`, { errorCode, id: m.id, from: m.from });
          }
          return this.#fail(CLIENT_ERROR.SESSION_ERROR, `${m.from} answered error ${errorCode}: ${String(errorDetails ?? '')}`,
            { errorCode, id: m.id, from: m.from, ...(typeof mid === 'string' ? { mid } : {}) });
        }
        case ACTION.HELLO:
          this.#hello(m);
          return this.emit('event', j as HelloBody, m.from, m.id);
        // session-metrics from a peer: nothing for a client to do.
      }
    });
  }

  #onCall(m: JsongleMessage<CallBody>) {
    const j = m.jsongle;
    if (j.action === ACTION.PROPOSE) {
      return receivePropose(this.#calls, this.currentCall, m, () => {
        const call = new Call(j.sid, j.initiator, j.responder, j.description.media as Media, DIRECTION.INCOMING, m.from);
        call.times.initiated = typeof j.description.initiated === 'string' ? j.description.initiated : now();
        return call;
      });
    }
    // The original client may send a late `session-info` `transport` (no candidate): nothing to do.
    if (j.action === ACTION.INFO && j.reason === INFO_TRANSPORT) return;
    const call = this.#call;
    if (!call || call.id !== j.sid) {
      // Late messages of a call that lost a glare (its trying, the retract of the one never taken).
      if (this.#calls.superseded.has(j.sid)) return;
      return this.#fail(CLIENT_ERROR.UNKNOWN_CALL, `${j.action} for unknown call ${j.sid}`, { id: m.id, from: m.from, sid: j.sid });
    }
    if (!this.#fromPeer(call, m)) {
      return this.#fail(CLIENT_ERROR.WRONG_SENDER, `${j.action} for call ${j.sid} from ${m.from}, not from its peer ${this.#peerFrom || call.peer}`, { id: m.id, from: m.from, sid: j.sid });
    }
    if (j.action === ACTION.INFO && j.reason === INFO.UNREACHABLE && call.state === 'active' && call.supports(FEATURE.RENEGOTIATE)) {
      return this.emit('peerunreachable', call); // for a moment, maybe: the media session decides (see the event)
    }
    transition(this.#calls, call, `<${j.action}${j.action === ACTION.INFO ? `/${j.reason}` : ''}` as Input, { m });
  }

  #onMessage(m: JsongleMessage<TextBody | CustomBody>) {
    const j = m.jsongle;
    const muc = j.namespace === NAMESPACE.MUC;
    // A message from someone ends their typing, without waiting for their `active`.
    this.#stopTyping(m.from, m.id);
    // Always acknowledged (the server keeps it pending until then), delivered to the application once.
    // In a multi-user room `from` is `rid/uid`; receipts go to the room id, the only address the
    // reference server routes (uids never contain '/', room ids may).
    this.#send(ackEvent(this.#id, muc ? roomOf(m.from) : m.from, muc, m.id, 'received'));
    if (!this.#seen.add(`${m.from}\n${m.id}`)) return;
    if (j.action === ACTION.TEXT) this.emit('messagereceived', j, m.from, m.id);
    else this.emit('datareceived', j, m.from, m.id);
  }

  #onEvent(m: JsongleMessage<EventBody>) {
    const j = m.jsongle;
    if (j.event === EVENT.TYPING) {
      if (j.description.state === 'composing') this.#composing(m.from, j.namespace);
      else this.#typing.delete(m.from);
    } else if (j.event === 'left' && isObject(j.description)) {
      // A member who left a room types there no more: `rid/uid` in a multi-user room, the room id in a 1:1 room.
      const { rid, member } = j.description as { rid?: unknown; member?: { uid?: unknown } };
      if (isString(rid) && isObject(member) && isString(member.uid)) {
        this.#stopTyping(j.namespace === NAMESPACE.MUC ? `${rid}/${member.uid}` : rid, m.id);
      }
    } else if (j.event === EVENT.ACK && j.description.type === 'server-received' && m.from === this.#server && typeof j.description.mid === 'string') {
      this.#outbox.acknowledged(j.description.mid);
    } else if (j.event === 'missed-call' && !this.#seen.add(`${m.from}\n${m.id}`)) return;
    this.emit('event', j, m.from, m.id);
  }

  #onRequest(m: JsongleMessage<IqBody>) {
    const j = m.jsongle;
    if (j.query === HELLO && j.action === ACTION.IQ_GET) {
      this.#hello(m);
      if (this.#user || this.#token || this.#provider) return void this.#answerHello(m.from, j.transaction);
    }
    this.emit('request', j, m.from, m.id);
  }

  #onResult(m: JsongleMessage<IqBody | AckBody>) {
    const j = m.jsongle;
    if (!this.#pending.accepts(j.transaction, m.from)) {
      return this.#fail(CLIENT_ERROR.WRONG_SENDER, `${j.action} for transaction ${j.transaction} from ${m.from}, who was not asked`, { id: m.id, from: m.from, transaction: j.transaction });
    }
    let error: JsongleError | null = null;
    if (j.action === ACTION.IQ_ERROR || (j.action === ACTION.ACK && j.status === 'failed')) {
      const d: any = j.action === ACTION.IQ_ERROR ? j.description ?? {} : {};
      error = new JsongleError('request-failed',
        `${m.from} refused transaction ${j.transaction}${d.errorCode ? `: ${d.errorCode} ${String(d.errorDetails ?? '')}` : ''}`,
        { errorCode: typeof d.errorCode === 'number' ? d.errorCode : undefined, from: m.from, transaction: j.transaction, ...(typeof d.mid === 'string' ? { mid: d.mid } : {}) });
    }
    // `pending` acks only say the server is working on it.
    if (j.action === ACTION.ACK && j.status === 'pending') return;
    const value = j.action === ACTION.ACK ? j : (j as IqBody).description ?? {};
    if (!this.#pending.settle(j.transaction, error, value) && error) this.#emitError(error, m.from);
  }

  #hello(m: JsongleMessage) {
    if (!this.#serverFrom) {
      const d: any = (m.jsongle as HelloBody).description ?? {};
      this.#serverFrom = m.from;
      this.#server = typeof d.sn === 'string' && d.sn ? d.sn : m.from;
    }
    // Each hello starts a session (first connection or reconnection): the server names us first
    // (provisional id), the registered uid replaces it once acked, and `registered` fires again.
    this.#registered = false;
    this.#outbox.offline();
    this.#helloTx = (m.jsongle as IqBody).transaction ?? '';
    if (m.to) this.#setId(m.to);
  }

  /** A hello is the server's (the first one names it); one with no sender cannot be answered. */
  #helloFromServer(m: JsongleMessage): boolean {
    return m.from !== '' && (!this.#serverFrom || this.#isServer(m.from));
  }

  #isServer(from: string) { return from === this.#serverFrom || from === this.#server; }

  /**
   * Call messages come from the call's peer: its address, or for a call to a room one of its members
   * (the one who answered, once one did), or the server's own `session-info` (trying, unreachable).
   */
  #fromPeer(call: Call, m: JsongleMessage<CallBody>): boolean {
    const j = m.jsongle;
    if (j.action === ACTION.INFO && (j.reason === INFO.TRYING || j.reason === INFO.UNREACHABLE)) return !this.#serverFrom || this.#isServer(m.from);
    if (this.#peerFrom) return m.from === this.#peerFrom;
    if (m.from !== call.peer && !m.from.startsWith(`${call.peer}/`)) return false;
    if (j.action === ACTION.PROCEED || j.action === ACTION.ACCEPT) this.#peerFrom = m.from;
    return true;
  }

  /**
   * `from` is composing: listed until its `composing` expires (news postpones that, in place), the
   * oldest dropped beyond TYPING_MAX (with an `active` event, like an expiry).
   */
  #composing(from: string, namespace: string) {
    if (!from) return;
    const until = Date.now() + this.#typingExpiry;
    const entry = this.#typing.get(from);
    if (entry) {
      entry.until = until;
      return;
    }
    for (const who of this.#typing.keys()) {
      if (this.#typing.size < TYPING_MAX) break;
      this.#stopTyping(who, uuid());
    }
    this.#typing.set(from, { until, namespace });
    if (this.#typingTimer === undefined) this.#armTyping(until);
  }

  /** `from` stops composing (a message of theirs, a departure, an expiry): an `active` event when it was listed. */
  #stopTyping(from: string, id: string) {
    const entry = this.#typing.get(from);
    if (!entry) return;
    this.#typing.delete(from);
    this.emit('event', { action: ACTION.EVENT, namespace: entry.namespace, event: EVENT.TYPING,
      description: { state: 'active', updated: now() } } as EventBody, from, id);
  }

  #armTyping(at: number) {
    const timer = setTimeout(() => this.#safely(() => this.#expireTyping()), Math.max(0, at - Date.now()));
    // In Node, a pending expiry alone does not keep the process running.
    (timer as { unref?: () => void }).unref?.();
    this.#typingTimer = timer;
  }

  /** Drops the expired `composing`s and waits for the next expiry. */
  #expireTyping() {
    this.#typingTimer = undefined;
    const t = Date.now();
    let next = Infinity;
    for (const [from, { until }] of [...this.#typing]) {
      if (until <= t) this.#stopTyping(from, uuid());
      else next = Math.min(next, until);
    }
    if (next !== Infinity) this.#armTyping(next);
  }

  // ---- identity tokens -------------------------------------------------------------------------

  /** Answers the server's hello with our identity: `user`, and the token (a fresh one from the provider). */
  async #answerHello(to: string, transaction: string) {
    let token = this.#token;
    if (this.#provider) {
      const fresh = this.#fresh ?? this.#provide();
      this.#fresh = null;
      try {
        token = this.#token = await fresh;
      } catch (e) {
        return this.#emitError(e as JsongleError);
      }
      if (transaction !== this.#helloTx) return; // a new connection said hello meanwhile
    }
    const uid = this.#user?.uid ?? claimsOf(token).sub;
    if (!isString(uid, 256)) return this.#fail(CLIENT_ERROR.INVALID_ARGUMENT, "No uid for the hello answer: set 'user', or give a token with a 'sub'");
    // `resume`: the same client coming back (the server keeps its calls and rooms for a grace period).
    const resume = this.#transport.resumeId;
    this.answer(to, HELLO, { ...this.#user, uid, ...(token ? { token } : {}), ...(resume ? { resume } : {}) }, transaction).then(() => this.#schedule(), () => {});
  }

  /** The provider's next token; rejects with an `unauthorized` error saying what went wrong. */
  #provide(): Promise<string> {
    const p = (async () => {
      let token: unknown;
      try {
        token = await this.#provider!();
      } catch (e) {
        token = e;
      }
      if (isString(token)) return token;
      throw new JsongleError(CLIENT_ERROR.UNAUTHORIZED, `tokenProvider gave no token: ${(token as Error)?.message ?? String(token)}`);
    })();
    p.catch(() => {});
    return p;
  }

  /** With a provider, fetches the next token about a minute before the current one ends. */
  #schedule() {
    clearTimeout(this.#refresh);
    const delay = this.#provider ? refreshDelay(this.#token) : undefined;
    if (delay !== undefined) this.#refresh = setTimeout(() => void this.#renew(), delay);
  }

  /** Replaces the token (`given`, or the provider's next) and tells the server when registered. */
  async #renew(given?: string) {
    try {
      const token = this.#token = given ?? await this.#provide();
      this.#transport.resume?.();
      if (!this.#registered) return; // the next hello answer carries it
      await this.request(this.#server, SESSION_TOKEN, { token });
      this.#schedule();
    } catch (e) {
      const error = e as JsongleError;
      this.#emitError(error.detail.errorCode === ERROR_CODE.UNAUTHORIZED ? new JsongleError(CLIENT_ERROR.UNAUTHORIZED, error.message, error.detail) : error);
    }
  }

  // ---- local call actions (their effects are in src/call/transition.ts) ---------------------

  /** A local call action: refused with `invalid-state` (thrown) when the table does not allow it now. */
  #local(input: Input, what: string, description: Record<string, unknown>, payload?: unknown, reason?: string) {
    const call = this.#need(what);
    if (allowed(call, input) === undefined) {
      throw new JsongleError('invalid-state', `${what} is not allowed: the ${call.direction} call is '${call.state}'`);
    }
    transition(this.#calls, call, input, { description, payload, reason });
  }

  /**
   * The page goes away: its call ends now (the callee of a ringing call leaves it to the server, as
   * another device may answer). A page unloaded for good also closes the transport: the server then
   * knows it is not coming back and tells its rooms at once, without the resume grace.
   */
  #leave(unloading: boolean) {
    const call = this.currentCall;
    if (call && (call.outgoing || call.state !== 'ringing')) this.end(END_REASON.GONE);
    if (unloading) this.close();
  }

  #mute(muted: boolean, only?: 'audio' | 'video') {
    const what = `${muted ? 'mute' : 'unmute'}${only ? only[0].toUpperCase() + only.slice(1) : ''}()`;
    const call = this.#need(what);
    const all = allMedia(call);
    // An audio call may have gained video mid-call (addVideo) between peers that renegotiate.
    const added = only === 'video' && call.supports(FEATURE.RENEGOTIATE);
    if (only && !all.includes(only) && !added) throw new JsongleError('invalid-state', `${what}: the ${call.media} call has no ${only}`);
    // On the wire, `media` is what remains muted after the change (the original client's meaning).
    const media = mutedAfter(call, muted, only);
    this.#local(muted ? '>session-info/mute' : '>session-info/unmute', what,
      muted ? { muted: now(), media } : { unmuted: now(), media }, media);
  }

  #need(what: string): Call {
    const call = this.currentCall;
    if (!call) throw new JsongleError('invalid-state', `${what} needs a call in progress`);
    return call;
  }

  #begin(call: Call) {
    this.#call = call;
    this.#peerFrom = call.direction === DIRECTION.INCOMING ? call.peer : '';
    this.#metrics = {};
    this.emit('call', call);
  }

  // ---- messaging helpers ---------------------------------------------------------------------

  #text(to: string, content: string, additionalContent: unknown, muc: boolean) {
    check(isString(to), 'to', 'a non-empty string');
    check(typeof content === 'string' && (content.length > 0 || additionalContent !== undefined), 'content',
      'a non-empty string (or an empty one with additionalContent)');
    return this.#post(textMessage(this.#id, to, muc, content, additionalContent));
  }

  #custom(to: string, content: unknown, muc: boolean) {
    check(isString(to), 'to', 'a non-empty string');
    check(content !== undefined && typeof content !== 'function', 'content', 'a JSON value');
    return this.#post(customMessage(this.#id, to, muc, content));
  }

  #ack(id: string, to: string, muc: boolean) {
    check(isString(id), 'id', 'the id of a received message');
    check(isString(to), 'to', 'a non-empty string');
    return this.#send(ackEvent(this.#id, to, muc, id, 'read'));
  }

  #react(id: string, reaction: string, to: string, muc: boolean) {
    check(isString(id), 'id', 'the id of a message');
    check(typeof reaction === 'string' && reaction.length <= 64, 'reaction', 'a string of ≤ 64 characters');
    check(isString(to), 'to', 'a non-empty string');
    return this.#send(eventMessage(this.#id, to, muc ? 'muc' : 'message', EVENT.REACTION, { reacted: now(), mid: id, type: reaction }));
  }

  #typingState(state: boolean, to: string, muc: boolean) {
    check(typeof state === 'boolean', 'state', 'a boolean');
    check(isString(to), 'to', 'a non-empty string');
    return this.#send(eventMessage(this.#id, to, muc ? 'muc' : 'message', EVENT.TYPING, { state: state ? 'composing' : 'active', updated: now() }));
  }

  // ---- plumbing ------------------------------------------------------------------------------

  /**
   * A text or custom message: with a server (a hello came), it goes through the outbox until the
   * server stored it; serverless, straight to the transport.
   */
  #post(m: JsongleMessage): string {
    if (!this.#server) return this.#send(m);
    if (this.#transport.state === 'closed') throw new JsongleError('transport', `The ${this.#transport.name} transport is closed: the message cannot be sent`);
    this.#outbox.add(m);
    return m.id;
  }

  /** Sends a message (`queue` false: dropped rather than queued by a transport that is not open); returns its id. */
  #send(m: JsongleMessage, queue = true): string {
    this.#log.log('debug', () => `-> ${m.jsongle.action} ${m.id} to ${m.to}`);
    try {
      this.#transport.send(m, queue ? undefined : { queue: false });
    } catch (e) {
      throw new JsongleError('transport', `The ${this.#transport.name} transport could not send: ${(e as Error)?.message ?? e}`);
    }
    return m.id;
  }

  #setId(id: string, registered = false) {
    this.#id = id;
    this.#transport.identify?.(id);
    if (registered && !this.#registered) {
      this.#registered = true;
      this.emit('registered', id);
      this.#outbox.online();
    }
  }

  #fail(code: ClientErrorCode, message: string, detail: JsongleError['detail'] = {}) {
    this.#emitError(new JsongleError(code, message, detail), detail.from);
  }

  #emitError(error: JsongleError, from?: string) {
    this.#log.log('debug', () => `error ${error.code}: ${error.message}`);
    this.#safely(() => this.emit('error', error, from));
  }

  /** Runs receive-path work; an exception (a bug, or an application handler that threw) is logged, never thrown to the transport. */
  #safely(work: () => unknown) {
    try {
      work();
    } catch (e) {
      this.#log.log('error', () => `a handler threw on the receive path: ${(e as Error)?.stack ?? e}`);
    }
  }
}

// The spec's on* setters: `client.oncall = fn` is `client.on('call', fn)`, one slot per event.
const slots = new WeakMap<JSONgle, Partial<Record<string, (...args: any[]) => void>>>();
const EVENTS: (keyof JsongleEvents)[] = [
  'call', 'callended', 'callstatechanged', 'callmuted', 'callunmuted', 'localcallmuted', 'localcallunmuted',
  'offerneeded', 'offerreceived', 'candidatereceived', 'ticket', 'messagereceived', 'datareceived', 'event',
  'request', 'error', 'connectionstatechanged', 'registered', 'messagefailed', 'peerunreachable',
];
for (const event of EVENTS) {
  Object.defineProperty(JSONgle.prototype, `on${event}`, {
    get(this: JSONgle) { return slots.get(this)?.[event] ?? null; },
    set(this: JSONgle, fn: ((...args: any[]) => void) | null) {
      check(fn == null || typeof fn === 'function', `on${event}`, 'a function or null');
      const slot = slots.get(this) ?? {};
      slots.set(this, slot);
      if (slot[event]) this.off(event, slot[event] as any);
      slot[event] = fn ?? undefined;
      if (fn) this.on(event, fn as any);
    },
  });
}

export interface JSONgle extends OnHandlers {}
