// Who is connected and who is in which room: the only state the handlers share.
//
// Handlers see the registry through the `Registry` interface so that a second backend can replace
// the in-memory one without touching them. The intended shape for several nodes (Redis pub/sub):
// the lookups on the relay path (`connections`, `room`, `call`) stay synchronous against a local
// mirror kept current by subscription; a `Peer` on another node is a proxy whose `send` publishes
// the frame on that node's channel; the operations that must be atomic across nodes (`add`,
// `remove`, `join`, `leave`) may return promises, and the connection processes its messages one at
// a time while one is pending, so a join is always done before the next message is routed.
// That backend is redis/registry.ts (JSONGLE_REDIS_URL); this file's MemoryRegistry is the default.
import { ERROR_CODE } from '../src/protocol/codes.ts';
import type { JsongleMessage } from '../src/protocol/messages.ts';

/** One connection as the handlers see it. */
export interface Peer {
  /** Connection id (unique per connection, also the provisional id before the hello). */
  readonly cid: string;
  /** Registered user id ('' before the hello handshake). */
  readonly uid: string;
  readonly dn: string;
  /** Sends one serialized frame to this connection. */
  send(frame: string): void;
}

export type RoomKind = 'room' | 'muc';
export interface Room {
  readonly rid: string;
  /** `room`: 1:1 (2 members); `muc`: multi-user. */
  readonly kind: RoomKind;
  /** Members by connection id. */
  readonly members: ReadonlyMap<string, Peer>;
}

export type JoinOutcome =
  | { ok: true; room: Room; /** members other than the joiner */ others: Peer[]; /** it was already a member */ already: boolean }
  | { ok: false; code: number; details: string };

/** A call the server routes by `sid` once proposed: who rings, and who answered. */
export interface CallRecord {
  readonly sid: string;
  readonly initiator: string;
  readonly responder: string;
  /** The caller's connection (replaced when the caller resumes on a new one). */
  caller: Peer;
  /** How the call was addressed: to a user, a 1:1 room, a muc room or one member of a room. */
  readonly via: { kind: 'user' | RoomKind; rid: string };
  /** Connections the propose reached and that still ring (only the winner once answered). */
  targets: Set<Peer>;
  answered?: Peer;
  /** The caller was told `ringing` already (several devices ring; it hears it once). */
  rang: boolean;
}

export interface Limits { maxMembers: number; maxRoomsPerUser: number }
type MaybePromise<T> = T | Promise<T>;

export interface Registry {
  /**
   * Registers a connection whose hello handshake succeeded, unless its user already holds `max`
   * connections (several nodes: counted cluster-wide, atomically); false when refused.
   */
  add(peer: Peer, max?: number): MaybePromise<boolean>;
  /** Forgets a closed connection; returns the rooms it left (with their remaining members). */
  remove(peer: Peer): MaybePromise<Room[]>;
  /** Open connections of a user. */
  connections(uid: string): readonly Peer[];
  room(rid: string): Room | undefined;
  join(rid: string, kind: RoomKind, peer: Peer, limits: Limits): MaybePromise<JoinOutcome>;
  /** Returns the room left, or undefined when `peer` was not a member. */
  leave(rid: string, peer: Peer): MaybePromise<Room | undefined>;
  call(sid: string): CallRecord | undefined;
  openCall(record: CallRecord): void;
  endCall(sid: string): void;
  /** Calls a connection takes part in (as caller or as a ringing/answering target). */
  callsOf(peer: Peer): string[];
  /** Drops `peer` from the targets of call `sid` (it hung up or went away). */
  untarget(sid: string, peer: Peer): void;
  /** A resumed connection `next` takes the place of connection `old` (a cid) in calls `sids`; returns the calls it moved. */
  moveCalls(old: string, next: Peer, sids: Iterable<string>): CallRecord[];
  users(): number;
  rooms(): number;
  /** Several nodes: shares a closed connection parked under resume id `id` for `ms`, so that it may resume on any node. */
  park?(id: string, peer: Peer, rooms: readonly Room[], ms: number): void;
  /**
   * Several nodes: `next` takes over the connection of its user parked under `id` on any node (`known`:
   * the one this node holds parked, if any); the calls it was in move to `next` on the nodes that
   * decide them. Returns the rooms it was in, or undefined when there was nothing to resume.
   */
  claim?(id: string, next: Peer, known?: Peer): Promise<{ rooms: { rid: string; kind: RoomKind }[] } | undefined>;
  /** Several nodes: the grace of `peer`, parked under `id`, is over; false when another connection claimed it meanwhile. */
  expire?(id: string, peer: Peer): Promise<boolean>;
  /**
   * Several nodes: hands call message `m` over to the node that decides its call, when that is
   * another node (true: handed over). One node decides each call, so the first answer wins.
   */
  handOff?(client: Peer, m: JsongleMessage): boolean;
  /** Several nodes: this node's id and the state of the shared store, for /healthz. */
  health?(): Record<string, unknown>;
}

