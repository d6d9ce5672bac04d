// Every DOM event the elements fire: one typed class each, `bubbles` + `composed` so that a page
// hears them through shadow roots; intents fired before acting are cancelable.
// `detail` carries the data, as in a CustomEvent, so plain JavaScript reads `event.detail.state`.
import type { Call, CallReason, CallState, MutedState } from '../src/call/call.ts';
import type { ChatMessage } from '../src/chat/conversation.ts';
import type { Ticket } from '../src/call/ticket.ts';
import type { JsongleError } from '../src/errors.ts';
import type { MediaChange } from '../src/media/peer.ts';
import type { Media, MutedMedia } from '../src/protocol/messages.ts';
import type { TransportState } from '../src/transport/transport.ts';

/**
 * The state of a `<jsongle-connection>`: its transport's, `idle` before it has what it needs, or
 * `unauthorized` when the server refused its identity token (until a new token is given).
 */
export type ConnectionState = TransportState | 'idle' | 'unauthorized';
/** The state of a `<jsongle-call>`: its call's, or `idle` before the first call. */
export type CallElementState = CallState | 'idle';

abstract class JsongleEvent<D> extends CustomEvent<D> {
  constructor(type: string, detail: D, cancelable = false) {
    super(type, { detail, bubbles: true, composed: true, cancelable });
  }
}

/** `<jsongle-connection>`'s transport changed state (or it got a new client). */
export class JsongleConnectionChangeEvent extends JsongleEvent<{ state: ConnectionState; previous: ConnectionState }> {
  static readonly type = 'jsongle-connection-change';
  constructor(detail: { state: ConnectionState; previous: ConnectionState }) { super(JsongleConnectionChangeEvent.type, detail); }
}

/** An incoming call is ringing. Cancelable: `preventDefault()` leaves the call to the page (no media, no UI). */
export class JsongleIncomingCallEvent extends JsongleEvent<{ call: Call; from: string; media: Media }> {
  static readonly type = 'jsongle-incoming-call';
  constructor(detail: { call: Call; from: string; media: Media }) { super(JsongleIncomingCallEvent.type, detail, true); }
}

/** The call element's state changed; `reason` is the protocol's (`have-offer`, `is-active-both-side`, `declined`…). */
export class JsongleCallChangeEvent extends JsongleEvent<{ state: CallElementState; previous: CallElementState; reason: CallReason }> {
  static readonly type = 'jsongle-call-change';
  constructor(detail: { state: CallElementState; previous: CallElementState; reason: CallReason }) { super(JsongleCallChangeEvent.type, detail); }
}

export interface MuteChange {
  /** Whose media changed: `local` (this side) or `remote` (the peer). */
  side: 'local' | 'remote';
  media: MutedMedia;
  local: MutedState;
  remote: MutedState;
}

/** Local or remote mute state changed. */
export class JsongleMuteChangeEvent extends JsongleEvent<MuteChange> {
  static readonly type = 'jsongle-mute-change';
  constructor(detail: MuteChange) { super(JsongleMuteChangeEvent.type, detail); }
}

/** Media added or removed mid-call on either side (addVideo, screen share, the peer's). */
export class JsongleMediaChangeEvent extends JsongleEvent<MediaChange> {
  static readonly type = 'jsongle-media-change';
  constructor(detail: MediaChange) { super(JsongleMediaChangeEvent.type, detail); }
}

/** The call quality indicator changed its bar count; the figures behind it (route: host, srflx or relay). */
export interface QualityChange { bars: number; mos: number; rtt: number; jitter: number; packetLoss: number; route: string }
export class JsongleQualityChangeEvent extends JsongleEvent<QualityChange> {
  static readonly type = 'jsongle-quality-change';
  constructor(detail: QualityChange) { super(JsongleQualityChangeEvent.type, detail); }
}

/** The call is over and its media released; `ticket` holds the metrics (route, mos, duration…). */
export class JsongleCallEndEvent extends JsongleEvent<{ reason: CallReason; ticket: Ticket | null }> {
  static readonly type = 'jsongle-call-end';
  constructor(detail: { reason: CallReason; ticket: Ticket | null }) { super(JsongleCallEndEvent.type, detail); }
}

