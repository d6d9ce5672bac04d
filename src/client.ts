// class JSONgle: the whole client API of the spec over any Transport. DOM-free.
import { EventEmitter } from 'eventemitter3';
import { Call, DIRECTION, type CallReason } from './call/call.ts';
import { ENDED, next, type Input } from './call/machine.ts';
import { ticketOf, type Ticket } from './call/ticket.ts';
import { check, isObject, isString, JsongleError } from './errors.ts';
import type { JsongleEvents } from './events.ts';
import { Logger, type LogLevel } from './log.ts';
import {
  ackEvent, callMessage, customMessage, eventMessage, iqMessage, metricsMessage, now, textMessage, uuid,
} from './protocol/build.ts';
import { CLIENT_ERROR, type ClientErrorCode } from './protocol/codes.ts';
import {
  ACTION, EVENT, FEATURE, INFO, MEDIA, NAMESPACE, isCallAction, type CallAction,
  type AckBody, type CallBody, type CandidateInit, type CustomBody, type ErrorBody, type EventBody, type HelloBody,
  type IqBody, type JsongleMessage, type Media, type Metrics, type MutedMedia, type SessionDescriptionInit, type TextBody,
} from './protocol/messages.ts';
import { decode, DEFAULT_MAX_MESSAGE_SIZE } from './protocol/parse.ts';
import { Outbox, SeenIds } from './chat/outbox.ts';
import { PendingRequests } from './requests.ts';
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
  /**
   * What this side can do in a call, sent as `description.features` of its propose and proceed
   * (default `["renegotiate"]`: mid-call offers, for ICE restarts and added media). `[]` behaves as
   * the original JSONgle client.
   */
  features?: string[];
}

const HELLO = 'session-hello';
const METRIC_TYPES: Record<string, string> = { mos: 'number', duration: 'number', ua: 'string', route: 'string', error: 'string' };
/** Every medium of a call, as a mute message names it. */
const allMedia = (call: Call): MutedMedia => (call.media === MEDIA.AUDIO ? 'audio' : call.media === MEDIA.VIDEO ? 'audio+video' : 'video');
type OnHandlers = { [K in keyof JsongleEvents as `on${K}`]?: JsongleEvents[K] | null };

export class JSONgle extends EventEmitter<JsongleEvents> {
  static readonly MEDIA = MEDIA;
  static readonly DIRECTION = DIRECTION;

