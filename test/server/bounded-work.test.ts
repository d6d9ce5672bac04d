// Every frame costs bounded work: the worst shapes we could find (many '/' in `to`, long ids, the
// deepest nesting allowed, the most JSON values allowed, the largest frame, fanned out to a full
// room) each cost under 1 ms of server CPU (per delivery, for a frame fanned out to a room). CPU,
// not wall clock: process.cpuUsage() of this process, where the server runs, around a batch of
// frames, divided by the frames of the batch; the clients run in a child process
// (test/server/clients/shapes.ts). On a machine so loaded that the honest largest frame (64 KB of
// text to one peer: ws unmasking and checking it, the parse, one delivery) itself costs over 0.5 ms,
// the bound is twice that frame's cost instead: what a shape may not do is cost more than its size.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Child, cleanup, startServer } from './helpers.ts';

afterEach(cleanup);

const FRAMES = 10;
const HONEST = 'honest: largest frame to one peer';

/** Server CPU ms per frame of a batch of `shape`. */
async function batch(clients: Child, shape: string) {
  const cpu = process.cpuUsage();
  clients.send({ run: shape });
  const done = await clients.next('done');
  const used = process.cpuUsage(cpu);
  assert.ok(done.open, `${shape}: the sender is still connected`);
  return (used.user + used.system) / FRAMES / 1000;
}

test('the worst frames cost under 1 ms of server CPU each', async () => {
  const server = await startServer({ rateLimit: 100_000, rateBurst: 100_000, maxMucMembers: 10 });
  const clients = new Child('shapes.ts', [server.wsUrl, String(FRAMES)]);
  const { shapes, deliveries } = await clients.next('ready');
  for (const name of shapes as string[]) await batch(clients, name); // warm-up: the code paths compiled
  // The least of three batches: CPU time inflates when other processes share the cores.
  const figures: Record<string, number> = {};
  for (let round = 0; round < 3; round++) {
    for (const name of shapes as string[]) figures[name] = Math.min(figures[name] ?? Infinity, await batch(clients, name));
  }
  const bound = Math.max(1, 2 * figures[HONEST]);
  console.log(`server CPU ms per frame: ${JSON.stringify(figures, null, 1)}; bound per frame (per delivery to a room): ${bound.toFixed(3)} ms`);
  for (const [name, ms] of Object.entries(figures)) {
    const per = deliveries[name] > 1 ? ms / deliveries[name] : ms;
    assert.ok(per < bound, `${name}: ${per.toFixed(3)} ms of CPU per ${deliveries[name] > 1 ? 'delivery' : 'frame'} (bound ${bound.toFixed(3)} ms)`);
  }
});
