// A peer that stops reading: the server queues what is relayed to it only up to
// JSONGLE_MAX_BUFFERED_BYTES, then drops it; everyone else is served meanwhile. Exercised for real:
// the slow peer's TCP reader is paused, so the kernel buffers fill and then the server's own queue.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { cleanup, metric, Raw, startServer, text, transportInfo, until } from './helpers.ts';

afterEach(cleanup);

const LIMIT = 64 * 1024; // the smallest JSONGLE_MAX_BUFFERED_BYTES allowed
const FRAME = 32 * 1024; // the candidate of each relayed transport-info (call signaling: relayed, never stored)
/** Sent at most: far beyond what loopback's kernel buffers hold (a few MB) plus the limit. */
const FLOOD_CAP = 32 * 1024 * 1024;
/** One frame per round trip, so that the queue is sampled at every step of its growth. */
const BATCH = 1;
/** The check runs before each frame is queued; frames relayed within one socket read leave together. */
const SLACK = 4 * FRAME;

test('a peer that stops reading is dropped once JSONGLE_MAX_BUFFERED_BYTES is queued for it; the queue never grows past it', async () => {
  const server = await startServer({ maxBufferedBytes: LIMIT, rateLimit: 1_000_000, rateBurst: 1_000_000 });
  const slow = await Raw.registered(server, 'slow');
  const fast = await Raw.registered(server, 'fast');
  const socket = (slow.ws as unknown as { _socket: Socket })._socket;
  socket.pause(); // slow reads nothing more: its kernel buffer, then the server's, fill up

  let sent = 0;
  let largest = 0;
  let dropped = 0;
  const candidate = `candidate:1 1 udp 1 10.0.0.1 5000 typ host ${'x'.repeat(FRAME)}`;
  while (sent < FLOOD_CAP) {
    for (let i = 0; i < BATCH; i++) {
      fast.send(transportInfo('fast', 'slow', 'sid-flood', candidate));
      sent += FRAME;
    }
    // A request on the same connection: once it is answered, the server has handled the batch.
    await fast.request('session-nothing', {});
    largest = Math.max(largest, (await metric(server, 'jsongle_send_queue_max_bytes'))!);
    dropped = (await metric(server, 'jsongle_slow_peers_dropped_total'))!;
    if (dropped > 0 || largest > LIMIT + SLACK) break;
  }
  assert.equal(dropped, 1, `the slow peer was dropped (after ${sent} bytes sent to it; largest queue ${largest} bytes)`);
  assert.ok(largest <= LIMIT + SLACK, `the server held at most ${LIMIT} + ${SLACK} bytes for it (largest queue seen: ${largest})`);
  assert.ok(largest > 0, 'the queue was seen filling');

  // Once slow reads again it finds its connection cut (no close handshake), after what the kernel held.
  socket.resume();
  assert.equal((await slow.closed).code, 1006);
  await until(async () => (await metric(server, 'jsongle_connections')) === 1, 3000, 'the server forgetting the slow peer');
  // fast was never disturbed: others still reach it.
  const other = await Raw.registered(server, 'other');
  const m = text('other', 'fast', 'still served');
  other.send(m);
  await fast.next((x) => x.id === m.id, 2000, 'a text to fast after the drop');
});
