// The registry's writes, as Lua scripts: each checks the cluster-wide limits, changes the shared
// state and publishes the change on the events channel in one atomic step, so every node sees the
// changes in the order Redis made them.
//
// Keys (prefix `jsongle:`):
//   nodes                 set of node ids that published state
//   lease:<node>          a node's lease (a TTL it refreshes; see lease.ts)
//   conns:<node>          hash cid → JSON [uid, dn]: the connections a node holds
//   user:<uid>            hash cid → node: every connection of a user (connections per user)
//   room:<rid>            hash cid → uid: members of a room
//   kinds                 hash rid → 'room' | 'muc'
//   urooms:<uid>          hash rid → connections of the user in it (rooms per user)
//   joins:<cid>           set of rids a connection is in
//   resume:<id>           hash uid, cid, node, rooms (JSON): a closed connection parked for the grace
//                         (TTL: the grace), or `state` resumed once a new connection claimed it
//   parked:<node>         hash resume id → JSON {cid, uid, dn, rooms}: the connections a node parked
//                         (voided when it dies; what the others need to tell their rooms `left`)
// The scripts build key names from their arguments: they need one Redis (or a primary with
// replicas), not Redis Cluster, whose slots would split a user's keys from a room's.
export const PREFIX = 'jsongle:';
export const EVENTS = `${PREFIX}events`;
export const nodeChannel = (node: string) => `${PREFIX}node:${node}`;
export const leaseKey = (node: string) => `${PREFIX}lease:${node}`;

// Every script's key prefix.
const KEYS = `
local P = '${PREFIX}'
`;

// Shared by leave, remove, reap and restore.
const LEAVE = `${KEYS}
local function leave(cid, uid, rid)
  local room = P .. 'room:' .. rid
  if redis.call('HDEL', room, cid) == 0 then return false end
  local ur = P .. 'urooms:' .. uid
  if redis.call('HINCRBY', ur, rid, -1) <= 0 then redis.call('HDEL', ur, rid) end
  if redis.call('HLEN', room) == 0 then redis.call('HDEL', P .. 'kinds', rid) end
  redis.call('SREM', P .. 'joins:' .. cid, rid)
  return true
end
local function drop(node, cid, uid)
  for _, rid in ipairs(redis.call('SMEMBERS', P .. 'joins:' .. cid)) do leave(cid, uid, rid) end
  redis.call('DEL', P .. 'joins:' .. cid)
  redis.call('HDEL', P .. 'conns:' .. node, cid)
  redis.call('HDEL', P .. 'user:' .. uid, cid)
end
`;

