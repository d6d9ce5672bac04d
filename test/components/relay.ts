// A small in-page signaling server for the browser tests: a hub of memory transports that behaves
// like the reference server where the chat needs it (PROTOCOL-NOTES.md): the session-hello
// handshake, session-join / muc-join / session-leave answered with iq-result { members, rid },
// joined / left events to the other members, room messages fanned out with `from` rewritten to the
// room id (1:1 room) or `rid/uid` (multi-user room), `rid/uid` and direct addressing, and
// `server-received` acks for text and custom messages.
import { JSONgle } from '../../src/client.ts';
import type { JsongleMessage } from '../../src/protocol/messages.ts';
import { createMemoryPair, type MemoryTransport } from '../../src/transport/memory.ts';

interface Connection { uid: string; dn: string; end: MemoryTransport; provisional: string; client: JSONgle }
interface Room { kind: 'room' | 'muc'; members: Map<string, Connection> }

const now = () => new Date().toISOString();
const message = (from: string, to: string, jsongle: Record<string, unknown>) => ({ id: crypto.randomUUID(), from, to, jsongle }) as JsongleMessage<any>;

export function createRelay(sn = 'relay.test') {
  const connections = new Map<string, Connection>();
  const rooms = new Map<string, Room>();
  /** Every frame the relay received, in order. */
  const received: JsongleMessage<any>[] = [];
  let n = 0;

  const held = new Map<string, JsongleMessage<any>[]>();
  const send = (to: Connection, m: JsongleMessage<any>) => {
    const queue = to.uid ? held.get(to.uid) : undefined;
    if (queue) queue.push(m);
    else to.end.send(m);
  };
  const event = (to: Connection, from: string, namespace: string, name: string, description: Record<string, unknown>) =>
    send(to, message(from, to.uid, { action: 'session-event', namespace, event: name, description }));
  const result = (to: Connection, m: JsongleMessage<any>, description: Record<string, unknown>) =>
    send(to, message(sn, to.uid, { action: 'iq-result', query: m.jsongle.query, transaction: m.jsongle.transaction, description }));
  const error = (to: Connection, m: JsongleMessage<any>, errorCode: number, errorDetails: string) =>
    send(to, message(sn, to.uid, { action: 'iq-error', query: m.jsongle.query, transaction: m.jsongle.transaction, description: { errorCode, errorDetails } }));
  const announce = (room: Room, rid: string, member: Connection, name: 'joined' | 'left') => {
    for (const other of room.members.values()) {
      if (other !== member) event(other, rid, room.kind, name, { member: { uid: member.uid, dn: member.dn }, rid });
    }
  };

  function onRequest(c: Connection, m: JsongleMessage<any>) {
    const { query, description } = m.jsongle;
    const rid = description?.rid;
    if (typeof rid !== 'string' || !rid) return error(c, m, 400001, "'rid' is missing");
    if (query === 'session-leave') {
      const room = rooms.get(rid);
      if (!room?.members.delete(c.uid)) return error(c, m, 404002, `Not a member of room ${rid}`);
      result(c, m, { rid });
      announce(room, rid, c, 'left');
      if (room.members.size === 0) rooms.delete(rid);
      return;
    }
    if (query !== 'session-join' && query !== 'muc-join') return error(c, m, 404001, `Unknown query '${query}'`);
    const kind = query === 'muc-join' ? 'muc' : 'room';
    const room = rooms.get(rid) ?? { kind, members: new Map() };
    rooms.set(rid, room);
    const already = room.members.has(c.uid);
    if (!already && room.members.size >= (kind === 'room' ? 2 : 10)) return error(c, m, 403001, `Room ${rid} is full`);
    const others = [...room.members.values()].filter((p) => p !== c).map((p) => ({ uid: p.uid, dn: p.dn }));
    room.members.set(c.uid, c);
    result(c, m, { members: others, rid });
    if (!already) announce(room, rid, c, 'joined');
  }

  function relay(c: Connection, m: JsongleMessage<any>) {
    const j = m.jsongle;
    const d = j.description;
    if (d && typeof d === 'object') {
      d.relayed = now();
      d.sent ??= d.relayed;
    }
    const deliver = (to: Connection, from: string) => send(to, { ...m, from, to: to.uid });
    const room = rooms.get(m.to);
    const slash = m.to.lastIndexOf('/');
    const roomOf = slash > 0 ? rooms.get(m.to.slice(0, slash)) : undefined;
    if (room) {
      if (!room.members.has(c.uid)) return;
      for (const other of room.members.values()) if (other !== c) deliver(other, room.kind === 'muc' ? `${m.to}/${c.uid}` : m.to);
    } else if (roomOf) {
      const rid = m.to.slice(0, slash);
      const to = roomOf.members.get(m.to.slice(slash + 1));
      if (to && roomOf.members.has(c.uid)) deliver(to, `${rid}/${c.uid}`);
    } else {
      const to = connections.get(m.to);
      if (!to) return;
      deliver(to, c.uid);
    }
    if (j.action === 'session-text' || j.action === 'session-custom') {
      event(c, sn, j.namespace === 'muc' ? 'muc' : 'message', 'ack', { acknowledged: now(), mid: m.id, type: 'server-received' });
    }
  }

  function onFrame(c: Connection, data: unknown) {
    const m = JSON.parse(data as string) as JsongleMessage<any>;
    received.push(m);
    const j = m.jsongle;
    if (!c.uid) {
      if (j.action !== 'iq-result' || j.query !== 'session-hello') return;
      c.uid = j.description.uid;
      c.dn = j.description.dn ?? '';
      connections.set(c.uid, c);
      send(c, message(sn, c.uid, { action: 'ack', status: 'success', transaction: j.transaction }));
      return;
    }
    // Like the real server (its registry is async), a request completes a task later: what the
    // client sends right after a join is handled before the join is done.
    if (m.to === sn && (j.action === 'iq-set' || j.action === 'iq-get')) return void setTimeout(() => onRequest(c, m), 0);
    relay(c, m);
  }

  return {
    sn,
    received,
    rooms,
    /** A client for `uid`, connected to the relay (registered once the handshake is done). */
    connect(uid: string, dn?: string): JSONgle {
      const [clientEnd, relayEnd] = createMemoryPair();
      const client = new JSONgle({ transport: clientEnd, user: dn === undefined ? { uid } : { uid, dn } });
      const c: Connection = { uid: '', dn: '', end: relayEnd, provisional: `conn-${++n}`, client };
      relayEnd.receive({ message: (data) => onFrame(c, data) });
      send(c, message(sn, c.provisional, {
        action: 'iq-get', query: 'session-hello', transaction: crypto.randomUUID(),
        description: { version: '1.0', sn, info: 'in-page relay', connected: now() },
      }));
      return client;
    },
    /** Holds what the relay sends to `uid` until release(uid), which delivers it in order. */
    hold(uid: string) { if (!held.has(uid)) held.set(uid, []); },
    release(uid: string) {
      const queue = held.get(uid) ?? [];
      held.delete(uid);
      const c = connections.get(uid);
      if (c) for (const m of queue) c.end.send(m);
    },
    /** What the server does when a connection closes: `uid` leaves every room, the others get `left`. */
    drop(uid: string) {
      const c = connections.get(uid);
      if (!c) return;
      for (const [rid, room] of rooms) {
        if (!room.members.delete(uid)) continue;
        announce(room, rid, c, 'left');
        if (room.members.size === 0) rooms.delete(rid);
      }
    },
    /** Frames the relay received that pass `test`. */
    where: (test: (m: JsongleMessage<any>) => boolean) => received.filter(test),
    close() { for (const c of connections.values()) c.client.close(); },
  };
}
