// `iq-get turn-credentials`: short-lived TURN credentials in the TURN REST scheme that coturn's
// `use-auth-secret` checks: username `expiry:uid` (expiry in Unix seconds), credential
// base64(HMAC-SHA1(secret, username)). The secret never leaves the server; a credential stops
// working at its expiry, so a leaked one is worth little.
import { createHmac } from 'node:crypto';
import { iqMessage } from '../../src/protocol/build.ts';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { ACTION, type IqBody, type JsongleMessage } from '../../src/protocol/messages.ts';
import { refuse, type Client, type Context } from '../context.ts';

export const TURN_QUERY = 'turn-credentials';

export interface TurnCredentials {
  iceServers: { urls: string[]; username: string; credential: string }[];
  /** Seconds the credential stays valid. */
  ttl: number;
}

/** The credentials of `uid` for `ttl` seconds from `now` (ms). */
export function turnCredentials(urls: string[], secret: string, uid: string, ttl: number, now = Date.now()): TurnCredentials {
  const username = `${Math.floor(now / 1000) + ttl}:${uid}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { iceServers: [{ urls: [...urls], username, credential }], ttl };
}

export function onTurnCredentials(ctx: Context, client: Client, m: JsongleMessage<IqBody>) {
  const { turnUrls, turnSecret, turnTtl } = ctx.config;
  if (!turnUrls.length || !turnSecret) {
    return refuse(ctx, client, m, ERROR_CODE.QUERY_NOT_FOUND, 'This server hands out no TURN credentials (JSONGLE_TURN_URLS and JSONGLE_TURN_SECRET are not set)');
  }
  const j = m.jsongle;
  const answer = turnCredentials(turnUrls, turnSecret, client.uid, turnTtl);
  client.send(JSON.stringify(iqMessage(ctx.sn, client.address, ACTION.IQ_RESULT, j.query, j.transaction, { ...answer })));
}
