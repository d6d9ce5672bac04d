// Addressing: what a message's `to` names, and the `from` its recipients see.
//
// `to` is tried, in this order, as:
//   1. the server's sn — a request to the server itself (rooms); handled by the router, not here;
//   2. a room id — every other member of the room (the sender must be a member, else 404002);
//   3. `rid/uid` where rid is a room — the connections of member `uid` in that room (the sender
//      must be a member too); used to answer one member of a multi-user room (acks, receipts);
//   4. a registered uid — every open connection of that user but the sending one;
//   5. anything else — nobody: 404003 (a call: session-info unreachable), nothing stored.
// A room id takes precedence over a uid; the server refuses room ids that name a connected user,
// and uids containing '/' or naming a room, so that the namespaces do not collide.
//
// Recipients see `to` = their own uid, and `from` = the sender's address in that context: its uid
// (direct), the room id (1:1 room: the room stands for the other party), or `rid/uid` (multi-user
// room: replies sent there come back to this member through the room). `from` is always set by the
// server from the connection's registered identity: a client cannot speak for someone else.
import { ERROR_CODE } from '../src/protocol/codes.ts';
import { MAX_ID } from '../src/protocol/parse.ts';
import type { Context } from './context.ts';
import type { Peer, Room, RoomKind } from './registry.ts';

export interface Via { kind: 'user' | RoomKind; rid: string }
export type Route = Via & { peers: Peer[] } | { error: number; details: string };

/** The `from` recipients see for a message of `sender` addressed `via`. */
export const fromFor = (via: Via, sender: Peer) =>
  via.kind === 'user' ? sender.uid : via.kind === 'room' ? via.rid : `${via.rid}/${sender.uid}`;

function inRoom(room: Room, sender: Peer, uid?: string): Route {
  if (!room.members.has(sender.cid)) return { error: ERROR_CODE.NOT_A_MEMBER, details: `Not a member of room ${room.rid}` };
  const peers: Peer[] = [];
  for (const p of room.members.values()) if (p !== sender && (uid === undefined || p.uid === uid)) peers.push(p);
  return { kind: room.kind, rid: room.rid, peers };
}

/** No room and no uid can be named so: refused before any store write or missed-call record. */
const nobody = (to: string): Route => ({ error: ERROR_CODE.NO_OTHER_MEMBER, details: `Nobody can receive a message to ${to.slice(0, MAX_ID)}` });

/**
 * Who receives a message of `sender` sent to `to` (rules 2–5 above). At most two room lookups and
 * one user lookup, whatever `to` holds: a uid never contains '/', so `rid/uid` splits at the last
 * '/' (room ids may contain '/' themselves). Trying every '/' instead made one frame of many
 * slashes cost a lookup and a copy per slash. A `to` that cannot be a uid (a '/' with no room
 * before it, or too long) is `nobody`: a direct message to it would otherwise be stored for a
 * recipient that can never register.
 */
export function resolve(ctx: Context, sender: Peer, to: string): Route {
  const room = ctx.registry.room(to);
  if (room) return inRoom(room, sender);
  const i = to.lastIndexOf('/');
  if (i >= 0) {
    const r = i > 0 && i <= MAX_ID ? ctx.registry.room(to.slice(0, i)) : undefined;
    return r ? inRoom(r, sender, to.slice(i + 1)) : nobody(to);
  }
  if (to.length > MAX_ID || to === '') return nobody(to);
  const peers = ctx.registry.connections(to).filter((p) => p !== sender);
  return { kind: 'user', rid: '', peers };
}
