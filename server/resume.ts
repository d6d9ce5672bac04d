// The grace after a connection closes: its calls and rooms wait `callGrace` ms for the same client
// (the same uid, presenting the same resume id in its hello answer) to come back on a new
// connection. A client that resumes takes them over and nobody is told anything; otherwise, once
// the grace is over, its call peers get `session-terminate` `gone` and its rooms hear `left`.
// The closed connection itself is already out of the registry: what is sent to its user meanwhile
// is stored for the user (store-and-forward), not handed to a dead socket.
import type { Client, Context } from './context.ts';
import type { Room } from './registry.ts';

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
    left.leave();
  }, ctx.config.callGrace);
  timer.unref();
  map.set(id, { ...left, client, timer });
  ctx.log.log('debug', () => `${client.address} closed: its calls and rooms wait ${ctx.config.callGrace} ms for it`);
}

/**
 * A newly registered connection: takes over the parked connection of the same user and resume
 * id, if any. A fresh registration of a user (no matching resume id: a reloaded page) ends that
 * user's parked connections at once.
 */
export async function resumeSession(ctx: Context, client: Client, resume: unknown) {
  const map = parked(ctx);
  const id = typeof resume === 'string' && resume.length <= 256 ? resume : '';
  const found = id ? map.get(id) : undefined;
  if (found && found.client.uid === client.uid) {
    map.delete(id);
    clearTimeout(found.timer);
    await takeOver(ctx, found, client);
  } else {
    for (const [key, p] of map) {
      if (p.client.uid !== client.uid) continue;
      map.delete(key);
      clearTimeout(p.timer);
      p.leave();
    }
  }
  client.resume = id;
}

/** `next` takes the place of the parked connection in its rooms (without joined/left) and its calls. */
async function takeOver(ctx: Context, p: Parked, next: Client) {
  const { registry } = ctx;
  const old = p.client;
  const limits = { maxMembers: ctx.config.maxMucMembers, maxRoomsPerUser: ctx.config.maxRoomsPerUser };
  for (const room of p.rooms) {
    const out = await registry.join(room.rid, room.kind, next, limits);
    if (!out.ok) ctx.log.log('info', () => `${next.uid} resumed but could not rejoin ${room.rid}: ${out.details}`);
  }
  for (const sid of p.sids) {
    const r = registry.call(sid);
    if (!r) continue;
    if (r.caller === old) r.caller = next;
    if (r.answered === old) r.answered = next;
    if (r.targets.delete(old)) r.targets.add(next);
    registry.openCall(r); // indexes the call under the new connection
  }
  ctx.log.log('debug', () => `${next.address} resumed on ${next.cid}: ${p.sids.length} call(s) kept`);
}

/** The server is closing: nobody will come back. */
export function unparkAll(ctx: Context) {
  for (const p of parked(ctx).values()) clearTimeout(p.timer);
  parked(ctx).clear();
}
