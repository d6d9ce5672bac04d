// TURN credentials from the signaling server (`iq-get turn-credentials`, server/handlers/turn.ts).
// Asked for at every call: they are short-lived. Network input, so only well-formed entries are kept.
import type { JSONgle } from '../client.ts';

export const TURN_CREDENTIALS = 'turn-credentials';

const isUrls = (v: unknown) => (typeof v === 'string' && v.length > 0) || (Array.isArray(v) && v.length > 0 && v.every((u) => typeof u === 'string' && u.length > 0));

/** The server's iceServers, or [] when it has none, refuses, is absent (serverless) or is slower than `timeout` ms. */
export async function turnServers(client: JSONgle, timeout = 3000): Promise<RTCIceServer[]> {
  if (!client.server || !client.registered) return [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const answer = await Promise.race([
      client.get(client.server, TURN_CREDENTIALS),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), timeout); }),
    ]);
    const list: unknown = answer?.iceServers;
    if (!Array.isArray(list)) return [];
    return list.filter((s) => s && isUrls(s.urls) && (s.username === undefined || typeof s.username === 'string') && (s.credential === undefined || typeof s.credential === 'string'))
      .map((s) => ({ urls: s.urls, ...(s.username !== undefined ? { username: s.username, credential: s.credential } : {}) }));
  } catch {
    return []; // no TURN: host and STUN candidates only, as before
  } finally {
    clearTimeout(timer);
  }
}
