// The Redis registry: several server nodes share users, rooms and calls (JSONGLE_REDIS_URL).
//
// Every node keeps a mirror of the whole registry (a MemoryRegistry holding its own connections and
// a RemotePeer for each connection of another node), so the lookups on the relay path stay local
// and synchronous. The mirror is kept current by the events channel: each write is a Lua script
// (scripts.ts) that checks the cluster-wide limits, writes the shared state and publishes the change
// in one step. A frame for a connection on another node goes to that node's channel; the frames a
// node sends to another node while it handles one read leave in one PUBLISH, so a room message with
// members on three nodes is published once per node, not once per member.
//
// A call is decided by the node of its caller (the node that opened it): the other nodes hold a
// copy, and hand the call messages of their connections over to that node, so that "the first
// device to answer wins" has one judge however the devices are spread. Nodes hold leases (lease.ts);
// a dead node's connections are dropped everywhere, with `left` and `gone` for the others.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../../src/log.ts';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import type { CallBody, JsongleMessage } from '../../src/protocol/messages.ts';
import type { Client } from '../context.ts';
import { MemoryRegistry, type CallRecord, type JoinOutcome, type Limits, type Peer, type Registry, type Room, type RoomKind } from '../registry.ts';
import { Lease } from './lease.ts';
import { EVENTS, nodeChannel, PREFIX, SCRIPTS } from './scripts.ts';

/** What the cluster asks of the handlers (wired in ../index.ts, answered by ../handlers/cluster.ts). */
export interface ClusterEvents {
  /** A call message handed over by another node: this node holds the call. */
  route(peer: Client, m: JsongleMessage): void;
  /** A connection of another node is gone: it closed (`died` false) or its node died. Still registered here. */
  gone(peer: Peer, died: boolean): void;
  /** A call held by a dead node, with parties on this node (`locals`). */
  orphaned(record: CallRecord, locals: Peer[]): void;
  /** Rooms a connection of a dead node (open or parked there) was in, and the members of each on this node. */
  left(peer: Peer, rooms: { room: Room; locals: Peer[] }[]): void;
  /** The connection `old`, parked here under resume id `id`, resumed on another node. */
  resumed(id: string, old: string): void;
  /** A closed connection did not resume within the grace (or its node died meanwhile): the calls `sids` this node decides, in which it was `peer`, end. */
  expired(peer: Peer, sids: string[]): void;
}

export interface RedisRegistryOptions {
  url: string;
  /** Lease in ms (JSONGLE_NODE_LEASE). */
  lease: number;
  log: Logger;
  /** Default: host name, pid and a random suffix (a restarted node is a new node). */
  node?: string;
  /** Runs the deliveries of one message from another node so that a connection's frames leave in one write. */
  batch?: (deliver: () => void) => void;
}

/** The URL for a message: a password in it never reaches a log. */
const withoutPassword = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');

const NO_LIMITS: Limits = { maxMembers: Infinity, maxRoomsPerUser: Infinity };

/** A connection held by another node: `send` queues the frame for that node's channel. */
export class RemotePeer implements Client {
  readonly registered = true;
  /** Gone from the mirror once its node says it closed. */
  readonly closed = false;
  hello = '';
  /** Rooms it is in (to diff against a node's snapshot). */
  readonly joined = new Map<string, RoomKind>();
  constructor(readonly cid: string, public uid: string, public dn: string, readonly node: string, private readonly out: (node: string, line: string) => void) {}
  get address() { return this.uid; }
  send(frame: string) { this.out(this.node, `${this.cid} ${frame}`); }
  // Its answers are its own node's: nothing here answers it later.
  reserve() { return (frames?: string | readonly string[]) => { for (const f of frames === undefined ? [] : typeof frames === 'string' ? [frames] : frames) this.send(f); }; }
  // Its token and its socket are its own node's business: handlers only close and expire local connections.
  expireAt() {}
  close() {}
}