/** Something failed: `error.code` is stable (`media`, `invalid-state`…), `error.detail` has the facts. */
export class JsongleErrorEvent extends JsongleEvent<{ error: JsongleError }> {
  static readonly type = 'jsongle-error';
  constructor(detail: { error: JsongleError }) { super(JsongleErrorEvent.type, detail); }
}

/** What `<jsongle-chat>` is about to send. */
export interface SendDetail {
  /** The text; a listener may replace it (an empty text then sends nothing). */
  text: string;
  /** Extra JSON sent with the text (`additionalContent`); a listener may replace it. */
  additionalContent?: unknown;
}

/**
 * `<jsongle-chat>` is about to send a message. Cancelable: `preventDefault()` vetoes it (the text
 * stays in the composer); a listener may also rewrite `detail.text` / `detail.additionalContent`.
 */
export class JsongleSendEvent extends JsongleEvent<SendDetail> {
  static readonly type = 'jsongle-send';
  constructor(detail: SendDetail) { super(JsongleSendEvent.type, detail, true); }
}

/** `<jsongle-chat>` received a message of its conversation (a read-only snapshot). */
export class JsongleMessageEvent extends JsongleEvent<{ message: ChatMessage }> {
  static readonly type = 'jsongle-message';
  constructor(detail: { message: ChatMessage }) { super(JsongleMessageEvent.type, detail); }
}

/** `<jsongle-chat>` received custom JSON (`session-custom`), which it does not show. `from` is the author's uid. */
export class JsongleDataEvent extends JsongleEvent<{ content: unknown; from: string; id: string }> {
  static readonly type = 'jsongle-data';
  constructor(detail: { content: unknown; from: string; id: string }) { super(JsongleDataEvent.type, detail); }
}

/**
 * An own message of `<jsongle-chat>` was not sent: the server refused it, or did not acknowledge it
 * in time. It shows as "Not sent" with a Retry button.
 */
export class JsongleMessageFailedEvent extends JsongleEvent<{ message: ChatMessage; error: JsongleError }> {
  static readonly type = 'jsongle-message-failed';
  constructor(detail: { message: ChatMessage; error: JsongleError }) { super(JsongleMessageFailedEvent.type, detail); }
}

/** A room member of `<jsongle-chat>` as the page sees it: the user id and the name to show. */
export interface RoomMember { uid: string; name: string }

/** The members of `<jsongle-chat>`'s room changed (joined the room, someone joined or left). */
export class JsongleMembersChangeEvent extends JsongleEvent<{ members: RoomMember[] }> {
  static readonly type = 'jsongle-members-change';
  constructor(detail: { members: RoomMember[] }) { super(JsongleMembersChangeEvent.type, detail); }
}

/** `<jsongle-dialer>` is about to place a call. Cancelable: `preventDefault()` dials nothing. */
export class JsongleDialEvent extends JsongleEvent<{ to: string; media: 'audio' | 'video' }> {
  static readonly type = 'jsongle-dial';
  constructor(detail: { to: string; media: 'audio' | 'video' }) { super(JsongleDialEvent.type, detail, true); }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'jsongle-connection-change': JsongleConnectionChangeEvent;
    'jsongle-incoming-call': JsongleIncomingCallEvent;
    'jsongle-call-change': JsongleCallChangeEvent;
    'jsongle-mute-change': JsongleMuteChangeEvent;
    'jsongle-call-end': JsongleCallEndEvent;
    'jsongle-media-change': JsongleMediaChangeEvent;
    'jsongle-quality-change': JsongleQualityChangeEvent;
    'jsongle-error': JsongleErrorEvent;
    'jsongle-send': JsongleSendEvent;
    'jsongle-message': JsongleMessageEvent;
    'jsongle-message-failed': JsongleMessageFailedEvent;
    'jsongle-data': JsongleDataEvent;
    'jsongle-members-change': JsongleMembersChangeEvent;
    'jsongle-dial': JsongleDialEvent;
  }
}
