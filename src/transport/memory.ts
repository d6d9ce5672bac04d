// Two transports joined back to back, for two clients in one process or page (tests, demos).
// Frames cross as JSON text on a later task, like a real wire: no shared objects, no re-entrancy.
import type { JsongleMessage } from '../protocol/messages.ts';
import type { Transport, TransportHandlers, TransportState } from './transport.ts';

export interface MemoryTransport extends Transport {
  /** Simulates a network cut: frames sent meanwhile are queued and flushed, in order, on reconnect(). */
  disconnect(): void;
  reconnect(): void;
  /** Delivers a raw frame to this side as if it came from the wire (for fault tests). */
  inject(data: unknown): void;
}

class MemoryEnd implements MemoryTransport {
  readonly name = 'memory';
  peer?: MemoryEnd;
  #handlers?: TransportHandlers;
  #state: TransportState = 'open';
  #queue: string[] = [];

  get state() { return this.#state; }
  receive(handlers: TransportHandlers) { this.#handlers = handlers; }

  send(message: JsongleMessage) {
    const frame = JSON.stringify(message);
    if (this.#state === 'open' && this.peer?.state === 'open') this.peer.inject(frame);
    else if (this.#state !== 'closed') this.#queue.push(frame);
  }

  inject(data: unknown) {
    setTimeout(() => this.#state !== 'closed' && this.#handlers?.message(data), 0);
  }

  disconnect() { if (this.#state === 'open') this.#set('reconnecting'); }

  reconnect() {
    if (this.#state !== 'reconnecting') return;
    this.#set('open');
    for (const frame of this.#queue.splice(0)) this.peer?.inject(frame);
  }

  close() { if (this.#state !== 'closed') this.#set('closed'); }

  #set(state: TransportState) {
    this.#state = state;
    this.#handlers?.state?.(state);
  }
}

export function createMemoryPair(): [MemoryTransport, MemoryTransport] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
