// The JSONgle wire format: one definition shared by the client and the server.
// Field names follow ../spec (messages.md + PROTOCOL-NOTES.md); timestamps are ISO-8601 strings.

export const ACTION = {
  PROPOSE: 'session-propose',
  INFO: 'session-info',
  RETRACT: 'session-retract',
  DECLINE: 'session-decline',
  PROCEED: 'session-proceed',
  INITIATE: 'session-initiate',
  ACCEPT: 'session-accept',
  TRANSPORT: 'transport-info',
  TERMINATE: 'session-terminate',
  TEXT: 'session-text',
  CUSTOM: 'session-custom',
  EVENT: 'session-event',
  IQ_GET: 'iq-get',
  IQ_SET: 'iq-set',
  IQ_RESULT: 'iq-result',
  IQ_ERROR: 'iq-error',
  ACK: 'ack',
  ERROR: 'session-error',
  METRICS: 'session-metrics',
  HELLO: 'session-hello',
} as const;

export type CallAction =
  | 'session-propose' | 'session-info' | 'session-retract' | 'session-decline' | 'session-proceed'
  | 'session-initiate' | 'session-accept' | 'transport-info' | 'session-terminate';
export type IqAction = 'iq-get' | 'iq-set' | 'iq-result' | 'iq-error';
export type Action = (typeof ACTION)[keyof typeof ACTION];

/**
 * What the server does with each action, the one table of it: [sent to another client, sent to the
 * server]. The router follows it; the client reads it to know which words only its server says.
 *  - `call`: relayed by the call's `sid` (server/handlers/calls.ts); `relay`: relayed by `to`;
 *  - `answer`: the server handles it (and answers); `note`: counted or logged, nothing answered;
 *  - `refuse`: 405001. The server's own words (ack, session-error, session-hello) are never relayed.
 */
export const ROUTES: Record<Action, readonly [peer: 'call' | 'relay' | 'refuse', server: 'answer' | 'note' | 'refuse']> = {
  [ACTION.PROPOSE]: ['call', 'refuse'],
  [ACTION.INFO]: ['call', 'refuse'],
  [ACTION.RETRACT]: ['call', 'refuse'],
  [ACTION.DECLINE]: ['call', 'refuse'],
  [ACTION.PROCEED]: ['call', 'refuse'],
  [ACTION.INITIATE]: ['call', 'refuse'],
  [ACTION.ACCEPT]: ['call', 'refuse'],
  [ACTION.TRANSPORT]: ['call', 'refuse'],
  [ACTION.TERMINATE]: ['call', 'refuse'],
  [ACTION.TEXT]: ['relay', 'refuse'],
  [ACTION.CUSTOM]: ['relay', 'refuse'],
  [ACTION.EVENT]: ['relay', 'note'], // receipts of the server's own messages
  [ACTION.IQ_GET]: ['relay', 'answer'],
  [ACTION.IQ_SET]: ['relay', 'answer'],
  [ACTION.IQ_RESULT]: ['relay', 'answer'], // the hello answer
  [ACTION.IQ_ERROR]: ['relay', 'refuse'],
  [ACTION.ACK]: ['refuse', 'note'],
  [ACTION.ERROR]: ['refuse', 'note'],
  [ACTION.METRICS]: ['relay', 'note'], // call quality reports: logged
  [ACTION.HELLO]: ['refuse', 'refuse'],
};
/** Queries only the server asks: their `iq-*` are never relayed between clients either. */
// session-token carries an identity token: never handed to another user.
export const SERVER_QUERIES: readonly string[] = ['session-hello', 'session-token'];

/** The server's own words: a client takes them from its server only. */
export const isServerWord = (j: { action: string; query?: unknown }) =>
  ROUTES[j.action as Action]?.[0] === 'refuse' || SERVER_QUERIES.includes(j.query as string);

/** `session-info` reasons. */
export const INFO = {
  TRYING: 'trying',
  RINGING: 'ringing',
  UNREACHABLE: 'unreachable',
  ACTIVE: 'active',
  MUTE: 'mute',
  UNMUTE: 'unmute',
} as const;
export type InfoReason = (typeof INFO)[keyof typeof INFO];

