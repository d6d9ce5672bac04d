// Connections per client address (JSONGLE_MAX_CONNECTIONS_PER_IP): one address cannot fill the
// server's connection cap with sockets that never register.
import type { IncomingMessage } from 'node:http';

/**
 * The client's address: the socket's peer, or, behind `trustProxy` proxies, the address the
 * nearest of them appended to X-Forwarded-For (what a client writes there itself is not believed).
 */
export function clientIp(req: IncomingMessage, trustProxy: number): string {
  const peer = req.socket.remoteAddress ?? '';
  const header = req.headers['x-forwarded-for'];
  if (trustProxy === 0 || header === undefined) return peer;
  const hops = (Array.isArray(header) ? header.join(',') : header).split(',').map((s) => s.trim()).filter(Boolean);
  return hops.length ? hops[Math.max(0, hops.length - trustProxy)] : peer;
}

export class PerIp {
  readonly #count = new Map<string, number>();
  constructor(private readonly max: number) {}

  /** Counts a connection from `ip`; false (and not counted) when it already holds the most allowed. */
  add(ip: string): boolean {
    const n = this.#count.get(ip) ?? 0;
    if (n >= this.max) return false;
    this.#count.set(ip, n + 1);
    return true;
  }

  remove(ip: string) {
    const n = this.#count.get(ip) ?? 0;
    if (n <= 1) this.#count.delete(ip);
    else this.#count.set(ip, n - 1);
  }
}
