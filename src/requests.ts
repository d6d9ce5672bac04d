// Requests waiting for their answer (`iq-result`, `iq-error` or `ack`), keyed by transaction.
import { JsongleError } from './errors.ts';

interface Pending { resolve(value: any): void; reject(error: JsongleError): void; timer: ReturnType<typeof setTimeout> }

export class PendingRequests {
  readonly #pending = new Map<string, Pending>();
  constructor(private readonly timeout: () => number) {}

  get size() { return this.#pending.size; }
  has(transaction: string) { return this.#pending.has(transaction); }

  /** A promise for `transaction`, rejected with `request-timeout` when nothing settles it in time. */
  wait<T>(transaction: string, what: string): Promise<T> {
    const promise = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transaction);
        reject(new JsongleError('request-timeout', `${what} got no answer within ${this.timeout()} ms`, { transaction }));
      }, this.timeout());
      this.#pending.set(transaction, { resolve, reject, timer });
    });
    // The caller may ignore the promise (e.g. answer()): that must not become an unhandled rejection.
    promise.catch(() => {});
    return promise;
  }

  /** Settles a waiting request; false when nothing waited for this transaction. */
  settle(transaction: string, error: JsongleError | null, value?: unknown): boolean {
    const p = this.#pending.get(transaction);
    if (!p) return false;
    this.#pending.delete(transaction);
    clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve(value);
    return true;
  }

  rejectAll(error: () => JsongleError) {
    for (const transaction of [...this.#pending.keys()]) this.settle(transaction, error());
  }
}
