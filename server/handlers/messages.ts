// Store-and-forward. A `session-text` or `session-custom` is stored first, then delivered (to the
// open connections of the recipient, or to the other members of a room), and only then does the
// sender get `server-received`: that ack means "stored". A 1:1 message stays pending for its
// recipient until the recipient's `received` comes back; a recipient with no open connection gets
// its pending entries (messages, receipts, missed calls) in order on its next hello. Receipts for a
// sender that is offline are stored for it the same way. A failing store refuses the message with
// session-error 503001 (naming it with `mid`) and the server goes on.
import { ackEvent, envelope } from '../../src/protocol/build.ts';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { ACK_TYPE, ACTION, EVENT, type EventBody, type JsongleMessage, type TextBody } from '../../src/protocol/messages.ts';
import { fromFor, resolve } from '../address.ts';
import { deliver, fanOut, refuse, type Client, type Context } from '../context.ts';
import type { Peer } from '../registry.ts';
import { directConversation, roomConversation, type NewEntry, type StoredState } from '../store/store.ts';
import { stamp } from './relay.ts';

/** Entries delivered on one hello at most (the rest on the next one). */
const MAX_PENDING = 10_000;

/** The time of a message in ms: its `sent` when it is a date, else now. */
const sentOf = (m: JsongleMessage) => {
  const t = Date.parse(String((m.jsongle as { description?: { sent?: unknown } }).description?.sent));
  return Number.isNaN(t) ? Date.now() : t;
};

/** session-error about message `mid` (`description.mid`), so that the sender's outbox fails that message: its frame, counted. */
function errorAbout(ctx: Context, client: Client, mid: string, code: number, details: string): string {
  ctx.stats.error(code);
  ctx.log.log('debug', () => `error ${code} about ${mid} to ${client.address}: ${details}`);
  return JSON.stringify(envelope(ctx.sn, client.address, { action: ACTION.ERROR, description: { errorCode: code, errorDetails: details, mid } }));
}

export function messageError(ctx: Context, client: Client, mid: string, code: number, details: string) {
  client.send(errorAbout(ctx, client, mid, code, details));
}

/** session-error 503001 about message `mid`: the store could not keep it. */
function storeFailed(ctx: Context, client: Client, mid: string, e: unknown): string {
  ctx.log.log('error', () => `store failed for ${mid} of ${client.uid}: ${(e as Error)?.message ?? e}`);
  return errorAbout(ctx, client, mid, ERROR_CODE.STORE_UNAVAILABLE, 'The message could not be stored: try again later');
}

const sendFrame = (ctx: Context, peer: Peer, frame: string, action: string) => {
  ctx.stats.relay(action);
  peer.send(frame);
};

/** A text or custom message from `client`: stored, delivered, acknowledged. */
export function storeAndForward(ctx: Context, client: Client, m: JsongleMessage) {
  const route = resolve(ctx, client, m.to);
  if ('error' in route) return messageError(ctx, client, m.id, route.error, route.details);
  const direct = route.kind === 'user';
  // A room with nobody else in it cannot deliver: the sender sees it fail and may retry.
  if ((!direct && route.peers.length === 0) || (direct && m.to === client.uid)) {
    return messageError(ctx, client, m.id, ERROR_CODE.NO_OTHER_MEMBER, `Nobody can receive a message to ${m.to}`);
  }
  stamp(m);
  const recipient = direct ? m.to : '';
  m.from = fromFor(route, client);
  const frame = JSON.stringify(m);
  const entry: NewEntry = {
    kind: 'message', conversation: direct ? directConversation(client.uid, recipient) : roomConversation(route.rid),
    sender: client.uid, id: m.id, recipient, sent: sentOf(m), frame,
  };
  const muc = (m.jsongle as TextBody).namespace === 'muc';
  const action = m.jsongle.action;
  // The ack comes after the write: its place among this connection's answers is kept meanwhile.
  const answer = client.reserve();
  ctx.store.append(entry).then(({ entry: stored, duplicate }) => {
    // A resend of a message already delivered and acknowledged goes nowhere again.
    if (!(duplicate && stored.delivered && direct)) {
      if (direct) for (const p of ctx.registry.connections(recipient)) sendFrame(ctx, p, stored.frame, action);
      else {
        const again = resolve(ctx, client, m.to);
        if (!('error' in again)) fanOut(ctx, m, m.from, again.peers);
      }
    }
    answer(JSON.stringify(ackEvent(ctx.sn, client.address, muc, m.id, ACK_TYPE.SERVER_RECEIVED)));
  }, (e) => answer(storeFailed(ctx, client, m.id, e))).catch((e) => {
    answer(); // a delivery that threw must not hold this connection's answers forever
    ctx.log.log('error', () => `message ${m.id} of ${client.uid} not delivered: ${(e as Error)?.stack ?? e}`);
  });
}

