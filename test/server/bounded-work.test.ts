// Every frame costs bounded work: the worst shapes we could find (many '/' in `to`, long ids, the
// deepest nesting allowed, the most JSON values allowed, the largest frame, fanned out to a full
// room) each cost under 1 ms of server CPU (per delivery, for a frame fanned out to a room). CPU, not wall clock: process.cpuUsage() of this process,
// where the server runs, around a batch of frames, divided by the frames of the batch; the clients
// run in a child process (test/server/clients/shapes.ts).
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Child, cleanup, startServer } from './helpers.ts';

afterEach(cleanup);

const FRAMES = 10;

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
  const { shapes } = await clients.next('ready');
  for (const name of shapes as string[]) await batch(clients, name); // warm-up: the code paths compiled
  // The least of two batches: CPU time inflates when other processes share the cores.
  const figures: Record<string, number> = {};
  for (let round = 0; round < 2; round++) {
    for (const name of shapes as string[]) figures[name] = Math.min(figures[name] ?? Infinity, await batch(clients, name));
  }
  // A frame to the full room is delivered 9 times: its bound is per delivery (9 deliveries per frame).
  const bounded = Object.fromEntries(Object.entries(figures).map(([name, ms]) => [name, name.includes('full room') ? ms / 9 : ms]));
  console.log(`server CPU ms per frame: ${JSON.stringify(figures, null, 1)}`);
  for (const [name, ms] of Object.entries(bounded)) assert.ok(ms < 1, `${name}: ${ms.toFixed(3)} ms of CPU per ${name.includes('full room') ? 'delivery' : 'frame'}`);
});
