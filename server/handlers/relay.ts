// Relaying messages between users: text, custom data, events (receipts, typing, reactions),
// requests between peers and their answers, metrics addressed to a peer.
import { ackEvent, ackMessage } from '../../src/protocol/build.ts';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { ACTION, type JsongleMessage, type TextBody } from '../../src/protocol/messages.ts';
import { resolve } from '../address.ts';
import { fromFor } from '../address.ts';
import { deliver, isoNow, refuse, type Client, type Context } from '../context.ts';

/** Stamps a relayed message: `description.relayed`, and `description.sent` when the sender gave none. */
export function stamp(m: JsongleMessage) {
  const d = (m.jsongle as { description?: Record<string, unknown> }).description;
  if (typeof d !== 'object' || d === null) return;
  const at = isoNow();
  d.relayed = at;
  d.sent ??= at;
}

export function relay(ctx: Context, client: Client, m: JsongleMessage) {
  const route = resolve(ctx, client, m.to);
  if ('error' in route) return refuse(ctx, client, m, route.error, route.details);
  if (route.peers.length === 0) return refuse(ctx, client, m, ERROR_CODE.NO_OTHER_MEMBER, `Nobody can receive a message to ${m.to}`);
  stamp(m);
  m.from = fromFor(route, client);
  for (const peer of route.peers) {
    m.to = peer.uid;
    deliver(ctx, peer, m);
  }
  const j = m.jsongle;
  if (j.action === ACTION.TEXT || j.action === ACTION.CUSTOM) {
    // The sender learns its message left: `server-received`, then each recipient's `received`.
    client.send(JSON.stringify(ackEvent(ctx.sn, client.address, (j as TextBody).namespace === 'muc', m.id, 'server-received')));
  } else if (j.action === ACTION.IQ_RESULT || j.action === ACTION.IQ_ERROR) {
    // The answering client waits for the server's ack of its answer.
    client.send(JSON.stringify(ackMessage(ctx.sn, client.address, j.transaction, 'success')));
  }
}
