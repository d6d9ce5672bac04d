// The outgoing queue shared by the reconnecting transports. A JSONgle server refuses everything a
// connection sends before its hello handshake, so after each (re)connection the queue is held until
// the client's answer to the server's `session-hello` goes out, then flushed in order behind it.
import type { JsongleMessage } from '../protocol/messages.ts';

const isHelloAnswer = (m: JsongleMessage) => m.jsongle.action === 'iq-result' && (m.jsongle as { query?: string }).query === 'session-hello';

export interface Gate {
  /** Sends `m` now when the wire is up and ready, else queues it (throws when the queue is full) or, with `keep` false, drops it. */
  send(m: JsongleMessage, keep?: boolean): void;
  /** The wire is up: `write` sends one message. Without the hello wait, the queue is flushed at once. */
  up(write: (m: JsongleMessage) => void): void;
  /** The wire is down: queue from now on. */
  down(): void;
  clear(): void;
}

export function createGate(awaitHello: boolean, maxQueue: number): Gate {
  let write: ((m: JsongleMessage) => void) | undefined;
  let ready = false;
  let queue: JsongleMessage[] = [];
  const flush = () => {
    ready = true;
    const pending = queue;
    queue = [];
    for (const m of pending) write!(m);
  };
  return {
    send(m, keep = true) {
      if (write && ready) return write(m);
      if (isHelloAnswer(m)) {
        // Answers the hello of the current connection; one queued across a reconnection would
        // answer a transaction of a connection that no longer exists, so it is dropped.
        if (write) {
          write(m);
          flush();
        }
        return;
      }
      if (!keep) return;
      if (queue.length >= maxQueue) throw new Error(`The outgoing queue is full (${maxQueue} messages) while disconnected`);
      queue.push(m);
    },
    up(w) {
      write = w;
      ready = false;
      if (!awaitHello) flush();
    },
    down() {
      write = undefined;
      ready = false;
    },
    clear() { queue = []; },
  };
}