type Event =
  | { t: 'add'; node: string; cid: string; uid: string; dn: string }
  | { t: 'remove'; node: string; cid: string }
  | { t: 'join'; node: string; cid: string; rid: string; kind: RoomKind }
  | { t: 'leave'; node: string; cid: string; rid: string }
  | { t: 'reap'; node: string; parked?: ParkedEntry[] | Record<string, never> }
  | { t: 'resumed'; node: string; id: string; old: string; cid: string }
  | { t: 'expired'; node: string; cid: string }
  | { t: 'node'; node: string; conns: [string, string, string, [string, RoomKind][]][] }
  | { t: 'call'; node: string; sid: string; initiator: string; responder: string; caller: string; via: CallRecord['via']; targets: string[]; answered?: string }
  | { t: 'answered' | 'untarget'; node: string; sid: string; cid: string }
  | { t: 'end'; node: string; sid: string };

/** A connection a dead node held parked (cjson writes an empty list as `{}`). */
interface ParkedEntry { cid: string; uid: string; dn: string; rooms: string[] | Record<string, never> }

type Scripted = Redis & Record<keyof typeof SCRIPTS, (...args: (string | number)[]) => Promise<unknown>>;

export class RedisRegistry implements Registry {
  readonly node: string;
  /** Frames published to other nodes / received from them, PUBLISH commands, last Redis round trip (ms). */
  readonly counters = { published: 0, received: 0, publishes: 0, rtt: 0 };
  readonly #cmd: Scripted;
  readonly #sub: Redis;
  readonly #log: Logger;
  readonly #batch: (deliver: () => void) => void;
  readonly #mirror = new MemoryRegistry();
  readonly #local = new Map<string, Peer>();
  /** Rooms of each local connection, for the snapshot a node republishes. */
  readonly #localRooms = new Map<string, Map<string, RoomKind>>();
  readonly #remote = new Map<string, RemotePeer>();
  readonly #byNode = new Map<string, Set<RemotePeer>>();
  /** sid → the node that decides the call. */
  readonly #owner = new Map<string, string>();
  readonly #outbox = new Map<string, string[]>();
  #flushing = false;
  /** Events received while the mirror loads: applied after the snapshot. */
  #buffered: Event[] | null = null;
  readonly #lease: Lease;
  /** ms a claimed resume id stays marked as claimed: a generous bound on how late the parking node's timer may run. */
  readonly #keepClaimed = 60_000;
  #events: ClusterEvents | undefined;
  #subscribed = false;
  /** Joins Redis has not answered yet: a snapshot waits for them (it would leave those rooms out). */
  readonly #joining = new Set<Promise<unknown>>();

