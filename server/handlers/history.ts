// `iq-get history`: one page of a conversation, newest last, each message with its delivery state.
// `{ with: uid }` is the 1:1 conversation of the requester with uid; `{ rid }` a room the requester is
// a member of (403003 otherwise). `before` (a message id, or a time) pages back; `limit` defaults to
// 50, at most 200.
import { iqMessage } from '../../src/protocol/build.ts';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { ACTION, type IqBody, type JsongleMessage } from '../../src/protocol/messages.ts';
import { refuse, type Client, type Context } from '../context.ts';
import { directConversation, roomConversation, type PageQuery } from '../store/store.ts';
import { storeFailedRequest } from './messages.ts';
import { MAX_ID } from '../../src/protocol/parse.ts';

export const HISTORY = 'history';
export const HISTORY_LIMIT = { DEFAULT: 50, MAX: 200 } as const;

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID;
const ISO = /^\d{4}-\d\d-\d\dT/;

export async function onHistory(ctx: Context, client: Client, m: JsongleMessage<IqBody>) {
  const d = m.jsongle.description ?? {};
  const { with: peer, rid, before, limit = HISTORY_LIMIT.DEFAULT } = d as { with?: unknown; rid?: unknown; before?: unknown; limit?: unknown };
  const bad = (details: string) => refuse(ctx, client, m, ERROR_CODE.BAD_PARAMETERS, details);
  if ((peer === undefined) === (rid === undefined)) return bad(`history needs exactly one of 'with' (a user id) or 'rid' (a room id)`);
  if (peer !== undefined && !isId(peer)) return bad(`'with' must be a non-empty string of at most ${MAX_ID} characters`);
  if (rid !== undefined && !isId(rid)) return bad(`'rid' must be a non-empty string of at most ${MAX_ID} characters`);
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > HISTORY_LIMIT.MAX) return bad(`'limit' must be an integer from 1 to ${HISTORY_LIMIT.MAX}`);
  let query: PageQuery = { limit: limit as number };
  if (typeof before === 'number' && Number.isFinite(before)) query = { ...query, before: { time: before } };
  else if (typeof before === 'string' && ISO.test(before) && !Number.isNaN(Date.parse(before))) query = { ...query, before: { time: Date.parse(before) } };
  else if (isId(before)) query = { ...query, before: { id: before } };
  else if (before !== undefined) return bad(`'before' must be a message id or a time`);

  let conversation: string;
  if (typeof rid === 'string') {
    const room = ctx.registry.room(rid);
    const member = room && [...room.members.values()].some((p) => p.uid === client.uid);
    if (!member) return refuse(ctx, client, m, ERROR_CODE.NOT_A_PARTICIPANT, `Not a member of room ${rid}: its history is for its members`);
    conversation = roomConversation(rid);
  } else conversation = directConversation(client.uid, peer as string);

  let page;
  try {
    page = await ctx.store.page(conversation, query);
  } catch (e) {
    return storeFailedRequest(ctx, client, m, e);
  }
  if (client.closed) return;
  const messages = page.map((e) => ({ ...JSON.parse(e.frame), sender: e.sender, state: e.state }));
  const j = m.jsongle;
  client.send(JSON.stringify(iqMessage(ctx.sn, client.address, ACTION.IQ_RESULT, j.query, j.transaction, {
    ...(typeof rid === 'string' ? { rid } : { with: peer }), messages, more: page.length === query.limit,
  })));
}
