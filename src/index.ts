// 'jsongle-elements/core': the DOM-free client and the protocol constants. Transports other than the
// spec's { in, out } wrapper live in 'jsongle-elements/transports', so the core stays small.
import { JSONgle } from './client.ts';

export { JSONgle };
export default JSONgle;
export type { JsongleConfig } from './client.ts';
export * from './protocol/messages.ts';
export { ERROR_CODE, CLIENT_ERROR, type ClientErrorCode } from './protocol/codes.ts';
export { decode, DEFAULT_MAX_MESSAGE_SIZE, type Decoded } from './protocol/parse.ts';
export { Call, CALL_STATE, DIRECTION } from './call/call.ts';
export type { CallState, CallReason, Direction, MutedState, CallTimes } from './call/call.ts';
export type { Ticket } from './call/ticket.ts';
export type { JsongleEvents, CallStateChange } from './events.ts';
export { JsongleError } from './errors.ts';
export type { LogLevel } from './log.ts';
export type { Transport, TransportState, TransportHandlers, SeedTransport } from './transport/transport.ts';
export { VERSION } from './version.ts';