export const SCRIPTS = {
  /** ARGV node cid uid dn max → 1, or 0 when the user holds `max` connections in the cluster already (max -1: no limit). */
  jsongleAdd: `${LEAVE}
local node, cid, uid, dn, max = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
if max >= 0 and redis.call('HLEN', P .. 'user:' .. uid) >= max then return 0 end
redis.call('SADD', P .. 'nodes', node)
redis.call('HSET', P .. 'conns:' .. node, cid, cjson.encode({uid, dn}))
redis.call('HSET', P .. 'user:' .. uid, cid, node)
redis.call('PUBLISH', P .. 'events', cjson.encode({t = 'add', node = node, cid = cid, uid = uid, dn = dn}))
return 1`,

  /** ARGV node cid uid. */
  jsongleRemove: `${LEAVE}
local node, cid, uid = ARGV[1], ARGV[2], ARGV[3]
drop(node, cid, uid)
redis.call('PUBLISH', P .. 'events', cjson.encode({t = 'remove', node = node, cid = cid}))
return 1`,

  /**
   * ARGV node cid uid rid kind maxMembers maxRooms → {'ok'} | {'kind', kind} | {'full', max} | {'rooms', n}.
   * The same checks, in the same order, as MemoryRegistry.join.
   */
  jsongleJoin: `${LEAVE}
local node, cid, uid, rid, kind = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local room = P .. 'room:' .. rid
local k = redis.call('HGET', P .. 'kinds', rid)
if k and k ~= kind then return {'kind', k} end
if redis.call('HEXISTS', room, cid) == 1 then return {'ok'} end
local max = tonumber(ARGV[6])
if kind == 'room' then max = 2 end
if redis.call('HLEN', room) >= max then return {'full', tostring(max)} end
local ur = P .. 'urooms:' .. uid
if redis.call('HEXISTS', ur, rid) == 0 then
  local n = redis.call('HLEN', ur)
  if n >= tonumber(ARGV[7]) then return {'rooms', tostring(n)} end
end
redis.call('HSET', room, cid, uid)
redis.call('HSET', P .. 'kinds', rid, kind)
redis.call('HINCRBY', ur, rid, 1)
redis.call('SADD', P .. 'joins:' .. cid, rid)
redis.call('PUBLISH', P .. 'events', cjson.encode({t = 'join', node = node, cid = cid, rid = rid, kind = kind}))
return {'ok'}`,

  /** ARGV node cid uid rid. */
  jsongleLeave: `${LEAVE}
local node, cid, uid, rid = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if not leave(cid, uid, rid) then return 0 end
redis.call('PUBLISH', P .. 'events', cjson.encode({t = 'leave', node = node, cid = cid, rid = rid}))
return 1`,

  /**
   * ARGV node → 1 when the node's lease had lapsed and its state was removed (and `reap` published).
   * The connections it had parked can no longer resume: `parked` lists them ({cid, uid, dn, rooms}),
   * their calls end and their rooms hear `left`.
   */
  jsongleReap: `${LEAVE}
local node = ARGV[1]
if redis.call('EXISTS', P .. 'lease:' .. node) == 1 then return 0 end
local conns = redis.call('HGETALL', P .. 'conns:' .. node)
for i = 1, #conns, 2 do drop(node, conns[i], cjson.decode(conns[i + 1])[1]) end
redis.call('DEL', P .. 'conns:' .. node)
redis.call('SREM', P .. 'nodes', node)
local parked = {}
local ids = redis.call('HGETALL', P .. 'parked:' .. node)
for i = 1, #ids, 2 do
  local entry = cjson.decode(ids[i + 1])
  local key = P .. 'resume:' .. ids[i]
  if redis.call('HGET', key, 'cid') == entry.cid and not redis.call('HGET', key, 'state') then redis.call('DEL', key) end
  parked[#parked + 1] = entry
end
redis.call('DEL', P .. 'parked:' .. node)
redis.call('PUBLISH', P .. 'events', cjson.encode({t = 'reap', node = node, parked = parked}))
return 1`,

  /** ARGV node id uid cid dn rooms ttl: parks connection `cid` under resume id `id` for `ttl` ms. */
  jsonglePark: `${KEYS}local node, id, uid, cid, dn, rooms, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local key = P .. 'resume:' .. id
redis.call('DEL', key)
redis.call('HSET', key, 'uid', uid, 'cid', cid, 'node', node, 'rooms', rooms)
redis.call('PEXPIRE', key, ttl)
local rids = {}
for _, r in ipairs(cjson.decode(rooms)) do rids[#rids + 1] = r.rid end
redis.call('HSET', P .. 'parked:' .. node, id, cjson.encode({cid = cid, uid = uid, dn = dn, rooms = rids}))
return 1`,

  /**
   * ARGV node id uid cid known keep → {old cid, rooms JSON} | false. Connection `cid` of `uid` takes
   * over the connection parked under `id` (or `known`, the one its own node holds parked, when Redis
   * lost the key); `resumed` tells every node to move the calls it decides over to `cid`. The key
   * stays `keep` ms as resumed, so that the parking node's grace, when it ends, knows.
   */
  jsongleResume: `${KEYS}local node, id, uid, cid, known, keep = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local key = P .. 'resume:' .. id
local old, rooms = known, '[]'
local p = redis.call('HMGET', key, 'uid', 'cid', 'node', 'rooms', 'state')
if p[1] == uid and not p[5] then
  old, rooms = p[2], p[4]
  redis.call('HSET', key, 'state', 'resumed')
  redis.call('PEXPIRE', key, keep)
  redis.call('HDEL', P .. 'parked:' .. p[3], id)
end
if old == '' then return false end
redis.call('PUBLISH', P .. 'events', cjson.encode({t = 'resumed', node = node, id = id, old = old, cid = cid}))
return {old, rooms}`,

  /**
   * ARGV node id cid → 1 when connection `cid`, parked under `id`, was not resumed: `expired` tells
   * the nodes that decide its calls to end them. 0 when a new connection claimed it.
   */
  jsongleExpire: `${KEYS}local node, id, cid = ARGV[1], ARGV[2], ARGV[3]
local key = P .. 'resume:' .. id
redis.call('HDEL', P .. 'parked:' .. node, id)
local p = redis.call('HMGET', key, 'cid', 'state')
if p[2] or (p[1] and p[1] ~= cid) then return 0 end
redis.call('DEL', key)
redis.call('PUBLISH', P .. 'events', cjson.encode({t = 'expired', node = node, cid = cid}))
return 1`,

  /**
   * ARGV node snapshot: makes Redis hold what a node holds (after Redis lost it, after the others
   * reaped a node that was only slow, or after a reconnection that may have lost a write) and
   * publishes the snapshot as it is.
   * snapshot = {"t":"node","node":…,"conns":[[cid, uid, dn, [[rid, kind], …]], …]}
   */
  jsongleRestore: `${LEAVE}
local node = ARGV[1]
local s = cjson.decode(ARGV[2])
redis.call('SADD', P .. 'nodes', node)
-- What Redis still has of this node but the node no longer holds (a remove that never arrived).
local held = {}
for _, c in ipairs(s.conns) do held[c[1]] = true end
local before = redis.call('HGETALL', P .. 'conns:' .. node)
for i = 1, #before, 2 do
  if not held[before[i]] then drop(node, before[i], cjson.decode(before[i + 1])[1]) end
end
for _, c in ipairs(s.conns) do
  local cid, uid = c[1], c[2]
  redis.call('HSET', P .. 'conns:' .. node, cid, cjson.encode({uid, c[3]}))
  redis.call('HSET', P .. 'user:' .. uid, cid, node)
  for _, j in ipairs(c[4]) do
    local rid = j[1]
    if redis.call('HSETNX', P .. 'room:' .. rid, cid, uid) == 1 then
      redis.call('HINCRBY', P .. 'urooms:' .. uid, rid, 1)
    end
    redis.call('HSETNX', P .. 'kinds', rid, j[2])
    redis.call('SADD', P .. 'joins:' .. cid, rid)
  end
end
redis.call('PUBLISH', P .. 'events', ARGV[2])
return 1`,
} as const;
