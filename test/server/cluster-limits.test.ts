// The per-user connection limit counted cluster-wide, atomically in Redis: devices of one user on
// three nodes, at once, released on close and when a node dies.
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { cleanup as cleanupAll, spawnNode, startNodes, startRedis, type TestRedis } from './cluster-helpers.ts';
import { cleanup, Raw, until } from './helpers.ts';

let redis: TestRedis;
before(async () => { redis = await startRedis(); });
after(cleanupAll);
afterEach(cleanup);
beforeEach(() => redis.flush());

/** Answers the hello as `uid`: 'ok', or the error code of the refusal. */
async function hello(node: { wsUrl: string }, uid: string): Promise<{ raw: Raw; outcome: string | number }> {
  const raw = await Raw.open(node.wsUrl);
  try {
    await raw.register(uid);
    return { raw, outcome: 'ok' };
  } catch {
    const error = await raw.next((m) => m.jsongle.action === 'session-error');
    return { raw, outcome: error.jsongle.description.errorCode };
  }
}

const count = async (uid: string) => {
  const admin = new Redis(redis.url);
  try { return await admin.hlen(`jsongle:user:${uid}`); } finally { admin.disconnect(); }
};

test('JSONGLE_MAX_CONNECTIONS_PER_USER across nodes: hellos at once on three nodes, two win; a close frees a place', async () => {
  const nodes = await startNodes(redis, 3, { maxConnectionsPerUser: 2 });
  const tries = await Promise.all(nodes.map((n) => hello(n, 'alice')));
  assert.deepEqual(tries.map((t) => t.outcome).sort(), [429002, 'ok', 'ok'].sort(), 'one refused, wherever it landed');
  assert.equal(await count('alice'), 2);
  // Later, on any node: still refused.
  for (const n of nodes) assert.equal((await hello(n, 'alice')).outcome, 429002);
  // One device goes: its place is free on another node.
  const kept = tries.filter((t) => t.outcome === 'ok');
  kept[0].raw.ws.close();
  await until(async () => (await count('alice')) === 1, 3000, 'the closed connection released in Redis');
  const free = nodes.find((_n, i) => tries[i] !== kept[0])!;
  assert.equal((await hello(free, 'alice')).outcome, 'ok');
  assert.equal((await hello(nodes[0], 'alice')).outcome, 429002);
});

test('a node dies: its connections give their places back within the lease', async () => {
  const doomed = await spawnNode(redis, { JSONGLE_MAX_CONNECTIONS_PER_USER: '2' });
  const [n2, n3] = await startNodes(redis, 2, { maxConnectionsPerUser: 2 });
  assert.equal((await hello(doomed, 'alice')).outcome, 'ok');
  assert.equal((await hello(n2, 'alice')).outcome, 'ok');
  assert.equal((await hello(n3, 'alice')).outcome, 429002);
  await doomed.kill();
  await until(async () => (await count('alice')) === 1, 3000, 'the dead node\'s connection released');
  assert.equal((await hello(n3, 'alice')).outcome, 'ok');
});