  private constructor(o: RedisRegistryOptions) {
    this.node = o.node ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.#log = o.log;
    this.#batch = o.batch ?? ((deliver) => deliver());
    const redisOptions = { lazyConnect: true, connectionName: `jsongle-${this.node}` };
    this.#cmd = new Redis(o.url, redisOptions) as Scripted;
    this.#sub = new Redis(o.url, redisOptions);
    for (const [name, lua] of Object.entries(SCRIPTS)) this.#cmd.defineCommand(name, { numberOfKeys: 0, lua });
    for (const r of [this.#cmd, this.#sub]) r.on('error', (e: Error) => this.#log.log('warning', () => `redis: ${e.message}`));
    this.#sub.on('message', (channel: string, text: string) => this.#message(channel, text));
    this.#sub.on('ready', () => { if (this.#subscribed) void this.#resync(); });
    // Back from a disconnection: a write queued meanwhile may have failed; say again what we hold.
    this.#cmd.on('ready', () => { if (this.#subscribed) this.#restore().catch((e) => this.#failed('restore', e)); });
    this.#lease = new Lease(this.#cmd, {
      node: this.node, lease: o.lease,
      lapsed: () => this.#restore(),
      known: () => this.#byNode.keys(),
      reap: async (node) => { if (await this.#cmd.jsongleReap(node)) this.#log.log('info', () => `node ${node} lost its lease: reaped`); },
      rtt: (ms) => { this.counters.rtt = ms; },
      error: (e) => this.#log.log('warning', () => `lease: ${(e as Error)?.message ?? e}`),
    });
  }

  /** Connects, subscribes, loads the mirror and takes the lease. */
  static async start(o: RedisRegistryOptions): Promise<RedisRegistry> {
    const r = new RedisRegistry(o);
    try {
      await Promise.all([r.#cmd.connect(), r.#sub.connect()]);
    } catch (e) {
      r.#cmd.disconnect();
      r.#sub.disconnect();
      throw new Error(`Redis at ${withoutPassword(o.url)} cannot be reached: ${(e as Error)?.message ?? e}`);
    }
    await r.#resync();
    r.#subscribed = true;
    await r.#lease.start();
    r.#log.log('info', () => `node ${r.node}: registry in Redis, lease ${o.lease} ms`);
    return r;
  }

  /** The handlers' side of the cluster: what to do with handed-over messages and departed peers. */
  attach(events: ClusterEvents) { this.#events = events; }

  /** `redis` is `ready` when both connections are (commands, subscriptions), else the state of the one that is not. */
  health() {
    const down = [this.#cmd, this.#sub].find((r) => r.status !== 'ready');
    return { node: this.node, redis: down?.status ?? 'ready' };
  }

  async close() {
    this.#lease.stop();
    try {
      await this.#cmd.multi().del(`${PREFIX}lease:${this.node}`).del(`${PREFIX}conns:${this.node}`).srem(`${PREFIX}nodes`, this.node).exec();
    } catch { /* Redis away: the others reap us when the lease lapses */ }
    this.#sub.disconnect();
    await this.#cmd.quit().catch(() => this.#cmd.disconnect());
  }

  // ---- Registry ----

  async add(peer: Peer, max = Infinity) {
    // Counted in Redis first: the mirror may not know yet of a connection another node just added.
    const added = await this.#cmd.jsongleAdd(this.node, peer.cid, peer.uid, peer.dn, Number.isFinite(max) ? max : -1);
    if (added !== 1) return false;
    this.#local.set(peer.cid, peer);
    this.#localRooms.set(peer.cid, new Map());
    this.#mirror.add(peer);
    return true;
  }

  remove(peer: Peer): Room[] {
    if (!this.#local.delete(peer.cid)) return [];
    this.#localRooms.delete(peer.cid);
    this.#cmd.jsongleRemove(this.node, peer.cid, peer.uid).catch((e) => this.#failed('remove', e));
    return this.#mirror.remove(peer);
  }

  connections(uid: string) { return this.#mirror.connections(uid); }
  room(rid: string) { return this.#mirror.room(rid); }

  join(rid: string, kind: RoomKind, peer: Peer, limits: Limits): JoinOutcome | Promise<JoinOutcome> {
    if (this.#mirror.room(rid)?.members.has(peer.cid)) return this.#mirror.join(rid, kind, peer, NO_LIMITS);
    const pending = this.#join(rid, kind, peer, limits);
    this.#joining.add(pending);
    return pending.finally(() => this.#joining.delete(pending));
  }

  async #join(rid: string, kind: RoomKind, peer: Peer, limits: Limits): Promise<JoinOutcome> {
    const [status, value] = (await this.#cmd.jsongleJoin(this.node, peer.cid, peer.uid, rid, kind, limits.maxMembers, limits.maxRoomsPerUser)) as string[];
    if (status === 'kind') return { ok: false, code: ERROR_CODE.BAD_PARAMETERS, details: `Room ${rid} is a ${value === 'muc' ? 'multi-user' : '1:1'} room` };
    if (status === 'full') return { ok: false, code: ERROR_CODE.ROOM_FULL, details: `Room ${rid} is full (${value} members)` };
    if (status === 'rooms') return { ok: false, code: ERROR_CODE.ROOM_FULL, details: `User ${peer.uid} is already in ${value} rooms, the most allowed` };
    // Closed while Redis answered: its remove, queued after the join, undoes it there.
    if (!this.#local.has(peer.cid)) return { ok: false, code: ERROR_CODE.NOT_A_MEMBER, details: 'Connection closed' };
    this.#localRooms.get(peer.cid)?.set(rid, kind);
    return this.#mirror.join(rid, kind, peer, NO_LIMITS);
  }

  leave(rid: string, peer: Peer): Room | undefined {
    const room = this.#mirror.leave(rid, peer);
    if (!room) return undefined;
    this.#localRooms.get(peer.cid)?.delete(rid);
    this.#cmd.jsongleLeave(this.node, peer.cid, peer.uid, rid).catch((e) => this.#failed('leave', e));
    return room;
  }

  call(sid: string) { return this.#mirror.call(sid); }

  /** Opens a call this node decides; called again for an open call, publishes its parties anew. */
  openCall(record: CallRecord) {
    const again = this.#mirror.call(record.sid) === record;
    this.#mirror.openCall(record);
    this.#owner.set(record.sid, this.node);
    if (!again) {
      // The handlers set `answered` on the record: the copies on the other nodes learn it.
      let answered = record.answered;
      Object.defineProperty(record, 'answered', {
        enumerable: true,
        get: () => answered,
        set: (p: Peer | undefined) => {
          answered = p;
          if (p) this.#publish({ t: 'answered', node: this.node, sid: record.sid, cid: p.cid });
        },
      });
    }
    this.#publish({
      t: 'call', node: this.node, sid: record.sid, initiator: record.initiator, responder: record.responder,
      caller: record.caller.cid, via: record.via, targets: [...record.targets].map((p) => p.cid), answered: record.answered?.cid,
    });
  }

  endCall(sid: string) {
    const mine = this.#owner.get(sid) === this.node;
    this.#owner.delete(sid);
    this.#mirror.endCall(sid);
    if (mine) this.#publish({ t: 'end', node: this.node, sid });
  }

  /** Only the calls this node decides: another node's calls are its to drop. */
  callsOf(peer: Peer) { return this.#mirror.callsOf(peer).filter((sid) => this.#owner.get(sid) === this.node); }

  untarget(sid: string, peer: Peer) {
    this.#mirror.untarget(sid, peer);
    if (this.#owner.get(sid) === this.node) this.#publish({ t: 'untarget', node: this.node, sid, cid: peer.cid });
  }

  moveCalls(old: string, next: Peer, sids: Iterable<string>) {
    const moved = this.#mirror.moveCalls(old, next, [...sids].filter((sid) => this.#owner.get(sid) === this.node));
    for (const r of moved) this.openCall(r); // the other nodes' copies name the new connection
    return moved;
  }

  users() { return this.#mirror.users(); }
  rooms() { return this.#mirror.rooms(); }

  park(id: string, peer: Peer, rooms: readonly Room[], ms: number) {
    const joined = JSON.stringify(rooms.map(({ rid, kind }) => ({ rid, kind })));
    this.#cmd.jsonglePark(this.node, id, peer.uid, peer.cid, peer.dn, joined, ms).catch((e) => this.#failed('park', e));
  }

  async claim(id: string, next: Peer, known?: Peer) {
    const out = (await this.#cmd.jsongleResume(this.node, id, next.uid, next.cid, known?.cid ?? '', this.#keepClaimed)) as [string, string] | null;
    if (!out) return undefined;
    this.#resumed(out[0], next.cid);
    return { rooms: JSON.parse(out[1]) as { rid: string; kind: RoomKind }[] };
  }

  async expire(id: string, peer: Peer) { return (await this.#cmd.jsongleExpire(this.node, id, peer.cid)) === 1; }

  /** The calls this node decides move from connection `old` (closed, parked) to `cid` (its resumption). */
  #resumed(old: string, cid: string) {
    const next = this.#peer(cid);
    if (next) this.moveCalls(old, next, this.#owner.keys());
  }

  /** Connection `cid` is gone for good: the calls this node decides in which it took part end. */
  #expired(cid: string) {
    const sids: string[] = [];
    let peer: Peer | undefined;
    for (const [sid, owner] of this.#owner) {
      const r = owner === this.node ? this.#mirror.call(sid) : undefined;
      const p = r && [r.caller, r.answered, ...r.targets].find((q) => q?.cid === cid);
      if (p) { peer = p; sids.push(sid); }
    }
    if (peer) this.#tell('expired', () => this.#events?.expired(peer, sids));
  }

  handOff(client: Peer, m: JsongleMessage): boolean {
    const owner = this.#owner.get((m.jsongle as CallBody).sid);
    if (owner === undefined || owner === this.node) return false;
    this.#control(owner, { t: 'in', cid: client.cid, m });
    return true;
  }

  // ---- Outgoing ----

  #publish(e: Event) { this.#cmd.publish(EVENTS, JSON.stringify(e)).catch((err) => this.#failed(e.t, err)); }

  #control(node: string, body: unknown) {
    this.counters.publishes++;
    this.#cmd.publish(nodeChannel(node), `c${JSON.stringify(body)}`).catch((e) => this.#failed('hand-off', e));
  }

  /**
   * Queues a frame for a connection of `node`. The queue leaves at the end of the event loop's poll
   * phase (setImmediate), so the frames of every socket read in one turn share one PUBLISH per node:
   * with one message in flight per pair each read holds one frame, and a PUBLISH each cost more than
   * the relay itself.
   */
  #queue = (node: string, line: string) => {
    let lines = this.#outbox.get(node);
    if (!lines) this.#outbox.set(node, (lines = []));
    lines.push(line);
    this.counters.published++;
    if (this.#flushing) return;
    this.#flushing = true;
    setImmediate(this.#flush);
  };

  #flush = () => {
    this.#flushing = false;
    for (const [node, lines] of this.#outbox) {
      this.counters.publishes++;
      this.#cmd.publish(nodeChannel(node), `f${lines.join('\n')}`).catch((e) => this.#failed('publish', e));
    }
    this.#outbox.clear();
  };

  #failed(what: string, e: unknown) { this.#log.log('warning', () => `redis ${what} failed: ${(e as Error)?.message ?? e}`); }

  // ---- Incoming ----

  #message(channel: string, text: string) {
    try {
      if (channel !== EVENTS) return this.#direct(text);
      const e = JSON.parse(text) as Event;
      if (e.node === this.node) return; // our own change, applied when we made it
      if (this.#buffered) this.#buffered.push(e);
      else this.#apply(e);
    } catch (err) {
      this.#log.log('error', () => `cluster message on ${channel} failed: ${(err as Error)?.stack ?? err}`);
    }
  }

  /** Frames for our connections, or a call message handed over. */
  #direct(text: string) {
    if (text[0] === 'f') {
      return this.#batch(() => {
        for (const line of text.slice(1).split('\n')) {
          const space = line.indexOf(' ');
          this.counters.received++;
          this.#local.get(line.slice(0, space))?.send(line.slice(space + 1));
        }
      });
    }
    const body = JSON.parse(text.slice(1)) as { t: 'in'; cid: string; m: JsongleMessage };
    const peer = this.#remote.get(body.cid);
    if (peer) this.#tell('hand-off', () => this.#events?.route(peer, body.m));
  }

  #apply(e: Event) {
    switch (e.t) {
      case 'add': return void this.#addRemote(e.node, e.cid, e.uid, e.dn);
      case 'remove': return this.#removeRemote(this.#remote.get(e.cid), false);
      case 'join': {
        const p = this.#remote.get(e.cid);
        if (p) { p.joined.set(e.rid, e.kind); this.#mirror.join(e.rid, e.kind, p, NO_LIMITS); }
        return;
      }
      case 'leave': {
        const p = this.#remote.get(e.cid);
        if (p) { p.joined.delete(e.rid); this.#mirror.leave(e.rid, p); }
        return;
      }
      case 'reap': {
        const parked = Array.isArray(e.parked) ? e.parked : [];
        // Before the node's open connections leave: a user with one of those in the room is still in it.
        for (const p of parked) this.#parkedLeft(e.node, p);
        this.#reaped(e.node);
        for (const p of parked) this.#expired(p.cid);
        return;
      }
      case 'resumed':
        this.#resumed(e.old, e.cid);
        return this.#tell('resumed', () => this.#events?.resumed(e.id, e.old));
      case 'expired': return this.#expired(e.cid);
      case 'node': return this.#replaceNode(e.node, e.conns);
      case 'call': {
        const caller = this.#peer(e.caller);
        if (!caller) return;
        const targets = new Set(e.targets.map((cid) => this.#peer(cid)).filter((p): p is Peer => !!p));
        this.#mirror.endCall(e.sid); // a call published again (a party resumed): its copy is replaced
        this.#mirror.openCall({
          sid: e.sid, initiator: e.initiator, responder: e.responder, caller, via: e.via, targets, rang: false,
          answered: e.answered === undefined ? undefined : this.#peer(e.answered),
        });
        this.#owner.set(e.sid, e.node);
        return;
      }
      case 'answered': {
        const r = this.#mirror.call(e.sid);
        if (r) r.answered = this.#peer(e.cid);
        return;
      }
      case 'untarget': {
        const p = this.#peer(e.cid);
        if (p) this.#mirror.untarget(e.sid, p);
        return;
      }
      case 'end':
        if (this.#owner.get(e.sid) === e.node) { this.#owner.delete(e.sid); this.#mirror.endCall(e.sid); }
        return;
    }
  }

  /** Runs a handler's part; a failure is logged and the mirror is updated all the same. */
  #tell(what: string, fn: () => void) {
    try {
      fn();
    } catch (e) {
      this.#log.log('error', () => `cluster ${what} handler failed: ${(e as Error)?.stack ?? e}`);
    }
  }

  #peer(cid: string): Peer | undefined { return this.#local.get(cid) ?? this.#remote.get(cid); }

  #addRemote(node: string, cid: string, uid: string, dn: string): RemotePeer {
    const known = this.#remote.get(cid);
    if (known) return known;
    const p = new RemotePeer(cid, uid, dn, node, this.#queue);
    this.#remote.set(cid, p);
    let set = this.#byNode.get(node);
    if (!set) this.#byNode.set(node, (set = new Set()));
    set.add(p);
    this.#mirror.add(p);
    return p;
  }

  #removeRemote(p: RemotePeer | undefined, died: boolean): Room[] {
    if (!p) return [];
    this.#tell('gone', () => this.#events?.gone(p, died));
    this.#remote.delete(p.cid);
    const set = this.#byNode.get(p.node);
    set?.delete(p);
    if (set?.size === 0) this.#byNode.delete(p.node);
    return this.#mirror.remove(p);
  }

  /** A node died: its calls end, its connections leave their rooms, for this node's parties. */
  #reaped(node: string) {
    const peers = this.#byNode.get(node);
    if (!peers) return;
    for (const [sid, owner] of this.#owner) {
      if (owner !== node) continue;
      const r = this.#mirror.call(sid);
      this.#owner.delete(sid);
      if (!r) continue;
      const locals = [r.caller, ...r.targets].filter((p) => this.#local.has(p.cid));
      if (locals.length) this.#tell('orphaned', () => this.#events?.orphaned(r, locals));
      this.#mirror.endCall(sid);
    }
    for (const p of [...peers]) {
      const rooms = this.#removeRemote(p, true);
      const left = rooms.map((room) => ({ room, locals: [...room.members.values()].filter((m) => this.#local.has(m.cid)) }));
      if (left.length) this.#tell('left', () => this.#events?.left(p, left));
    }
    this.#log.log('info', () => `node ${node} is gone: ${peers.size} connections dropped`);
  }

  /** A connection parked on a dead node will not resume: the members here of the rooms it was in hear `left`. */
  #parkedLeft(node: string, entry: ParkedEntry) {
    if (!Array.isArray(entry.rooms)) return; // parked in no room
    const peer = new RemotePeer(entry.cid, entry.uid, entry.dn, node, this.#queue);
    const left = entry.rooms.flatMap((rid) => {
      const room = this.#mirror.room(rid);
      return room ? [{ room, locals: [...room.members.values()].filter((m) => this.#local.has(m.cid)) }] : [];
    });
    if (left.length) this.#tell('left', () => this.#events?.left(peer, left));
  }

  /** Makes the mirror of `node` what its snapshot says. */
  #replaceNode(node: string, conns: Extract<Event, { t: 'node' }>['conns']) {
    const seen = new Set<string>();
    for (const [cid, uid, dn, joins] of conns) {
      seen.add(cid);
      const p = this.#addRemote(node, cid, uid, dn);
      const want = new Map(joins);
      for (const rid of [...p.joined.keys()]) if (!want.has(rid)) { p.joined.delete(rid); this.#mirror.leave(rid, p); }
      for (const [rid, kind] of want) if (!p.joined.has(rid)) { p.joined.set(rid, kind); this.#mirror.join(rid, kind, p, NO_LIMITS); }
    }
    for (const p of [...(this.#byNode.get(node) ?? [])]) if (!seen.has(p.cid)) this.#removeRemote(p, false);
  }

  /** (Re)subscribes and loads every other node's state from Redis; events arriving meanwhile wait. */
  async #resync() {
    this.#buffered ??= [];
    try {
      await this.#sub.subscribe(EVENTS, nodeChannel(this.node));
      const nodes = (await this.#cmd.smembers(`${PREFIX}nodes`)).filter((n) => n !== this.node);
      for (const node of nodes) {
        const raw = await this.#cmd.hgetall(`${PREFIX}conns:${node}`);
        const cids = Object.keys(raw);
        const joins = cids.length ? await this.#cmd.pipeline(cids.map((cid) => ['smembers', `${PREFIX}joins:${cid}`])).exec() : [];
        const rids = [...new Set(joins?.flatMap(([, v]) => v as string[]))];
        const kinds = rids.length ? await this.#cmd.hmget(`${PREFIX}kinds`, ...rids) : [];
        const kindOf = new Map(rids.map((rid, i) => [rid, (kinds[i] ?? 'muc') as RoomKind]));
        this.#replaceNode(node, cids.map((cid, i) => {
          const [uid, dn] = JSON.parse(raw[cid]) as [string, string];
          return [cid, uid, dn, ((joins?.[i]?.[1] ?? []) as string[]).map((rid) => [rid, kindOf.get(rid)!])];
        }));
      }
    } catch (e) {
      this.#failed('resync', e);
    } finally {
      const events = this.#buffered ?? [];
      this.#buffered = null;
      for (const e of events) this.#apply(e);
    }
  }

  /** Writes back everything this node holds and tells the others. */
  async #restore() {
    await Promise.allSettled([...this.#joining]);
    const conns = [...this.#local.values()].map((p) => [p.cid, p.uid, p.dn, [...(this.#localRooms.get(p.cid) ?? [])]]);
    await this.#cmd.jsongleRestore(this.node, JSON.stringify({ t: 'node', node: this.node, conns }));
    if (conns.length) this.#log.log('info', () => `node ${this.node}: state published again (${conns.length} connections)`);
  }
}