const RECEIPT: Record<string, StoredState> = { [ACK_TYPE.RECEIVED]: 'received', [ACK_TYPE.READ]: 'read' };

/**
 * A `received` / `read` ack from `client` about a 1:1 message: the stored message moves forward,
 * and the receipt goes to the sender's open connections, or is stored for the sender's next hello.
 * Returns false when this is not such a receipt (the caller relays it as any event).
 */
export function onReceipt(ctx: Context, client: Client, m: JsongleMessage): boolean {
  const j = m.jsongle as EventBody;
  if (j.event !== EVENT.ACK || j.namespace !== 'message') return false;
  const state = RECEIPT[String(j.description?.type)];
  const mid = j.description?.mid;
  if (!state || typeof mid !== 'string' || m.to === ctx.sn) return false;
  const route = resolve(ctx, client, m.to);
  if ('error' in route || route.kind !== 'user') return false;
  const sender = m.to;
  stamp(m);
  m.from = client.uid;
  const peers = route.peers;
  for (const p of peers) deliver(ctx, p, m);
  const frame = JSON.stringify(m);
  ctx.store.setState(sender, mid, state, client.uid).then((stored) => {
    if (!stored || peers.length) return;
    return ctx.store.append({
      kind: 'receipt', conversation: directConversation(client.uid, sender), sender: client.uid, id: m.id,
      recipient: sender, sent: Date.now(), frame,
    }).then(() => {});
  }).catch((e) => ctx.log.log('error', () => `receipt ${m.id} of ${client.uid} not stored: ${(e as Error)?.message ?? e}`));
  return true;
}

/** Stores an entry pending for `uid` (a missed call); it is delivered now to its open connections. */
export function storeFor(ctx: Context, entry: NewEntry, action: string) {
  ctx.store.append(entry).then(async ({ entry: stored, duplicate }) => {
    if (duplicate) return;
    const peers = ctx.registry.connections(entry.recipient);
    for (const p of peers) sendFrame(ctx, p, stored.frame, action);
    if (peers.length) await ctx.store.markDelivered(entry.recipient, [stored.seq]);
  }).catch((e) => ctx.log.log('error', () => `${entry.kind} ${entry.id} for ${entry.recipient} not stored: ${(e as Error)?.message ?? e}`));
}

/**
 * A connection of `client.uid` just registered: it gets what is pending for that user, oldest first.
 * Messages stay pending until their `received` comes back (they may be delivered again, with the same
 * id, if this connection drops first: the client delivers an id once); receipts and missed calls are
 * marked delivered once sent.
 */
export async function deliverPending(ctx: Context, client: Client) {
  // Messages delivered live while the store is read wait behind what was pending before them: a
  // message stored meanwhile would else arrive before older ones (and again in the pending batch).
  const pendingFrames = client.reserve();
  try {
    const pending = await ctx.store.pending(client.uid, MAX_PENDING);
    if (client.closed) return pendingFrames();
    const done: number[] = [];
    for (const e of pending) {
      ctx.stats.relay(e.kind === 'message' ? ACTION.TEXT : ACTION.EVENT);
      if (e.kind !== 'message') done.push(e.seq);
    }
    pendingFrames(pending.map((e) => e.frame));
    if (done.length) await ctx.store.markDelivered(client.uid, done);
  } catch (e) {
    pendingFrames();
    ctx.log.log('error', () => `pending entries of ${client.uid} not delivered: ${(e as Error)?.message ?? e}`);
  }
}

/** A request the store could not answer: iq-error 503001. */
export function storeFailedRequest(ctx: Context, client: Client, m: JsongleMessage, e: unknown) {
  ctx.log.log('error', () => `store failed for request ${m.id} of ${client.uid}: ${(e as Error)?.message ?? e}`);
  refuse(ctx, client, m, ERROR_CODE.STORE_UNAVAILABLE, 'The message store is unavailable: try again later');
}