interface MutableRoom extends Room { readonly members: Map<string, Peer> }

export class MemoryRegistry implements Registry {
  readonly #users = new Map<string, Peer[]>();
  readonly #rooms = new Map<string, MutableRoom>();
  readonly #roomsOf = new Map<string, Set<string>>();
  readonly #calls = new Map<string, CallRecord>();
  readonly #callsOf = new Map<string, Set<string>>();

  add(peer: Peer, max = Infinity) {
    const list = this.#users.get(peer.uid);
    if (list && list.length >= max) return false;
    if (list) list.push(peer);
    else this.#users.set(peer.uid, [peer]);
    return true;
  }

  remove(peer: Peer): Room[] {
    const list = this.#users.get(peer.uid);
    if (list) {
      const rest = list.filter((p) => p !== peer);
      if (rest.length) this.#users.set(peer.uid, rest);
      else this.#users.delete(peer.uid);
    }
    const left: Room[] = [];
    for (const rid of this.#roomsOf.get(peer.cid) ?? []) {
      const room = this.leave(rid, peer);
      if (room) left.push(room);
    }
    this.#roomsOf.delete(peer.cid);
    this.#callsOf.delete(peer.cid);
    return left;
  }

  connections(uid: string): readonly Peer[] { return this.#users.get(uid) ?? []; }
  room(rid: string): Room | undefined { return this.#rooms.get(rid); }

  join(rid: string, kind: RoomKind, peer: Peer, limits: Limits): JoinOutcome {
    let room = this.#rooms.get(rid);
    if (room && room.kind !== kind) {
      return { ok: false, code: ERROR_CODE.BAD_PARAMETERS, details: `Room ${rid} is a ${room.kind === 'muc' ? 'multi-user' : '1:1'} room` };
    }
    if (room?.members.has(peer.cid)) return { ok: true, room, others: this.#others(room, peer), already: true };
    const max = kind === 'room' ? 2 : limits.maxMembers;
    if (room && room.members.size >= max) return { ok: false, code: ERROR_CODE.ROOM_FULL, details: `Room ${rid} is full (${max} members)` };
    const mine = new Set<string>();
    for (const p of this.connections(peer.uid)) for (const r of this.#roomsOf.get(p.cid) ?? []) mine.add(r);
    if (mine.size >= limits.maxRoomsPerUser && !mine.has(rid)) {
      return { ok: false, code: ERROR_CODE.ROOM_FULL, details: `User ${peer.uid} is already in ${mine.size} rooms, the most allowed` };
    }
    if (!room) this.#rooms.set(rid, (room = { rid, kind, members: new Map() }));
    const others = this.#others(room, peer);
    room.members.set(peer.cid, peer);
    let rooms = this.#roomsOf.get(peer.cid);
    if (!rooms) this.#roomsOf.set(peer.cid, (rooms = new Set()));
    rooms.add(rid);
    return { ok: true, room, others, already: false };
  }

  leave(rid: string, peer: Peer): Room | undefined {
    const room = this.#rooms.get(rid);
    if (!room?.members.delete(peer.cid)) return undefined;
    this.#roomsOf.get(peer.cid)?.delete(rid);
    if (room.members.size === 0) this.#rooms.delete(rid);
    return room;
  }

  call(sid: string) { return this.#calls.get(sid); }

  openCall(record: CallRecord) {
    this.#calls.set(record.sid, record);
    for (const p of [record.caller, ...record.targets]) {
      let sids = this.#callsOf.get(p.cid);
      if (!sids) this.#callsOf.set(p.cid, (sids = new Set()));
      sids.add(record.sid);
    }
  }

  endCall(sid: string) {
    const record = this.#calls.get(sid);
    if (!record) return;
    this.#calls.delete(sid);
    for (const p of [record.caller, ...record.targets]) this.#callsOf.get(p.cid)?.delete(sid);
  }

  callsOf(peer: Peer) { return [...(this.#callsOf.get(peer.cid) ?? [])]; }

  untarget(sid: string, peer: Peer) {
    this.#calls.get(sid)?.targets.delete(peer);
    this.#callsOf.get(peer.cid)?.delete(sid);
  }

  moveCalls(old: string, next: Peer, sids: Iterable<string>) {
    const moved: CallRecord[] = [];
    for (const sid of sids) {
      const r = this.#calls.get(sid);
      if (!r) continue;
      const target = [...r.targets].find((t) => t.cid === old);
      if (r.caller.cid !== old && r.answered?.cid !== old && !target) continue;
      if (r.caller.cid === old) r.caller = next;
      if (r.answered?.cid === old) r.answered = next;
      if (target) { r.targets.delete(target); r.targets.add(next); }
      this.openCall(r); // indexes the call under the new connection
      moved.push(r);
    }
    return moved;
  }

  users() { return this.#users.size; }
  rooms() { return this.#rooms.size; }

  #others(room: Room, peer: Peer) { return [...room.members.values()].filter((p) => p !== peer); }
}
