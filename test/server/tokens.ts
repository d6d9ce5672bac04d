// Identity tokens for the tests, minted with jose as an application's backend would, and the hello
// handshake answered with one over a raw socket.
import { generateKeyPair, SignJWT, UnsecuredJWT, exportSPKI, exportJWK, type CryptoKey } from 'jose';
import { Raw, type Msg } from './helpers.ts';

export const SECRET = 'test-secret-of-at-least-32-bytes-0123456789';
export const OTHER_SECRET = 'another-secret-of-at-least-32-bytes-abcdef';

export interface Claims { sub?: string; name?: string; rooms?: string[]; iss?: string; aud?: string; [k: string]: unknown }
/** Seconds from now (may be negative), or null for no `exp`. */
type Expiry = number | null;
const nowS = () => Math.floor(Date.now() / 1000);

/** An HS256 token; `exp` `expiresIn` seconds from now (default 600). */
export function hs256(claims: Claims, { secret = SECRET, expiresIn = 600 as Expiry } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (expiresIn !== null) jwt.setExpirationTime(nowS() + expiresIn);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** A token with `alg: none` (no signature): must never be accepted. */
export function unsigned(claims: Claims, expiresIn = 600) {
  return new UnsecuredJWT(claims).setIssuedAt().setExpirationTime(nowS() + expiresIn).encode();
}

export interface KeyPair { alg: 'RS256' | 'ES256'; kid: string; privateKey: CryptoKey; pem: string; jwk: Record<string, unknown> }

export async function keyPair(alg: 'RS256' | 'ES256', kid = `${alg}-${Math.random().toString(36).slice(2)}`): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, pem: await exportSPKI(publicKey), jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export function signed(key: KeyPair, claims: Claims, expiresIn = 600) {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid }).setIssuedAt().setExpirationTime(nowS() + expiresIn).sign(key.privateKey);
}

/** Answers the hello of `raw` with `description`; resolves with the ack's status. */
export async function answerHello(raw: Raw, description: Record<string, unknown>): Promise<'success' | 'failed'> {
  const hello = await raw.next((m) => m.jsongle.query === 'session-hello');
  raw.send({ id: `h-${Math.random()}`, from: hello.to, to: hello.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: hello.jsongle.transaction, description } });
  const ack = await raw.next((m) => m.jsongle.action === 'ack' && m.jsongle.transaction === hello.jsongle.transaction);
  return ack.jsongle.status;
}

/** Opens a socket and registers with `description` (uid, token…); throws when refused. */
export async function registered(server: { wsUrl: string }, description: Record<string, unknown>, url = server.wsUrl): Promise<Raw> {
  const raw = await Raw.open(url);
  const status = await answerHello(raw, description);
  if (status !== 'success') throw new Error(`registration refused: ${JSON.stringify(raw.received.at(-1)?.jsongle)}`);
  return raw;
}

/** A refused hello: its session-error and the close that follows. */
export async function refusedHello(server: { wsUrl: string }, description: Record<string, unknown>, url = server.wsUrl) {
  const raw = await Raw.open(url);
  const status = await answerHello(raw, description);
  const error: Msg = await raw.next((m) => m.jsongle.action === 'session-error');
  const closed = await Promise.race([raw.closed, new Promise<undefined>((r) => setTimeout(r, 2000))]);
  return { status, code: error.jsongle.description.errorCode as number, details: error.jsongle.description.errorDetails as string, closed, raw };
}
