// The message store in Redis, for several nodes (JSONGLE_REDIS_URL): the cluster needs nothing but
// Redis. Each conversation is a sorted set of entry numbers (score = seq), capped and aged by
// `expire`; each entry a hash. Every method is one Lua script (or a script and a read of the
// entries it names), so a change is atomic across nodes; the commands of one node go down one
// connection in order, so appends settle in the order they were made.
//
// Keys (prefix `jsongle:msg:`):
//   seq              the store-wide sequence
//   e:<seq>          hash: k kind, c conversation, s sender, i id, r recipient, t sent, f frame, st state (0..2), d delivered (0/1)
//   key              hash "<sender>\n<id>" → seq (idempotent appends, setState)
//   c:<conversation> sorted set of seqs (history)
//   ci:<conversation> hash id → seq (history's `before: { id }`)
//   p:<uid>          sorted set of the seqs pending for a user
//   sent             sorted set of seqs by `sent` (retention by age)
//   sizes            sorted set conversation → entries (retention by count)
import { Redis } from 'ioredis';
import {
  STORED_STATES, StoreError, type Appended, type ExpireQuery, type MessageStore, type NewEntry, type PageQuery, type StoredEntry, type StoredState,
} from './store.ts';

const HEAD = `local P = 'jsongle:msg:'
local function drop(seq)
  local e = P .. 'e:' .. seq
  local f = redis.call('HMGET', e, 'c', 's', 'i', 'r')
  if not f[1] then return 0 end
  local c, s, i, r = f[1], f[2], f[3], f[4]
  redis.call('DEL', e)
  redis.call('HDEL', P .. 'key', s .. '\\n' .. i)
  redis.call('ZREM', P .. 'c:' .. c, seq)
  if redis.call('HGET', P .. 'ci:' .. c, i) == seq then redis.call('HDEL', P .. 'ci:' .. c, i) end
  if r ~= '' then redis.call('ZREM', P .. 'p:' .. r, seq) end
  redis.call('ZREM', P .. 'sent', seq)
  if redis.call('ZINCRBY', P .. 'sizes', -1, c) + 0 <= 0 then redis.call('ZREM', P .. 'sizes', c) end
  return 1
end
local function entry(seq)
  local h = redis.call('HGETALL', P .. 'e:' .. seq)
  table.insert(h, 1, seq)
  return h
end
`;

const SCRIPTS = {
  /** ARGV kind conversation sender id recipient sent frame → {1, entry} (duplicate) | {0, seq}. */
  storeAppend: `${HEAD}
local key = ARGV[3] .. '\\n' .. ARGV[4]
local old = redis.call('HGET', P .. 'key', key)
if old then return {1, entry(old)} end
local seq = tostring(redis.call('INCR', P .. 'seq'))
local delivered = '1'
if ARGV[5] ~= '' then delivered = '0' end
redis.call('HSET', P .. 'e:' .. seq, 'k', ARGV[1], 'c', ARGV[2], 's', ARGV[3], 'i', ARGV[4], 'r', ARGV[5], 't', ARGV[6], 'f', ARGV[7], 'st', '0', 'd', delivered)
redis.call('HSET', P .. 'key', key, seq)
redis.call('ZADD', P .. 'c:' .. ARGV[2], seq, seq)
redis.call('HSET', P .. 'ci:' .. ARGV[2], ARGV[4], seq)
if ARGV[5] ~= '' then redis.call('ZADD', P .. 'p:' .. ARGV[5], seq, seq) end
redis.call('ZADD', P .. 'sent', ARGV[6], seq)
redis.call('ZINCRBY', P .. 'sizes', 1, ARGV[2])
return {0, seq}`,

  /** ARGV conversation mode ('' | 'id' | 'time') value limit → entries, newest first. */
  storePage: `${HEAD}
local z, mode, value, limit = P .. 'c:' .. ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local top = '+inf'
if mode == 'id' then
  local s = redis.call('HGET', P .. 'ci:' .. ARGV[1], value)
  if not s then return {} end
  top = '(' .. s
end
local out, offset = {}, 0
while #out < limit do
  local batch = redis.call('ZREVRANGEBYSCORE', z, top, '-inf', 'LIMIT', offset, 100)
  if #batch == 0 then break end
  for _, seq in ipairs(batch) do
    local f = redis.call('HMGET', P .. 'e:' .. seq, 'k', 't')
    if f[1] and f[1] ~= 'receipt' and (mode ~= 'time' or tonumber(f[2]) < tonumber(value)) then
      out[#out + 1] = entry(seq)
      if #out >= limit then break end
    end
  end
  offset = offset + #batch
end
return out`,

  /** ARGV uid limit → pending entries, oldest first. */
  storePending: `${HEAD}
local out = {}
for _, seq in ipairs(redis.call('ZRANGE', P .. 'p:' .. ARGV[1], 0, tonumber(ARGV[2]) - 1)) do out[#out + 1] = entry(seq) end
return out`,

  /** ARGV recipient seq… */
  storeDelivered: `${HEAD}
for n = 2, #ARGV do
  local e = P .. 'e:' .. ARGV[n]
  if redis.call('HGET', e, 'r') == ARGV[1] then
    redis.call('HSET', e, 'd', '1')
    redis.call('ZREM', P .. 'p:' .. ARGV[1], ARGV[n])
  end
end
return 1`,

  /** ARGV sender id state checkRecipient recipient → entry | false. */
  storeSetState: `${HEAD}
local seq = redis.call('HGET', P .. 'key', ARGV[1] .. '\\n' .. ARGV[2])
if not seq then return false end
local e = P .. 'e:' .. seq
local f = redis.call('HMGET', e, 'k', 'r', 'st', 'd')
if f[1] ~= 'message' then return false end
if ARGV[4] == '1' and f[2] ~= ARGV[5] then return false end
local n = math.max(tonumber(f[3]), tonumber(ARGV[3]))
local d = f[4]
if n > 0 then d = '1' end
if n ~= tonumber(f[3]) or d ~= f[4] then
  redis.call('HSET', e, 'st', tostring(n), 'd', d)
  if d == '1' and f[2] ~= '' then redis.call('ZREM', P .. 'p:' .. f[2], seq) end
end
return entry(seq)`,

  /** ARGV olderThan maxPerConversation limit → entries deleted. */
  storeExpire: `${HEAD}
local limit, max = tonumber(ARGV[3]), tonumber(ARGV[2])
local left = limit
for _, seq in ipairs(redis.call('ZRANGEBYSCORE', P .. 'sent', '-inf', '(' .. ARGV[1], 'LIMIT', 0, left)) do left = left - drop(seq) end
if left > 0 then
  for _, c in ipairs(redis.call('ZRANGEBYSCORE', P .. 'sizes', '(' .. max, '+inf', 'LIMIT', 0, 100)) do
    if left <= 0 then break end
    local n = tonumber(redis.call('ZSCORE', P .. 'sizes', c))
    local trim = math.min(left, n - max)
    for _, seq in ipairs(redis.call('ZRANGE', P .. 'c:' .. c, 0, trim - 1)) do left = left - drop(seq) end
  end
end
return limit - left`,
} as const;

