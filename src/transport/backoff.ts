// Reconnection delays: exponential growth with full jitter inside a window, so that the clients
// of a restarted server do not all come back in the same second.

export interface BackoffOptions {
  /** Middle of the first window (ms, default 1000): the first retry comes within 0.5–1.5 × base. */
  base?: number;
  /** No delay is ever longer than this (ms, default 20000). */
  cap?: number;
  /** Random source in [0, 1), for tests. */
  random?: () => number;
  /** Where the retry is scheduled (default: the global timers); tests pass a clock they advance. */
  timers?: Timers;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The delay before retry number `attempt` (0 for the first): uniformly drawn in [hi/3, hi] where
 * hi = min(cap, 1.5 × base × 2^attempt). The window keeps a spread of 3:1 even at the cap.
 */
export function backoffDelay(attempt: number, { base = 1000, cap = 20000, random = Math.random }: BackoffOptions = {}): number {
  const hi = Math.min(cap, 1.5 * base * 2 ** Math.min(attempt, 30));
  return hi / 3 + random() * (hi * 2 / 3);
}