  readonly #transport: Transport;
  readonly #user?: { uid: string; dn?: string };
  readonly #log: Logger;
  readonly #pending: PendingRequests;
  readonly #maxSize: number;
  readonly #typing = new Set<string>();
  readonly #outbox: Outbox;
  /** `from` + id of the messages delivered to the application: a message delivered again is not emitted again. */
  readonly #seen = new SeenIds();
  readonly #features: string[];
  #timeout: number;
  #id = '';
  #registered = false;
  #server = '';
  #call: Call | null = null;
  #metrics: Metrics = {};

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
    check(cfg.features === undefined || (Array.isArray(cfg.features) && cfg.features.every((f) => isString(f))), 'cfg.features', 'an array of strings');
    this.#features = [...(cfg.features ?? [FEATURE.RENEGOTIATE])];
    this.#log = new Logger('jsongle');
    this.logLevel = cfg.logLevel ?? 'warning';
    this.#pending = new PendingRequests(() => this.#timeout);
    const messageTimeout = cfg.messageTimeout ?? 10_000;
    check(Number.isFinite(messageTimeout) && messageTimeout > 0, 'cfg.messageTimeout', 'a positive number (ms)');
    this.#outbox = new Outbox({
      send: (m) => this.#send(m),
      failed: (m, why) => this.#safely(() => this.emit('messagefailed', m, new JsongleError(
        why.code === undefined ? CLIENT_ERROR.REQUEST_TIMEOUT : CLIENT_ERROR.SESSION_ERROR, why.details, { id: m.id, errorCode: why.code }))),
      ackTimeout: messageTimeout,
    });
    this.#transport.receive({
      message: (data) => this.#receive(data),
      state: (state) => this.#safely(() => {
        if (state !== 'open') this.#outbox.offline();
        this.emit('connectionstatechanged', state);
      }),
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
  /** Ours: ids of the peers currently composing. */
  get typing(): string[] { return [...this.#typing]; }

  // ---- calls -------------------------------------------------------------------------------

  /** Calls `to` (a user id or a room id); the call starts in state `new`. */
  call(to: string, media: Media = MEDIA.AUDIO): Call {
    check(isString(to), 'to', 'a non-empty string');
    check(Object.values(MEDIA).includes(media as any), 'media', "'audio', 'video' or 'video-only'");
    if (this.currentCall) throw new JsongleError('invalid-state', `A call is already in progress (${this.currentCall.id})`);
    const call = new Call(uuid(), this.#id, to, media, DIRECTION.OUTGOING, to);
    call.times.initiated = now();
    this.#begin(call);
    call.features = [...this.#features];
    this.#transition(call, '>session-propose', { initiated: call.times.initiated, media, features: call.features });
    return call;
  }

  /** Answers the ringing incoming call. */
  proceed() {
    const call = this.currentCall;
    if (call) call.features = [...this.#features];
    this.#local('>session-proceed', 'proceed()', { proceeded: now(), features: [...this.#features] });
  }

  /** Declines the ringing incoming call. */
  decline() {
    this.#local('>session-decline', 'decline()', { ended: now() });
  }

  /** Ends the call: retract (caller, before active), decline (callee, ringing) or terminate; `reason` (e.g. `connectivity-error`) goes on the wire. */
  end(reason?: string) {
    const call = this.#need('end()');
    check(reason === undefined || typeof reason === 'string', 'reason', 'a string');
    const input: Input = call.outgoing && !call.active ? '>session-retract' : call.state === 'ringing' ? '>session-decline' : '>session-terminate';
    this.#local(input, 'end()', { ended: now() }, reason);
  }

  /** Mutes every medium of the call (`audio`, `video` or `audio+video` on the wire). */
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
    const result = this.#pending.wait(transaction, `request '${query}' to ${to}`);
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
    const acked = this.#pending.wait<AckBody>(transaction, `answer '${query}' to ${to}`);
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
          return this.#fail(CLIENT_ERROR.SESSION_ERROR, `${m.from} answered error ${errorCode}: ${String(errorDetails ?? '')}`,
            { errorCode, id: m.id, from: m.from });
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
      const current = this.currentCall;
      if (current) {
        if (current.id === j.sid) return this.#fail(CLIENT_ERROR.UNEXPECTED_STATE, `Duplicate session-propose for call ${j.sid}`, { id: m.id, from: m.from });
        // Busy: refuse the newcomer, leave the current call alone.
        this.#send(callMessage(this.#id, m.from, { id: j.sid, caller: j.initiator, callee: j.responder }, ACTION.DECLINE, { ended: now() }, 'busy'));
        return;
      }
      const call = new Call(j.sid, j.initiator, j.responder, j.description.media as Media, DIRECTION.INCOMING, m.from);
      call.times.initiated = typeof j.description.initiated === 'string' ? j.description.initiated : now();
      this.#begin(call);
      // The callee acknowledges the propose by ringing at once.
      this.#transition(call, '<session-propose', undefined, m);
      this.#send(callMessage(this.#id, call.peer, call, ACTION.INFO, { rang: call.times.rang! }, INFO.RINGING));
      return;
    }
    const call = this.#call;
    if (!call || call.id !== j.sid) {
      return this.#fail(CLIENT_ERROR.UNKNOWN_CALL, `${j.action} for unknown call ${j.sid}`, { id: m.id, from: m.from, sid: j.sid });
    }
    if (j.action === ACTION.INFO && j.reason === INFO.UNREACHABLE && call.state === 'active' && call.supports(FEATURE.RENEGOTIATE)) {
      return this.emit('peerunreachable', call); // for a moment, maybe: the media session decides (see the event)
    }
    this.#transition(call, `<${j.action}${j.action === ACTION.INFO ? `/${j.reason}` : ''}` as Input, undefined, m);
  }

  #onMessage(m: JsongleMessage<TextBody | CustomBody>) {
    const j = m.jsongle;
    const muc = j.namespace === NAMESPACE.MUC;
    // A message from someone ends their typing, without waiting for their `active`.
    if (this.#typing.delete(m.from)) {
      this.emit('event', { action: ACTION.EVENT, namespace: muc ? 'muc' : 'message', event: EVENT.TYPING,
        description: { state: 'active', updated: now() } }, m.from, m.id);
    }
    // Always acknowledged (the server keeps it pending until then), delivered to the application once.
    this.#send(ackEvent(this.#id, m.from, muc, m.id, 'received'));
    if (!this.#seen.add(`${m.from}\n${m.id}`)) return;
    if (j.action === ACTION.TEXT) this.emit('messagereceived', j, m.from, m.id);
    else this.emit('datareceived', j, m.from, m.id);
  }

  #onEvent(m: JsongleMessage<EventBody>) {
    const j = m.jsongle;
    if (j.event === EVENT.TYPING) {
      if (j.description.state === 'composing') this.#typing.add(m.from);
      else this.#typing.delete(m.from);
    } else if (j.event === EVENT.ACK && j.description.type === 'server-received' && m.from === this.#server && typeof j.description.mid === 'string') {
      this.#outbox.acknowledged(j.description.mid);
    } else if (j.event === 'missed-call' && !this.#seen.add(`${m.from}\n${m.id}`)) return;
    this.emit('event', j, m.from, m.id);
  }

  #onRequest(m: JsongleMessage<IqBody>) {
    const j = m.jsongle;
    if (j.query === HELLO && j.action === ACTION.IQ_GET) {
      this.#hello(m);
      if (this.#user) {
        this.answer(m.from, HELLO, { ...this.#user }, j.transaction);
        return;
      }
    }
    this.emit('request', j, m.from, m.id);
  }

  #onResult(m: JsongleMessage<IqBody | AckBody>) {
    const j = m.jsongle;
    let error: JsongleError | null = null;
    if (j.action === ACTION.IQ_ERROR || (j.action === ACTION.ACK && j.status === 'failed')) {
      const d: any = j.action === ACTION.IQ_ERROR ? j.description ?? {} : {};
      error = new JsongleError('request-failed',
        `${m.from} refused transaction ${j.transaction}${d.errorCode ? `: ${d.errorCode} ${String(d.errorDetails ?? '')}` : ''}`,
        { errorCode: typeof d.errorCode === 'number' ? d.errorCode : undefined, from: m.from, transaction: j.transaction });
    }
    // `pending` acks only say the server is working on it.
    if (j.action === ACTION.ACK && j.status === 'pending') return;
    const value = j.action === ACTION.ACK ? j : (j as IqBody).description ?? {};
    if (!this.#pending.settle(j.transaction, error, value) && error) this.#emitError(error, m.from);
  }

  #hello(m: JsongleMessage) {
    const d: any = (m.jsongle as HelloBody).description ?? {};
    this.#server = typeof d.sn === 'string' && d.sn ? d.sn : m.from;
    // Each hello starts a session (first connection or reconnection): the server names us first
    // (provisional id), the registered uid replaces it once acked, and `registered` fires again.
    this.#registered = false;
    this.#outbox.offline();
    this.#setId(m.to);
  }

  // ---- the one place call state changes ------------------------------------------------------

  /**
   * Applies `input` to `call` if the table allows it: updates the call, sends the message for a
   * local input, then emits `callstatechanged` and the input's own event. Returns false (and emits
   * `unexpected-state`) when the table refuses a received message.
   */
  #transition(call: Call, input: Input, description?: CallBody['description'], m?: JsongleMessage<CallBody>, payload?: any): boolean {
    const to = allowed(call, input);
    if (to === undefined) {
      this.#fail(CLIENT_ERROR.UNEXPECTED_STATE, `${m?.jsongle.action} (${input}) is not allowed in state '${call.state}'`, { id: m?.id, from: m?.from, sid: call.id });
      return false;
    }
    const local = input[0] === '>';
    const at = now();
    const t = call.times;
    const d = m?.jsongle.description;
    const previous = call.state;
    const before = call.reason;
    let reason: CallReason = call.reason;
    let emit: (() => void) | undefined;
    const what = input.slice(1);
    switch (what) {
      case 'session-propose':
        if (!local) {
          t.rang = at;
          call.remoteFeatures = featuresOf(d);
        }
        break;
      case 'session-info/trying': t.tried = at; break;
      case 'session-info/ringing': t.rang = at; break;
      case 'session-proceed':
        t.proceeded = at;
        if (!local) call.remoteFeatures = featuresOf(d);
        if (!local) emit = () => this.emit('offerneeded', call);
        break;
      case 'session-initiate':
      case 'session-accept': {
        const offer = what === 'session-initiate';
        const sdp = local ? payload : offer ? d!.offer! : d!.answer!;
        // Mid-call offers (ICE restart, added media) keep the times of the first negotiation.
        if (offer) t.offering ??= at;
        else t.offered ??= at;
        if (local) call.localOffer = sdp;
        else {
          call.remoteOffer = sdp;
          emit = () => this.emit('offerreceived', sdp, call);
        }
        break;
      }
      case 'transport-info': {
        t.establishing ??= at;
        if (local) call.localCandidates.push(payload);
        else {
          const c = d!.candidate!;
          call.remoteCandidates.push(c);
          emit = () => this.emit('candidatereceived', c, call);
        }
        break;
      }
      case 'session-info/active':
        t.active ??= at;
        if (local) call.activeLocal = true;
        else call.activeRemote = true;
        break;
      case 'session-info/mute':
      case 'session-info/unmute': {
        const media = (local ? payload : d?.media ?? allMedia(call)) as MutedMedia;
        const muted = what === 'session-info/mute';
        const state = local ? call.localMuted : call.remoteMuted;
        if (media !== 'video') state.audio = muted;
        if (media !== 'audio') state.video = muted;
        const name = `${local ? 'local' : ''}call${muted ? 'muted' : 'unmuted'}` as 'callmuted';
        emit = () => this.emit(name, call, media);
        break;
      }
      default: // the ending messages
        t.ended = at;
        call.endedBy = what === 'session-info/unreachable' ? 'server' : local ? 'local' : 'remote';
        call.cause = local ? (typeof payload === 'string' ? payload : '') : m!.jsongle.reason ?? '';
        reason = ENDED[what];
        emit = () => {
          this.emit('callended', local, call);
          this.emit('ticket', ticketOf(call, this.#metrics));
        };
    }
    if (to === 'offering') {
      const answered = !!t.offered;
      reason = !answered ? 'have-offer' : call.localCandidates.length && call.remoteCandidates.length ? 'have-both' : 'have-answer';
    } else if (to === 'active') {
      reason = call.activeLocal && call.activeRemote ? 'is-active-both-side' : call.activeLocal ? 'is-active-local' : 'is-active-remote';
    }
    if (local && description) this.#sendCall(call, input, description, ENDED[what] && typeof payload === 'string' ? payload : undefined);
    call._enter(to, reason);
    if (to !== previous || reason !== before) this.emit('callstatechanged', call, { state: to, previous, reason });
    emit?.();
    return true;
  }

  #sendCall(call: Call, input: Input, description: CallBody['description'], ending?: string) {
    const [action, info = ''] = input.slice(1).split('/');
    const reason = ending ?? info;
    this.#send(callMessage(this.#id, call.peer, call, action as CallAction, description, reason));
  }

  /** A local call action: refused with `invalid-state` (thrown) when the table does not allow it now. */
  #local(input: Input, what: string, description: Record<string, unknown>, payload?: unknown) {
    const call = this.#need(what);
    if (allowed(call, input) === undefined) {
      throw new JsongleError('invalid-state', `${what} is not allowed: the ${call.direction} call is '${call.state}'`);
    }
    this.#transition(call, input, description, undefined, payload);
  }

  #mute(muted: boolean, only?: 'audio' | 'video') {
    const what = `${muted ? 'mute' : 'unmute'}${only ? only[0].toUpperCase() + only.slice(1) : ''}()`;
    const call = this.#need(what);
    const all = allMedia(call);
    // An audio call may have gained video mid-call (addVideo) between peers that renegotiate.
    const added = only === 'video' && call.supports(FEATURE.RENEGOTIATE);
    if (only && !all.includes(only) && !added) throw new JsongleError('invalid-state', `${what}: the ${call.media} call has no ${only}`);
    const media = only ?? all;
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

  /** Sends a message; returns its id. */
  #send(m: JsongleMessage): string {
    this.#log.log('debug', () => `-> ${m.jsongle.action} ${m.id} to ${m.to}`);
    try {
      this.#transport.send(m);
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

/** The machine's answer, except that mid-call offers need both peers to list `renegotiate` (else: as the original, refused). */
const allowed = (call: Call, input: Input) =>
  call.state === 'active' && /session-(initiate|accept)$/.test(input) && !call.supports(FEATURE.RENEGOTIATE) ? undefined : next(call, input);

/** The `features` a propose or proceed lists (strings only; anything else counts as none). */
const featuresOf = (d: CallBody['description'] | undefined): string[] =>
  Array.isArray(d?.features) ? d.features.filter((f): f is string => typeof f === 'string' && f.length <= 64).slice(0, 32) : [];

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
