// The Redis message store on a real redis-server: the MessageStore contract, the keys it leaves
// behind, and a clear StoreError when Redis cannot be reached.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisStore } from '../../server/store/redis.ts';
import { StoreError } from '../../server/store/store.ts';
import { cleanup, startRedis, type TestRedis } from './cluster-helpers.ts';
import { messageStoreContract } from './store-contract.ts';

let redis: TestRedis;
let admin: Redis;
before(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
after(async () => {
  admin.disconnect();
  await cleanup();
});

messageStoreContract('Redis', async () => {
  await admin.flushdb();
  return new RedisStore({ url: redis.url });
});

test('RedisStore: entries expired leave no key behind', async () => {
  await admin.flushdb();
  const store = new RedisStore({ url: redis.url });
  try {
    for (let i = 0; i < 3; i++) {
      await store.append({ kind: 'message', conversation: 'r:x', sender: 'a', id: `k${i}`, recipient: i ? 'b' : '', sent: 1000 + i, frame: '{}' });
    }
    assert.equal(await store.expire({ olderThan: 10_000, maxPerConversation: 100, limit: 100 }), 3);
    assert.deepEqual((await admin.keys('jsongle:msg:*')).sort(), ['jsongle:msg:seq'], 'only the sequence stays');
  } finally {
    await store.close();
  }
});

test('RedisStore: Redis unreachable → StoreError naming the operation', async () => {
  const store = new RedisStore({ url: 'redis://127.0.0.1:1/0' });
  try {
    await assert.rejects(store.append({ kind: 'message', conversation: 'r:x', sender: 'a', id: 'z', recipient: '', sent: 1, frame: '{}' }),
      (e: Error) => e instanceof StoreError && /append failed/.test(e.message));
  } finally {
    await store.close();
  }
});