type Scripted = Redis & Record<keyof typeof SCRIPTS, (...args: (string | number)[]) => Promise<unknown>>;

/** [seq, field, value, field, value…] → the entry. */
function toEntry(flat: string[]): StoredEntry {
  const h: Record<string, string> = {};
  for (let i = 1; i < flat.length; i += 2) h[flat[i]] = flat[i + 1];
  return {
    seq: Number(flat[0]), kind: h.k as StoredEntry['kind'], conversation: h.c, sender: h.s, id: h.i, recipient: h.r,
    sent: Number(h.t), frame: h.f, state: STORED_STATES[Number(h.st)] ?? 'stored', delivered: h.d === '1',
  };
}

export interface RedisStoreOptions {
  url: string;
}

export class RedisStore implements MessageStore {
  readonly #redis: Scripted;

  constructor(o: RedisStoreOptions) {
    // A store call fails fast while Redis is away (the server answers 503001; the client's outbox
    // sends again), rather than waiting in ioredis's queue for a reconnection.
    this.#redis = new Redis(o.url, { maxRetriesPerRequest: 1, connectionName: 'jsongle-store' }) as Scripted;
    this.#redis.on('error', () => { /* each failed call rejects with a StoreError; ioredis reconnects */ });
    for (const [name, lua] of Object.entries(SCRIPTS)) this.#redis.defineCommand(name, { numberOfKeys: 0, lua });
  }

  async #call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw new StoreError(`Message store: ${what} failed: ${(e as Error)?.message ?? e}`);
    }
  }

  append(entry: NewEntry): Promise<Appended> {
    return this.#call('append', async () => {
      const [dup, value] = (await this.#redis.storeAppend(entry.kind, entry.conversation, entry.sender, entry.id, entry.recipient, entry.sent, entry.frame)) as [number, string | string[]];
      if (dup) return { entry: toEntry(value as string[]), duplicate: true };
      return { entry: { ...entry, seq: Number(value), state: 'stored' as const, delivered: entry.recipient === '' }, duplicate: false };
    });
  }

  page(conversation: string, query: PageQuery): Promise<StoredEntry[]> {
    const b = query.before;
    const [mode, value] = !b ? ['', ''] : 'id' in b ? ['id', b.id] : ['time', String(b.time)];
    return this.#call('history', async () => ((await this.#redis.storePage(conversation, mode, value, query.limit)) as string[][]).map(toEntry).reverse());
  }

  pending(uid: string, limit: number): Promise<StoredEntry[]> {
    return this.#call('pending', async () => ((await this.#redis.storePending(uid, limit)) as string[][]).map(toEntry));
  }

  async markDelivered(recipient: string, seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.#call('delivery', () => this.#redis.storeDelivered(recipient, ...seqs));
  }

  setState(sender: string, id: string, state: StoredState, recipient?: string): Promise<StoredEntry | undefined> {
    return this.#call('receipt', async () => {
      const flat = (await this.#redis.storeSetState(sender, id, STORED_STATES.indexOf(state), recipient === undefined ? '0' : '1', recipient ?? '')) as string[] | null;
      return flat ? toEntry(flat) : undefined;
    });
  }

  expire(query: ExpireQuery): Promise<number> {
    return this.#call('retention', async () => Number(await this.#redis.storeExpire(query.olderThan, query.maxPerConversation, query.limit)));
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
