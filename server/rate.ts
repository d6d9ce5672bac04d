// Rate limiting: a token bucket per user, shared by all of its connections (one per connection
// until the hello registers it), so that opening more connections buys no more messages.
// What a connection does when its bucket is empty (stop reading) is in socket.ts.

/** `rate` tokens per second, at most `burst` saved up. */
export class Bucket {
  #tokens: number;
  #refilled = performance.now();
  /** Connections sharing it (for Buckets). */
  users = 0;

  constructor(readonly rate: number, readonly burst: number) {
    this.#tokens = burst;
  }

  take(): boolean {
    const t = performance.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#refilled) * this.rate) / 1000);
    this.#refilled = t;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token. */
  wait(): number {
    return Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.rate));
  }
}

/** The buckets of the registered users of one server. */
export class Buckets {
  readonly #byUser = new Map<string, Bucket>();
  constructor(private readonly rate: number, private readonly burst: number) {}

  /** A fresh bucket for a connection not registered yet. */
  own(): Bucket { return new Bucket(this.rate, this.burst); }

  /** The bucket of `uid`, shared with its other connections; give it back with leave(). */
  join(uid: string): Bucket {
    let b = this.#byUser.get(uid);
    if (!b) this.#byUser.set(uid, (b = new Bucket(this.rate, this.burst)));
    b.users++;
    return b;
  }

  /**
   * A connection of `uid` closed. The bucket of its last one is kept until it would have refilled:
   * reconnecting must not buy a fresh burst.
   */
  leave(uid: string) {
    const b = this.#byUser.get(uid);
    if (!b || --b.users > 0) return;
    setTimeout(() => {
      if (b.users === 0 && this.#byUser.get(uid) === b) this.#byUser.delete(uid);
    }, Math.ceil((this.burst * 1000) / this.rate)).unref();
  }
}
