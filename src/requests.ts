// Requests waiting for their answer (`iq-result`, `iq-error` or `ack`), keyed by transaction.
import { JsongleError } from './errors.ts';

interface Pending { resolve(value: any): void; reject(error: JsongleError): void; timer: ReturnType<typeof setTimeout>; from: readonly string[] }

export class PendingRequests {
  readonly #pending = new Map<string, Pending>();
  constructor(private readonly timeout: () => number) {}

  get size() { return this.#pending.size; }
  has(transaction: string) { return this.#pending.has(transaction); }

  /**
   * A promise for `transaction`, rejected with `request-timeout` when nothing settles it in time.
   * `from`: who may answer it (an address `a` also stands for the members `a/…` of room `a`); any sender when empty.
   */
  wait<T>(transaction: string, what: string, from: readonly string[] = []): Promise<T> {
    const promise = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transaction);
        reject(new JsongleError('request-timeout', `${what} got no answer within ${this.timeout()} ms`, { transaction }));
      }, this.timeout());
      this.#pending.set(transaction, { resolve, reject, timer, from: from.filter(Boolean) });
    });
    // The caller may ignore the promise (e.g. answer()): that must not become an unhandled rejection.
    promise.catch(() => {});
    return promise;
  }

  /** Whether `sender` may answer `transaction` (true when nothing waits for it). */
  accepts(transaction: string, sender: string): boolean {
    const from = this.#pending.get(transaction)?.from;
    return !from?.length || from.some((a) => sender === a || sender.startsWith(`${a}/`));
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
