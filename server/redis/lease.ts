// A node's lease: a Redis key with a TTL that the node refreshes. A node whose lease lapsed is dead:
// the first node to see it runs the reap script, whose `reap` event tells every node to drop what
// the dead node held. Timing for a lease of L ms: the key lives 2L/3 and is refreshed every L/6,
// and every node looks for lapsed leases every L/6, so a dead node is reaped within 5L/6 < L.
import type { Redis } from 'ioredis';
import { leaseKey, PREFIX } from './scripts.ts';

export interface LeaseOptions {
  node: string;
  lease: number;
  /** Our own lease had lapsed (Redis restarted, or we stalled longer than the TTL): publish again. */
  lapsed(): Promise<void>;
  /** Nodes this one knows of (its mirror), beside those Redis lists. */
  known(): Iterable<string>;
  reap(node: string): Promise<void>;
  rtt(ms: number): void;
  error(e: unknown): void;
}

export class Lease {
  readonly ttl: number;
  readonly #every: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** When the connection to Redis was last (re)established: no reaping for a TTL after it. */
  #readySince = Date.now();
  #busy = false;

  constructor(private readonly redis: Redis, private readonly o: LeaseOptions) {
    this.ttl = Math.round((o.lease * 2) / 3);
    this.#every = Math.max(50, Math.round(o.lease / 6));
    // After Redis restarts every lease is gone until each node writes its own again: give them a TTL.
    redis.on('ready', () => {
      this.#readySince = Date.now();
      void this.tick();
    });
  }

  async start() {
    await this.refresh();
    this.#timer = setInterval(() => void this.tick(), this.#every);
    this.#timer.unref();
  }

  stop() { clearInterval(this.#timer); }

  async tick() {
    if (this.#busy || this.redis.status !== 'ready') return;
    this.#busy = true;
    try {
      await this.refresh();
      if (Date.now() - this.#readySince >= this.ttl) await this.sweep();
    } catch (e) {
      this.o.error(e);
    } finally {
      this.#busy = false;
    }
  }

  async refresh() {
    const t = performance.now();
    const before = await this.redis.call('SET', leaseKey(this.o.node), '1', 'PX', String(this.ttl), 'GET');
    this.o.rtt(performance.now() - t);
    if (before === null) await this.o.lapsed();
  }

  /** Reaps every other node whose lease is gone. */
  async sweep() {
    const nodes = new Set([...(await this.redis.smembers(`${PREFIX}nodes`)), ...this.o.known()]);
    nodes.delete(this.o.node);
    if (nodes.size === 0) return;
    const list = [...nodes];
    const exists = await this.redis.pipeline(list.map((n) => ['exists', leaseKey(n)])).exec();
    for (let i = 0; i < list.length; i++) if (exists?.[i]?.[1] === 0) await this.o.reap(list[i]);
  }
}
