// Floods: a connection whose rate bucket is empty is not read (socket backpressure) until tokens
// return; it hears 429001 at most once a second; over the limit for JSONGLE_FLOOD_CLOSE seconds it is
// closed with 1008; the bucket is shared by all connections of a user; nothing honest is lost.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { measure } from '../../bench/flood.ts';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { cleanup, connectClient, isError, Raw, startServer, text, waitFor } from './helpers.ts';

afterEach(cleanup);

/** A counter of the server's /metrics, summed over the lines that contain `label`. */
async function metric(server: { url: string }, name: string, label = ''): Promise<number> {
  const body = await (await fetch(`${server.url}/metrics`)).text();
  return body.split('\n').filter((l) => l.startsWith(name) && l.includes(label)).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

test('a flood is not read: frames handled at the rate, one 429001 a second, closed with 1008 after JSONGLE_FLOOD_CLOSE', async () => {
  const server = await startServer({ rateLimit: 20, rateBurst: 5, floodClose: 2 });
  const flood = await Raw.registered(server, 'flood');
  const frames = 20_000;
  const started = performance.now();
  for (let i = 0; i < frames; i++) flood.ws.send(`garbage ${i}`); // each read would get 400002
  const { code } = await flood.closed;
  const seconds = (performance.now() - started) / 1000;
  assert.equal(code, 1008);
  const handled = flood.received.filter(isError(ERROR_CODE.NOT_JSONGLE)).length;
  const warned = flood.received.filter(isError(ERROR_CODE.RATE_LIMITED)).length;
  const read = await metric(server, 'jsongle_bytes_received_total');
  const sent = Array.from({ length: frames }, (_, i) => `garbage ${i}`.length).reduce((a, b) => a + b, 0);
  console.log(`flood: ${frames} frames sent (${sent} B), ${read} B read by the server, ${handled} handled, ${warned} × 429001, closed with ${code} after ${seconds.toFixed(2)} s`);
  assert.ok(handled <= 5 + 20 * (seconds + 1), `frames handled at the rate: ${handled} in ${seconds.toFixed(2)} s`);
  assert.ok(warned >= 1 && warned <= Math.ceil(seconds) + 1, `429001 at most once a second: ${warned} in ${seconds.toFixed(2)} s`);
  assert.ok(read < sent / 2, `most of the flood was never read: ${read} of ${sent} bytes`);
  assert.equal(await metric(server, 'jsongle_errors_total', 'code="1008"'), 1);
});

test('an honest burst over the limit is slowed, not lost: every message arrives, in order', async () => {
  const server = await startServer({ rateLimit: 20, rateBurst: 5 });
  const alice = await connectClient(server, 'alice');
  const bob = await connectClient(server, 'bob');
  const got: string[] = [];
  bob.on('messagereceived', (c) => got.push(c.description.content));
  const warned = waitFor(alice, 'error', (e) => e.code === 'session-error' && e.detail.errorCode === ERROR_CODE.RATE_LIMITED);
  const sent = Array.from({ length: 30 }, (_, i) => `burst ${i}`);
  for (const m of sent) alice.send('bob', m);
  const [warning] = await warned;
  assert.equal(warning.detail.mid, undefined, 'no message is refused: 429001 names none');
  await waitFor(bob, 'messagereceived', (c) => c.description.content === 'burst 29', 5000);
  assert.deepEqual(got, sent);
});

test('the bucket is shared by all connections of a user', async () => {
  const server = await startServer({ rateLimit: 1, rateBurst: 3 });
  const bob = await Raw.registered(server, 'bob');
  const first = await Raw.registered(server, 'alice');
  const second = await Raw.registered(server, 'alice');
  for (let i = 0; i < 3; i++) first.send(text('x', 'bob', `first ${i}`));
  for (let i = 0; i < 3; i++) await bob.next((m) => m.jsongle.description?.content === `first ${i}`);
  // The user's 3 tokens are spent: its other connection has none either.
  const late = text('x', 'bob', 'from the second connection');
  second.send(late);
  const warning = await second.next((m) => m.jsongle.action === 'session-error' || m.id === late.id);
  assert.equal(warning.jsongle.description.errorCode, ERROR_CODE.RATE_LIMITED);
  await bob.next((m) => m.id === late.id, 3000); // then delivered, once a token is back
  // Nor does a new connection after the others closed: the bucket outlives them until it refills.
  first.ws.close();
  second.ws.close();
  await Promise.all([first.closed, second.closed]);
  const third = await Raw.registered(server, 'alice');
  // A fresh bucket would take all 3 at once; the kept one has refilled by at most one a second.
  for (let i = 0; i < 3; i++) third.send(text('x', 'bob', `after reconnecting ${i}`));
  await third.next(isError(ERROR_CODE.RATE_LIMITED), 3000);
});

test('another pair during a full-speed flood from one client: latency figures (printed), flood held at the rate', async () => {
  const figures = await measure(150);
  console.log(`flood figures: ${JSON.stringify(figures)}`);
  const { flood } = figures;
  // The mechanism: the flooder's frames are relayed at the rate limit, not read beyond it (each
  // flood phase is a new connection: its burst, and a second's slack).
  const allowed = flood.rateLimit * flood.seconds + flood.phases * (flood.rateLimit + flood.rateBurst);
  assert.ok(flood.relayed <= allowed, `relayed at the rate: ${flood.relayed} in ${flood.seconds} s over ${flood.phases} floods`);
  assert.ok(flood.rateErrors <= Math.ceil(flood.seconds) + 3 * flood.phases, `429001 at most once a second: ${flood.rateErrors} in ${flood.seconds} s`);
  assert.ok(flood.written > flood.relayed, 'the flooder wrote more than the rate');
  assert.ok(flood.bytesRead < flood.bytesWritten, `the server did not read the whole flood: ${flood.bytesRead} of ${flood.bytesWritten} bytes`);
});
