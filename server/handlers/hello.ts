// The hello handshake: the server asks (`iq-get session-hello`), the client answers with its identity
// (`iq-result { uid, dn, token }`), the server acknowledges. Nothing else is accepted before.
// In token mode the identity is the token's: its `sub` is the only uid allowed, its `name` the dn.
import { ackMessage, iqMessage, now } from '../../src/protocol/build.ts';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { ACTION, type IqBody, type JsongleMessage } from '../../src/protocol/messages.ts';
import { VERSION } from '../../src/version.ts';
import { sendError, type Client, type Context } from '../context.ts';
import { resumeSession } from '../resume.ts';
import { deliverPending } from './messages.ts';
import { CLOSE } from '../socket.ts';
import { MAX_ID } from '../../src/protocol/parse.ts';

export const HELLO = 'session-hello';

export function sendHello(ctx: Context, client: Client) {
  client.send(JSON.stringify(iqMessage(ctx.sn, client.address, ACTION.IQ_GET, HELLO, client.hello, {
    version: VERSION, sn: ctx.sn, info: 'JSONgle signaling server (jsongle-elements)', connected: now(),
  })));
}

/** Why `uid` cannot be registered, or '' when it can. */
function refusal(ctx: Context, uid: unknown, dn: unknown): string {
  if (typeof uid !== 'string' || uid.length === 0 || uid.length > MAX_ID) return `'uid' must be a non-empty string of at most ${MAX_ID} characters`;
  if (dn !== undefined && (typeof dn !== 'string' || dn.length > MAX_ID)) return `'dn' must be a string of at most ${MAX_ID} characters`;
  if (uid.includes('/')) return `'uid' must not contain '/' (reserved for room/member addresses)`;
  if (uid === ctx.sn) return `'uid' must not be the server's name`;
  if (ctx.registry.room(uid)) return `'uid' ${uid} names a room`;
  return '';
}

/**
 * `ack failed`, then `session-error` `code` naming the answer (`mid`); then the connection is closed
 * when `close` is given (code, reason).
 */
function refuseHello(ctx: Context, client: Client, m: JsongleMessage<IqBody>, code: number, why: string, close?: [number, string]) {
  client.send(JSON.stringify(ackMessage(ctx.sn, client.address, m.jsongle.transaction, 'failed')));
  sendError(ctx, client, code, why, m.id);
  if (close) client.close(...close);
}
// Close reasons are fixed words: a WebSocket close reason holds 123 bytes, and the details went in the session-error.
const UNAUTHORIZED: [number, string] = [CLOSE.POLICY, 'unauthorized'];

export async function onHelloAnswer(ctx: Context, client: Client, m: JsongleMessage<IqBody>) {
  const { transaction, description } = m.jsongle;
  const d = (description ?? {}) as { uid?: unknown; dn?: unknown; token?: unknown; resume?: unknown };
  const early = client.registered ? 'Already registered on this connection'
    : transaction !== client.hello ? `Unknown hello transaction ${transaction.slice(0, 64)}` : '';
  if (early) return refuseHello(ctx, client, m, ERROR_CODE.BAD_PARAMETERS, early);
  let uid = d.uid;
  let dn = d.dn;
  let grant;
  if (ctx.identity.verify) {
    // The token of the answer, else the one of the URL (clients that cannot do otherwise).
    const verified = await ctx.identity.verify(d.token ?? client.urlToken);
    client.urlToken = undefined;
    if (client.closed || client.registered) return;
    if (!verified.ok) return refuseHello(ctx, client, m, ERROR_CODE.UNAUTHORIZED, verified.reason, UNAUTHORIZED);
    grant = verified.grant;
    uid ??= grant.uid;
    if (uid !== grant.uid) return refuseHello(ctx, client, m, ERROR_CODE.UNAUTHORIZED, "the hello answer's uid is not the token's sub", UNAUTHORIZED);
    if (grant.name !== undefined) dn = grant.name;
  }
  const why = refusal(ctx, uid, dn);
  if (why) return refuseHello(ctx, client, m, ERROR_CODE.BAD_PARAMETERS, why);
  client.uid = uid as string;
  client.dn = (dn as string | undefined) ?? '';
  const max = ctx.config.maxConnectionsPerUser;
  if (!(await ctx.registry.add(client, max))) {
    client.uid = '';
    client.dn = '';
    return refuseHello(ctx, client, m, ERROR_CODE.TOO_MANY_CONNECTIONS, `${uid as string} already has ${max} connections, the most allowed`, [CLOSE.TRY_AGAIN, 'too many connections']);
  }
  // Closed while the registry answered: its close saw no registration to undo.
  if (client.closed) return void (await ctx.registry.remove(client));
  await resumeSession(ctx, client, d.resume);
  client.registered = true;
  client.hello = ''; // answered: nothing to keep per connection
  if (grant) {
    client.rooms = grant.rooms;
    client.expireAt(grant.until);
  }
  ctx.log.log('debug', () => `registered ${client.uid} on ${client.cid}`);
  client.send(JSON.stringify(ackMessage(ctx.sn, client.address, transaction, 'success')));
  await deliverPending(ctx, client);
}
