// The grace after a connection closes: its calls and rooms wait `callGrace` ms for the same client
// (the same uid, presenting the same resume id in its hello answer) to come back on a new
// connection. A client that resumes takes them over and nobody is told anything; otherwise, once
// the grace is over (or sooner, when its server closes or, with several nodes, its node dies), its
// call peers get `session-terminate` `gone` and its rooms hear `left`.
// The closed connection itself is already out of the registry: what is sent to its user meanwhile
// is stored for the user (store-and-forward), not handed to a dead socket.
// With several nodes the registry shares the parked connection (park, claim, expire), so that the
// client may come back on any node: Redis decides between a resume and the end of the grace.
import { MAX_ID } from '../src/protocol/parse.ts';
import type { Client, Context } from './context.ts';
import type { Peer, Room, RoomKind } from './registry.ts';

/** What a closed connection leaves waiting: its calls, its rooms, and how to leave them for good. */
export interface Left { sids: readonly string[]; rooms: readonly Room[]; leave: () => void }
interface Parked extends Left { client: Client; timer: ReturnType<typeof setTimeout> }

/** Parked connections by resume id, per server. */
const parkedOf = new WeakMap<Context, Map<string, Parked>>();
const parked = (ctx: Context) => {
  let map = parkedOf.get(ctx);
  if (!map) parkedOf.set(ctx, (map = new Map()));
  return map;
};

/** Runs `left.leave` after the grace, unless the client resumes first. */
export function park(ctx: Context, client: Client, left: Left) {
  const id = client.resume;
  if (!id || ctx.config.callGrace === 0) return left.leave();
  const map = parked(ctx);
  const timer = setTimeout(() => {
    if (map.get(id)?.client === client) map.delete(id);
    void leaveUnlessClaimed(ctx, id, client, left);
  }, ctx.config.callGrace);
  timer.unref();
  map.set(id, { ...left, client, timer });
  ctx.registry.park?.(id, client, left.rooms, ctx.config.callGrace);
  ctx.log.log('debug', () => `${client.address} closed: its calls and rooms wait ${ctx.config.callGrace} ms for it`);
}

/**
 * A newly registered connection: takes over the parked connection of the same user and resume
 * id, if any. A fresh registration of a user (no matching resume id: a reloaded page) ends that
 * user's parked connections at once.
 */
export async function resumeSession(ctx: Context, client: Client, resume: unknown) {
  const map = parked(ctx);
  const id = typeof resume === 'string' && resume.length <= MAX_ID ? resume : '';
  const found = id ? map.get(id) : undefined;
  const here = found && found.client.uid === client.uid ? found : undefined;
  if (here) {
    map.delete(id);
    clearTimeout(here.timer);
  }
  const shared = id && ctx.registry.claim ? await ctx.registry.claim(id, client, here?.client).catch((e) => {
    ctx.log.log('warning', () => `resuming ${client.address} in the shared registry failed: ${(e as Error)?.message ?? e}`);
    return undefined;
  }) : undefined;
  const rooms = here?.rooms ?? shared?.rooms;
  if (rooms) {
    await takeOver(ctx, client, rooms, here);
  } else {
    for (const [key, p] of map) {
      if (p.client.uid !== client.uid) continue;
      map.delete(key);
      clearTimeout(p.timer);
      void leaveUnlessClaimed(ctx, key, p.client, p);
    }
  }
  client.resume = id;
}

/** The grace of `peer` is over: it leaves for good, unless (several nodes) a connection on another node claimed it. */
async function leaveUnlessClaimed(ctx: Context, id: string, peer: Peer, left: Left) {
  try {
    const over = ctx.registry.expire ? await ctx.registry.expire(id, peer).catch(() => true) : true;
    if (over) left.leave();
  } catch (e) {
    ctx.log.log('error', () => `ending the parked connection of ${peer.uid} failed: ${(e as Error)?.stack ?? e}`);
  }
}

/**
 * `next` takes the place of the parked connection in its rooms (without joined/left) and, when it
 * was parked here, in the calls it was in (a shared registry moves the calls of the other nodes' parked connections).
 */
async function takeOver(ctx: Context, next: Client, rooms: readonly { rid: string; kind: RoomKind }[], here?: Parked) {
  const { registry } = ctx;
  const limits = { maxMembers: ctx.config.maxMucMembers, maxRoomsPerUser: ctx.config.maxRoomsPerUser };
  for (const room of rooms) {
    const out = await registry.join(room.rid, room.kind, next, limits);
    if (!out.ok) ctx.log.log('info', () => `${next.uid} resumed but could not rejoin ${room.rid}: ${out.details}`);
  }
  const moved = here ? registry.moveCalls(here.client.cid, next, here.sids).length : 0;
  ctx.log.log('debug', () => `${next.address} resumed on ${next.cid}: ${rooms.length} room(s), ${moved} call(s) of this node kept`);
}

/** Several nodes: the connection parked under `id` (connection `old`) resumed on another node. */
export function resumedElsewhere(ctx: Context, id: string, old: string) {
  const map = parked(ctx);
  const p = map.get(id);
  if (p?.client.cid !== old) return;
  map.delete(id);
  clearTimeout(p.timer);
}

/**
 * The server is closing: its parked connections end now, as its open ones do (calls `gone`, rooms
 * `left`), and their resume ids are void. Handing them to another node would also need someone to
 * decide the calls this node decides; a client coming back elsewhere registers afresh.
 */
export async function unparkAll(ctx: Context) {
  const map = parked(ctx);
  const all = [...map];
  map.clear();
  await Promise.all(all.map(([id, p]) => {
    clearTimeout(p.timer);
    return leaveUnlessClaimed(ctx, id, p.client, p);
  }));
}
