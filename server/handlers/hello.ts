// The hello handshake: the server asks (`iq-get session-hello`), the client answers with its identity
// (`iq-result { uid, dn }`), the server acknowledges. Nothing else is accepted before.
import { ackMessage, iqMessage, now } from '../../src/protocol/build.ts';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { ACTION, type IqBody, type JsongleMessage } from '../../src/protocol/messages.ts';
import { VERSION } from '../../src/version.ts';
import { sendError, type Client, type Context } from '../context.ts';
import { resumeSession } from '../resume.ts';
import { deliverPending } from './messages.ts';

export const HELLO = 'session-hello';
const MAX_ID = 256;

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

export async function onHelloAnswer(ctx: Context, client: Client, m: JsongleMessage<IqBody>) {
  const { transaction, description } = m.jsongle;
  const d = (description ?? {}) as { uid?: unknown; dn?: unknown; resume?: unknown };
  const why = client.registered ? 'Already registered on this connection'
    : transaction !== client.hello ? `Unknown hello transaction ${transaction.slice(0, 64)}`
    : refusal(ctx, d.uid, d.dn);
  if (why) {
    client.send(JSON.stringify(ackMessage(ctx.sn, client.address, transaction, 'failed')));
    return sendError(ctx, client, ERROR_CODE.BAD_PARAMETERS, why);
  }
  client.uid = d.uid as string;
  client.dn = (d.dn as string | undefined) ?? '';
  await ctx.registry.add(client);
  await resumeSession(ctx, client, d.resume);
  client.registered = true;
  client.hello = ''; // answered: nothing to keep per connection
  ctx.log.log('debug', () => `registered ${client.uid} on ${client.cid}`);
  client.send(JSON.stringify(ackMessage(ctx.sn, client.address, transaction, 'success')));
  await deliverPending(ctx, client);
}
