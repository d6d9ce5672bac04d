// Relaying messages between users: text, custom data (stored first: ./messages.ts), events (receipts, typing, reactions),
// requests between peers and their answers, metrics addressed to a peer.
import { ackMessage } from '../../src/protocol/build.ts';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { ACTION, type JsongleMessage } from '../../src/protocol/messages.ts';
import { resolve } from '../address.ts';
import { fromFor } from '../address.ts';
import { fanOut, isoNow, refuse, type Client, type Context } from '../context.ts';
import { onReceipt, storeAndForward } from './messages.ts';
import { asReceived } from '../wire.ts';

/** Stamps a relayed message: `description.relayed`, and `description.sent` when the sender gave none. */
export function stamp(m: JsongleMessage) {
  const d = (m.jsongle as { description?: Record<string, unknown> }).description;
  if (typeof d !== 'object' || d === null) return;
  const at = isoNow();
  d.relayed = at;
  d.sent ??= at;
}

export function relay(ctx: Context, client: Client, m: JsongleMessage) {
  const action = m.jsongle.action;
  if (action === ACTION.TEXT || action === ACTION.CUSTOM) return storeAndForward(ctx, client, m);
  if (action === ACTION.EVENT && onReceipt(ctx, client, m)) return;
  const route = resolve(ctx, client, m.to);
  if ('error' in route) return refuse(ctx, client, m, route.error, route.details);
  if (route.peers.length === 0) return refuse(ctx, client, m, ERROR_CODE.NO_OTHER_MEMBER, `Nobody can receive a message to ${m.to.slice(0, 256)}`);
  const received = asReceived(client, m);
  stamp(m);
  fanOut(ctx, m, fromFor(route, client), route.peers, received);
  const j = m.jsongle;
  if (j.action === ACTION.IQ_RESULT || j.action === ACTION.IQ_ERROR) {
    // The answering client waits for the server's ack of its answer.
    client.send(JSON.stringify(ackMessage(ctx.sn, client.address, j.transaction, 'success')));
  }
}