/** What a peer can do in a call: `description.features` of session-propose and session-proceed. */
export const FEATURE = {
  /** Mid-call offers (`session-initiate` / `session-accept` while active): ICE restarts, added video, screen share. */
  RENEGOTIATE: 'renegotiate',
} as const;

export const MEDIA = { AUDIO: 'audio', VIDEO: 'video', VIDEO_ONLY: 'video-only' } as const;
export type Media = (typeof MEDIA)[keyof typeof MEDIA];
/** What a mute/unmute applies to. */
export type MutedMedia = 'audio' | 'video' | 'audio+video';

export const NAMESPACE = { MESSAGE: 'message', MUC: 'muc', ROOM: 'room', CALL: 'call' } as const;
export type Namespace = (typeof NAMESPACE)[keyof typeof NAMESPACE];

export const EVENT = { ACK: 'ack', TYPING: 'typing', REACTION: 'reaction', JOINED: 'joined', LEFT: 'left' } as const;
export const ACK_TYPE = { RECEIVED: 'received', READ: 'read', SERVER_RECEIVED: 'server-received' } as const;
export type AckType = (typeof ACK_TYPE)[keyof typeof ACK_TYPE];
export const TYPING = { COMPOSING: 'composing', ACTIVE: 'active' } as const;
export type AckStatus = 'success' | 'failed' | 'pending';

export interface Envelope<J> {
  id: string;
  from: string;
  to: string;
  jsongle: J;
}

export interface SessionDescriptionInit { type: 'offer' | 'answer'; sdp: string }
export interface CandidateInit { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null; usernameFragment?: string | null }

export interface CallBody {
  sid: string;
  action: CallAction;
  reason: string;
  initiator: string;
  responder: string;
  description: CallDescription;
}
/** Union of every call description; which keys are present depends on action and reason. */
export interface CallDescription {
  initiated?: string;
  /** propose: the call's media; mute / unmute: what remains muted after the change. */
  media?: Media | MutedMedia | 'none';
  tried?: string;
  rang?: string;
  actived?: string;
  muted?: string;
  unmuted?: string;
  ended?: string;
  proceeded?: string;
  offering?: string;
  offer?: SessionDescriptionInit;
  offered?: string;
  answer?: SessionDescriptionInit;
  establishing?: string;
  candidate?: CandidateInit;
  relayed?: string;
  [extra: string]: unknown;
}

export interface TextBody {
  action: 'session-text';
  namespace: 'message' | 'muc';
  description: { sent: string; content: string; additionalContent?: unknown; relayed?: string };
}
export interface CustomBody {
  action: 'session-custom';
  namespace: 'message' | 'muc';
  description: { sent?: string; content?: unknown; relayed?: string; [extra: string]: unknown };
}
export interface EventBody {
  action: 'session-event';
  namespace: string;
  event: string;
  description: Record<string, unknown>;
}
export interface IqBody {
  action: IqAction;
  query: string;
  transaction: string;
  description: Record<string, unknown>;
}
export interface AckBody { action: 'ack'; status: AckStatus; transaction: string }
export interface ErrorBody { action: 'session-error'; description: { errorCode: number; errorDetails: string; /** the id of the message refused */ mid?: string } }
export interface Metrics { mos?: number; duration?: number; ua?: string; route?: string; error?: string }
export interface MetricsBody {
  sid: string;
  action: 'session-metrics';
  namespace: 'call';
  description: Metrics & { issuedAt: string };
}
export interface HelloBody {
  action: 'session-hello';
  description: { version?: string; sn?: string; info?: string; connected?: string };
}

export type Body = CallBody | TextBody | CustomBody | EventBody | IqBody | AckBody | ErrorBody | MetricsBody | HelloBody;
export type JsongleMessage<J extends Body = Body> = Envelope<J>;

export const isCallAction = (action: string): action is CallAction => ROUTES[action as Action]?.[0] === 'call';
