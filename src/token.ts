// Identity tokens on the client: a fixed token, or a provider of fresh ones. The client reads a
// token's `sub` and `exp` without verifying it (the server does) — to know who it is and when to
// fetch the next one.

/** Returns a fresh identity token (a JWT the application's backend signed). */
export type TokenProvider = () => string | Promise<string>;

export const SESSION_TOKEN = 'session-token';

/** A JWT's claims, read without verifying; {} when it is not a JWT. */
export function claimsOf(token: string): { sub?: unknown; exp?: unknown } {
  try {
    const binary = atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'));
    // UTF-8 bytes → text: percent-encode each byte, then decode.
    return JSON.parse(decodeURIComponent(binary.replace(/[\s\S]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`))) ?? {};
  } catch {
    return {};
  }
}

/**
 * When to replace `token` (ms from `now`): about 60 s before its `exp`, or halfway through a
 * shorter remaining life; undefined when it has no `exp`.
 */
export function refreshDelay(token: string, now = Date.now()): number | undefined {
  const exp = claimsOf(token).exp;
  if (typeof exp !== 'number') return undefined;
  const left = exp * 1000 - now;
  return Math.max(1000, left > 120_000 ? left - 60_000 : left / 2);
}
