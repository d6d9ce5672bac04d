// Identity tokens: a JWT the application's backend signs, verified here with jose. The token binds
// the connection to one uid (`sub`), may name the user (`name`) and limit the rooms it may join
// (`rooms`), and ends at `exp`. Without a key setting the server runs in open mode: the hello
// answer's uid is taken as given.
//
// A token is a credential: nothing here puts it (or a part of it) in a reason, a log line or a label.
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, decodeProtectedHeader, importSPKI, jwtVerify, type JWTVerifyGetKey, type CryptoKey } from 'jose';
import { ConfigError, type ServerConfig } from './config.ts';
import { MAX_ID } from '../src/protocol/parse.ts';

/** What a verified token grants. */
export interface Grant {
  uid: string;
  /** The `name` claim, when the token has one. */
  name?: string;
  /** Rooms the user may join: exact ids or prefixes ending in `*`; undefined: any room. */
  rooms?: readonly string[];
  /** When the grant ends (ms since the epoch): `exp` plus the clock tolerance. */
  until: number;
}

export type Verified = { ok: true; grant: Grant } | { ok: false; reason: string };

export interface Identity {
  readonly mode: 'open' | 'token';
  /** What the start line says about identities. */
  readonly description: string;
  /** Verifies a token (never throws); in open mode, undefined. */
  verify?(token: unknown): Promise<Verified>;
}

const MAX_TOKEN = 8192;
const MIN_SECRET = 32;

