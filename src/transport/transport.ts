// The one shape every transport has. Frames go out as message objects and come in as whatever the
// wire gives (JSON text or objects): the client decodes and validates them itself.
import type { JsongleMessage } from '../protocol/messages.ts';

export type TransportState = 'connecting' | 'open' | 'closed' | 'reconnecting';

export interface TransportHandlers {
  message(data: unknown): void;
  state?(state: TransportState): void;
}

export interface Transport {
  readonly name: string;
  readonly state: TransportState;
  /**
   * Sends one message; transports that can queue do so while not open, unless `queue` is false:
   * then a message that cannot go out now is dropped (the client's outbox sends its own again
   * once registered, and a copy waiting here would go first, out of order, and twice).
   */
  send(message: JsongleMessage, options?: { queue?: boolean }): void;
  /** Registers the one consumer of this transport (the client). */
  receive(handlers: TransportHandlers): void;
  /** An id kept across this transport's reconnections, sent in the hello answer so the server can resume the session. */
  readonly resumeId?: string;
  /** Tells a shared-medium transport (BroadcastChannel) which `to` is ours, to drop the rest. */
  identify?(id: string): void;
  /** Stops reconnecting once the connection closes (the server refused our identity token) until resume(). */
  pause?(): void;
  /** Reconnects after pause(), if it had closed meanwhile (a new token is there). */
  resume?(): void;
  close(): void;
}

/** The seed's wrapper: `{ in(callback), out(message) }` around an application's own channel. */
export interface SeedTransport {
  in(callback: (message: unknown) => void): void;
  out(message: JsongleMessage): void;
}

export const isTransport = (t: any): t is Transport =>
  !!t && typeof t.send === 'function' && typeof t.receive === 'function' && typeof t.close === 'function';
