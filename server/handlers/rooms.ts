// Requests to the server: joining and leaving rooms. Members get `joined` / `left` events.
import { eventMessage, iqMessage } from '../../src/protocol/build.ts';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { ACTION, EVENT, type IqBody, type JsongleMessage } from '../../src/protocol/messages.ts';
import { refuse, type Client, type Context } from '../context.ts';
import { mayJoin } from '../identity.ts';
import type { Peer, Room, RoomKind } from '../registry.ts';
import { MAX_ID } from '../../src/protocol/parse.ts';

export const QUERY = { JOIN: 'session-join', MUC_JOIN: 'muc-join', LEAVE: 'session-leave' } as const;

const namespaceOf = (kind: RoomKind) => (kind === 'muc' ? 'muc' : 'room');

/**
 * Tells each of `peers` that `member` joined or left `room`. Membership is per user: a user in the
 * room from several connections (tabs, devices) joins with the first and leaves with the last.
 */
export function announce(ctx: Context, room: Room, peers: Iterable<Peer>, member: Peer, event: 'joined' | 'left') {
  for (const p of room.members.values()) if (p !== member && p.uid === member.uid) return;
  const description = { member: { uid: member.uid, dn: member.dn }, rid: room.rid };
  for (const p of peers) {
    ctx.stats.relay(ACTION.EVENT);
    p.send(JSON.stringify(eventMessage(room.rid, p.uid, namespaceOf(room.kind), event, description)));
  }
}

function result(ctx: Context, client: Client, m: JsongleMessage<IqBody>, description: Record<string, unknown>) {
  const j = m.jsongle;
  client.send(JSON.stringify(iqMessage(ctx.sn, client.address, ACTION.IQ_RESULT, j.query, j.transaction, description)));
}

/** `iq-get` / `iq-set` addressed to the server. */
export async function onServerRequest(ctx: Context, client: Client, m: JsongleMessage<IqBody>) {
  const j = m.jsongle;
  if (j.query !== QUERY.JOIN && j.query !== QUERY.MUC_JOIN && j.query !== QUERY.LEAVE) {
    return refuse(ctx, client, m, ERROR_CODE.QUERY_NOT_FOUND, `Unknown query '${j.query.slice(0, 64)}'`);
  }
  const rid = j.description?.rid;
  if (typeof rid !== 'string' || rid.length === 0 || rid.length > MAX_ID) {
    return refuse(ctx, client, m, ERROR_CODE.BAD_PARAMETERS, `'rid' must be a non-empty string of at most ${MAX_ID} characters`);
  }
  if (j.query === QUERY.LEAVE) {
    const room = await ctx.registry.leave(rid, client);
    if (!room) return refuse(ctx, client, m, ERROR_CODE.NOT_A_MEMBER, `Not a member of room ${rid}`);
    result(ctx, client, m, { rid });
    return announce(ctx, room, room.members.values(), client, 'left');
  }
  if (rid === ctx.sn || ctx.registry.connections(rid).length > 0) {
    return refuse(ctx, client, m, ERROR_CODE.BAD_PARAMETERS, `'rid' ${rid} names ${rid === ctx.sn ? 'the server' : 'a user'}`);
  }
  if (!mayJoin(client.rooms, rid)) return refuse(ctx, client, m, ERROR_CODE.ROOM_NOT_ALLOWED, `The identity token does not allow room ${rid}`);
  const kind: RoomKind = j.query === QUERY.MUC_JOIN ? 'muc' : 'room';
  const out = await ctx.registry.join(rid, kind, client, { maxMembers: ctx.config.maxMucMembers, maxRoomsPerUser: ctx.config.maxRoomsPerUser });
  if (!out.ok) return refuse(ctx, client, m, out.code, out.details);
  // The other users: one entry each, even when a user is in the room from two connections.
  const members = new Map(out.others.filter((p) => p.uid !== client.uid).map((p) => [p.uid, { uid: p.uid, dn: p.dn }]));
  result(ctx, client, m, { members: [...members.values()], rid });
  if (!out.already) announce(ctx, out.room, out.others, client, 'joined');
}