/** Reads the key settings of `config`; throws ConfigError when they are contradictory or unusable. */
export async function createIdentity(config: ServerConfig, warn: (line: string) => void): Promise<Identity> {
  const { tokenSecret, tokenPublicKey, tokenJwksUrl, tokenIssuer, tokenAudience, tokenClockTolerance } = config;
  const set = [tokenSecret && 'JSONGLE_TOKEN_SECRET', tokenPublicKey && 'JSONGLE_TOKEN_PUBLIC_KEY', tokenJwksUrl && 'JSONGLE_TOKEN_JWKS_URL'].filter(Boolean);
  if (set.length > 1) throw new ConfigError(`Set only one of ${set.join(', ')}`);
  if (set.length === 0) {
    // Checks that would silently not happen are a configuration error, not open mode.
    if (tokenIssuer || tokenAudience) throw new ConfigError('JSONGLE_TOKEN_ISSUER / JSONGLE_TOKEN_AUDIENCE need a key: set JSONGLE_TOKEN_SECRET, JSONGLE_TOKEN_PUBLIC_KEY or JSONGLE_TOKEN_JWKS_URL');
    return { mode: 'open', description: 'identities are not verified (set JSONGLE_TOKEN_SECRET, JSONGLE_TOKEN_PUBLIC_KEY or JSONGLE_TOKEN_JWKS_URL to require signed tokens): any client may claim any uid' };
  }

  let key: Uint8Array | CryptoKey | JWTVerifyGetKey;
  let algorithms: string[];
  let what: string;
  if (tokenSecret) {
    if (Buffer.byteLength(tokenSecret) < MIN_SECRET) throw new ConfigError(`JSONGLE_TOKEN_SECRET must be at least ${MIN_SECRET} bytes (HS256 needs a 256-bit key)`);
    // Imported once: jose given the raw bytes would import them on every verification (~2.5× slower).
    key = await crypto.subtle.importKey('raw', new TextEncoder().encode(tokenSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    algorithms = ['HS256'];
    what = 'HS256 secret';
  } else if (tokenPublicKey) {
    const { alg, spki } = publicKeyOf(readPem(tokenPublicKey));
    key = await importSPKI(spki, alg);
    algorithms = [alg];
    what = `${alg} public key`;
  } else {
    let url: URL;
    try {
      url = new URL(tokenJwksUrl);
    } catch {
      throw new ConfigError('JSONGLE_TOKEN_JWKS_URL must be an absolute http(s) URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('JSONGLE_TOKEN_JWKS_URL must be an http(s) URL');
    // jose caches the set (10 min) and fetches it again, at most every 30 s, for an unknown `kid`.
    key = createRemoteJWKSet(url, { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
    algorithms = ['RS256', 'ES256'];
    what = `keys of ${url.origin}${url.pathname}`;
  }
  const checks = [tokenIssuer && `issuer ${tokenIssuer}`, tokenAudience && `audience ${tokenAudience}`].filter(Boolean).join(', ');

  async function verify(token: unknown): Promise<Verified> {
    if (typeof token !== 'string' || token === '') return no('no token: the hello answer must carry description.token');
    if (token.length > MAX_TOKEN) return no(`token longer than ${MAX_TOKEN} characters`);
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return no('token malformed: not a signed JWT');
    }
    // jose refuses these too; saying it here names the problem plainly.
    if (!algorithms.includes(alg as string)) return no(`token algorithm ${typeof alg === 'string' ? alg.slice(0, 16) : '(none)'} not accepted (expected ${algorithms.join(' or ')})`);
    try {
      const { payload } = await jwtVerify(token, key as Uint8Array, {
        algorithms, requiredClaims: ['exp', 'sub'], clockTolerance: tokenClockTolerance,
        ...(tokenIssuer ? { issuer: tokenIssuer } : {}), ...(tokenAudience ? { audience: tokenAudience } : {}),
      });
      const { sub, name, rooms, exp } = payload as { sub: unknown; name?: unknown; rooms?: unknown; exp: number };
      if (typeof sub !== 'string' || sub === '' || sub.length > MAX_ID) return no(`token 'sub' must be a non-empty string of at most ${MAX_ID} characters`);
      if (rooms !== undefined && !(Array.isArray(rooms) && rooms.every((r) => typeof r === 'string' && r !== ''))) return no("token 'rooms' must be a list of room ids");
      return {
        ok: true,
        grant: {
          uid: sub,
          ...(typeof name === 'string' && name ? { name: name.slice(0, MAX_ID) } : {}),
          ...(rooms ? { rooms } : {}),
          until: (exp + tokenClockTolerance) * 1000,
        },
      };
    } catch (e) {
      return no(reasonOf(e as { code?: string; claim?: string }, warn));
    }
  }
  return { mode: 'token', description: `identities are verified: every connection must present a token signed with the ${what}${checks ? ` (${checks})` : ''}`, verify };
}

const no = (reason: string): Verified => ({ ok: false, reason });

/** jose's error → a reason for the client, in our words (jose's messages are fine, but ours are checked to carry nothing of the token). */
function reasonOf(e: { code?: string; claim?: string }, warn: (line: string) => void): string {
  switch (e.code) {
    case 'ERR_JWT_EXPIRED': return 'token expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED': return 'token signature invalid';
    case 'ERR_JWKS_NO_MATCHING_KEY': return 'token signed with an unknown key';
    case 'ERR_JOSE_ALG_NOT_ALLOWED': return 'token algorithm not accepted';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.claim === 'iss') return 'token issuer not accepted';
      if (e.claim === 'aud') return 'token audience not accepted';
      if (e.claim === 'nbf') return 'token not valid yet';
      return `token claim '${String(e.claim).slice(0, 16)}' missing or invalid`;
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      warn(`the JWKS could not be fetched (${e.code}): tokens cannot be verified`);
      return 'the server could not fetch its keys: try again later';
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'token malformed';
  }
  // fetch failures of the JWKS (connection refused, DNS…) are plain errors
  warn(`token verification failed unexpectedly (${e.code ?? (e as Error)?.name ?? 'error'}): is the JWKS reachable?`);
  return 'the server could not verify the token: try again later';
}

/** The PEM text: the setting itself, or the file it names. */
function readPem(setting: string): string {
  const text = setting.includes('-----BEGIN') ? setting.replace(/\\n/g, '\n') : (() => {
    try {
      return readFileSync(setting, 'utf8');
    } catch {
      throw new ConfigError('JSONGLE_TOKEN_PUBLIC_KEY must be a PEM public key, or the path of a file holding one');
    }
  })();
  return text.trim();
}

/** The key as SPKI PEM (node reads PKCS#1 and certificates too), with its algorithm: RS256 for RSA, ES256 for P-256. */
function publicKeyOf(pem: string): { alg: 'RS256' | 'ES256'; spki: string } {
  let k;
  try {
    k = createPublicKey(pem);
  } catch {
    throw new ConfigError('JSONGLE_TOKEN_PUBLIC_KEY is not a readable PEM public key');
  }
  const spki = k.export({ type: 'spki', format: 'pem' }) as string;
  if (k.asymmetricKeyType === 'rsa') return { alg: 'RS256', spki };
  if (k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { alg: 'ES256', spki };
  throw new ConfigError(`JSONGLE_TOKEN_PUBLIC_KEY must be an RSA or P-256 key (got ${k.asymmetricKeyType})`);
}

/** Whether a `rooms` claim lets its holder join `rid`. */
export function mayJoin(rooms: readonly string[] | undefined, rid: string): boolean {
  if (!rooms) return true;
  return rooms.some((r) => (r.endsWith('*') ? rid.startsWith(r.slice(0, -1)) : r === rid));
}
