// The single-node suites (signaling, errors), each server now a node on the Redis registry: the
// handlers must not be able to tell the backends apart.
import { after, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { cleanup, startRedis } from './cluster-helpers.ts';
import { serverDefaults } from './helpers.ts';

const redis = await startRedis();
Object.assign(serverDefaults, { redisUrl: redis.url, nodeLease: 1500 });
after(cleanup);
beforeEach(() => redis.flush());
await import('./signaling.test.ts');
await import('./errors.test.ts');

test('those scenarios ran on Redis: registrations and joins went through its scripts', async () => {
  const admin = new Redis(redis.url);
  try {
    const calls = Number(/cmdstat_evalsha:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
    assert.ok(calls > 50, `the registry scripts ran ${calls} times`);
  } finally {
    admin.disconnect();
  }
});
