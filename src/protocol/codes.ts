// Error codes. Numeric codes travel on the wire (`session-error`, `iq-error`) and are the
// reference server's; string codes name what the client itself refused.

/** Protocol error codes (PROTOCOL-NOTES.md), plus 429001 for the rate limit of our server. */
export const ERROR_CODE = {
  BAD_PARAMETERS: 400001,
  NOT_JSONGLE: 400002,
  ROOM_FULL: 403001,
  NOT_REGISTERED: 403002,
  /** History of a conversation the requester is not in. */
  NOT_A_PARTICIPANT: 403003,
  /** A call message from a connection that is not a party to that call (`sid`). */
  NOT_CALL_PARTY: 403005,
  QUERY_NOT_FOUND: 404001,
  NOT_A_MEMBER: 404002,
  NO_OTHER_MEMBER: 404003,
  ACTION_NOT_ALLOWED: 405001,
  RATE_LIMITED: 429001,
  /** The message store failed (disk full, store unreachable): the message was not stored. */
  STORE_UNAVAILABLE: 503001,
  /** Identity token missing, malformed, badly signed, expired, or for another uid (closes with 1008). */
  UNAUTHORIZED: 401001,
  /** A join outside the rooms the identity token allows. */
  ROOM_NOT_ALLOWED: 403004,
  /** This uid already holds JSONGLE_MAX_CONNECTIONS_PER_USER connections. */
  TOO_MANY_CONNECTIONS: 429002,
} as const;
export type ErrorCodeNumber = (typeof ERROR_CODE)[keyof typeof ERROR_CODE];

/** Why the client refused something it received, or why a call failed; stable, for `JsongleError.code`. */
export const CLIENT_ERROR = {
  /** A string frame that is not JSON. */
  INVALID_JSON: 'invalid-json',
  /** The frame is not a JSON object (or is an array, binary data…). */
  NOT_AN_OBJECT: 'not-an-object',
  /** The object has no `jsongle` body. */
  NOT_JSONGLE: 'not-jsongle',
  /** `jsongle.action` is not a JSONgle action. */
  UNKNOWN_ACTION: 'unknown-action',
  /** A field is missing or has the wrong type or value. */
  INVALID_FIELD: 'invalid-field',
  /** A key such as `__proto__` or `constructor`, refused to keep prototypes safe. */
  FORBIDDEN_KEY: 'forbidden-key',
  /** The frame is larger than `maxMessageSize`. */
  TOO_LARGE: 'message-too-large',
  /** A call message whose `sid` is not the current call. */
  UNKNOWN_CALL: 'unknown-call',
  /** A message only the server or the call's peer may send, from someone else (ignored). */
  WRONG_SENDER: 'wrong-sender',
  /** A call message the current call state does not allow. */
  UNEXPECTED_STATE: 'unexpected-state',
  /** The other side or the server answered `session-error`. */
  SESSION_ERROR: 'session-error',
  /** A request got `iq-error` or a failed `ack`. */
  REQUEST_FAILED: 'request-failed',
  /** A request got no answer in time. */
  REQUEST_TIMEOUT: 'request-timeout',
  /** A public method was called with a bad argument. */
  INVALID_ARGUMENT: 'invalid-argument',
  /** A public method was called in a state that does not allow it. */
  INVALID_STATE: 'invalid-state',
  /** The transport could not send. */
  TRANSPORT: 'transport',
  /** Camera or microphone refused or missing (media layer). */
  MEDIA: 'media',
  /** The server refused our identity token (session-error 401001); reconnecting waits for a new token. */
  UNAUTHORIZED: 'unauthorized',
} as const;
export type ClientErrorCode = (typeof CLIENT_ERROR)[keyof typeof CLIENT_ERROR];
