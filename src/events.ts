// The typed events of the client: the spec's `on*` events without the `on`, plus two of ours.
import type { Call, CallReason, CallState } from './call/call.ts';
import type { Ticket } from './call/ticket.ts';
import type { JsongleError } from './errors.ts';
import type {
  CandidateInit, CustomBody, EventBody, HelloBody, IqBody, JsongleMessage, MutedMedia, SessionDescriptionInit, TextBody,
} from './protocol/messages.ts';
import type { TransportState } from './transport/transport.ts';

export interface CallStateChange { state: CallState; previous: CallState; reason: CallReason }

export interface JsongleEvents {
  /** A call was placed or received (its state is `new`). */
  call: (call: Call) => void;
  /** The call ended; `true` when this side ended it. */
  callended: (hasBeenInitiatedLocally: boolean, call: Call) => void;
  callstatechanged: (call: Call, change: CallStateChange) => void;
  /** The peer muted / unmuted (`call.remoteMuted` says which media). */
  callmuted: (call: Call, media: MutedMedia) => void;
  callunmuted: (call: Call, media: MutedMedia) => void;
  localcallmuted: (call: Call, media: MutedMedia) => void;
  localcallunmuted: (call: Call, media: MutedMedia) => void;
  /** The application should create the local offer and give it to sendOffer(). */
  offerneeded: (call: Call) => void;
  /** The peer's offer (callee) or answer (caller): give it to the RTCPeerConnection. */
  offerreceived: (description: SessionDescriptionInit, call: Call) => void;
  candidatereceived: (candidate: CandidateInit, call: Call) => void;
  ticket: (ticket: Ticket) => void;
  /** A text message: `content` is its `jsongle` body, as in the spec. */
  messagereceived: (content: TextBody, from: string, id: string) => void;
  /** A custom JSON message: `content` is its `jsongle` body. */
  datareceived: (content: CustomBody, from: string, id: string) => void;
  /** Acks, typing, reactions, joined/left, and the plain `session-hello`. */
  event: (event: EventBody | HelloBody, from: string, id: string) => void;
  /** An `iq-get` / `iq-set` for the application; reply with answer(). */
  request: (request: IqBody, from: string, id: string) => void;
  /** Anything refused on the receive path, a `session-error`, a failed registration. */
  error: (error: JsongleError, from?: string) => void;
  /** Ours: the transport's state. */
  connectionstatechanged: (state: TransportState) => void;
  /**
   * Ours: the server said the peer of an active call cannot be reached right now (a restarted
   * server, a reconnection). Between peers that renegotiate the call stays up: the media session's
   * ICE recovery retries and ends it with `connectivity-error` if the peer does not come back.
   */
  peerunreachable: (call: Call) => void;
  /** Ours: the server acknowledged our identity; `id` is now the registered uid. */
  registered: (id: string) => void;
  /**
   * Ours: an own text or custom message was not stored by the server — refused (`error.detail.errorCode`),
   * or no `server-received` within `messageTimeout` of being sent. `retry(message.id)` sends it again.
   */
  messagefailed: (message: JsongleMessage, error: JsongleError) => void;
}

export type JsongleEventName = keyof JsongleEvents;
