// The WebSocket transport against the real server: the hello gate, reconnection with backoff after a
// server restart on the same port, and the queue of messages sent while disconnected.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { JSONgle } from '../../src/client.ts';
import { backoffDelay } from '../../src/transport/backoff.ts';
import { createWebSocketTransport } from '../../src/transport/websocket.ts';
import { createServer, type JsongleServer } from '../../server/index.ts';
import { connect } from '../core/helpers.ts';
import { cleanup, connectClient, sleep, startServer, tempDir, until, waitFor } from './helpers.ts';

afterEach(cleanup);

/** A `ws` WebSocket whose connections go nowhere while `gate.open` is false; counts attempts. */
function gated() {
  const gate = { open: true, attempts: [] as number[] };
  class GatedWebSocket extends WebSocket {
    constructor(url: string) {
      gate.attempts.push(Date.now());
      super(gate.open ? url : 'ws://127.0.0.1:1/ws');
    }
  }
  return { gate, WebSocket: GatedWebSocket };
}

/** Timers the test advances itself: what the transport scheduled, in order. */
function manualClock() {
  let handles = 0;
  const pending: { handle: number; ms: number; fn: () => void }[] = [];
  return {
    pending,
    setTimeout(fn: () => void, ms: number) { pending.push({ handle: ++handles, ms, fn }); return handles; },
    clearTimeout(handle: unknown) { const i = pending.findIndex((t) => t.handle === handle); if (i >= 0) pending.splice(i, 1); },
    /** Fires the earliest timer, as if its time had come. */
    advance() { pending.shift()!.fn(); },
  };
}

const users = async (server: JsongleServer) => ((await (await fetch(`${server.url}/healthz`)).json()) as any).users as number;

test('backoff: first retry within 0.5–1.5 s, growing, never above 20 s, jittered at the cap', () => {
  assert.equal(backoffDelay(0, { random: () => 0 }), 500);
  assert.equal(backoffDelay(0, { random: () => 0.999999 }).toFixed(0), '1500');
  assert.ok(backoffDelay(3, { random: () => 0 }) > backoffDelay(1, { random: () => 0.999 }) / 2);
  for (const attempt of [5, 10, 50, 1000]) {
    assert.ok(backoffDelay(attempt, { random: () => 0.999999 }) <= 20000);
    assert.ok(backoffDelay(attempt, { random: () => 0 }) >= 6666);
  }
});

test('messages sent before the hello is answered wait for it, then go in order', async () => {
  const server = await startServer();
  const bob = await connectClient(server, 'bob');
  const got: string[] = [];
  bob.on('messagereceived', (c) => got.push(c.description.content));
  const alice = new JSONgle({ transport: createWebSocketTransport({ url: server.wsUrl, WebSocket }), user: { uid: 'alice' } });
  try {
    const errors: unknown[] = [];
    alice.on('error', (e) => errors.push(e));
    for (const n of [1, 2, 3]) alice.send('bob', `early ${n}`); // the socket is not even open yet
    await until(() => got.length === 3);
    assert.deepEqual(got, ['early 1', 'early 2', 'early 3']);
    assert.deepEqual(errors, []);
  } finally {
    alice.close();
  }
});

test('reconnects after the server restarts on the same port; messages sent meanwhile arrive once, in order', async () => {
  const dataDir = tempDir();
  const first = await createServer({ port: 0, host: '127.0.0.1', logLevel: 'none', dataDir });
  const port = first.port;
  let second: JsongleServer | undefined;
  try {
    const bob = await connectClient(first, 'bob');
    const { gate, WebSocket: Gated } = gated();
    const alice = await connectClient(first, 'alice', 'Alice', { WebSocket: Gated, backoff: { base: 60, cap: 200 } });
    const aliceStates: string[] = [];
    alice.on('connectionstatechanged', (s) => aliceStates.push(s));
    const got: string[] = [];
    bob.on('messagereceived', (c) => got.push(c.description.content));

    await first.close();
    await until(() => alice.transport.state === 'reconnecting' && bob.transport.state === 'reconnecting', 2000, 'both reconnecting');
    gate.open = false; // alice stays away until bob is back, so that her queue has someone to reach
    for (let i = 1; i <= 5; i++) alice.send('bob', `while down ${i}`);

    second = await createServer({ port, host: '127.0.0.1', logLevel: 'none', dataDir });
    await until(async () => (await users(second!)) === 1, 3000, 'bob registered again');
    gate.open = true;
    await until(() => got.length >= 5, 3000, 'the queued messages arrived');
    alice.send('bob', 'after');
    await until(() => got.length >= 6, 2000, 'a message after reconnection arrived');
    await sleep(200);
    assert.deepEqual(got, ['while down 1', 'while down 2', 'while down 3', 'while down 4', 'while down 5', 'after']);
    assert.deepEqual(aliceStates, ['reconnecting', 'open']);
    assert.equal(await users(second), 2);
  } finally {
    await first.close();
    await second?.close();
  }
});

test('an active call outlives a signaling restart: mute and hang-up still reach the peer', async () => {
  const dataDir = tempDir();
  const first = await createServer({ port: 0, host: '127.0.0.1', logLevel: 'none', dataDir });
  let second: JsongleServer | undefined;
  try {
    const quick = { backoff: { base: 60, cap: 200 } };
    const alice = await connectClient(first, 'alice', 'Alice', quick);
    const bob = await connectClient(first, 'bob', 'Bob', quick);
    const { callerCall: call, calleeCall: bobCall } = await connect(alice, bob, 'bob', 'audio');

    // The server goes away (its call records with it) and comes back; the media, peer to peer,
    // would not notice: the call must go on. Each reconnection starts with a new hello:
    // `registered` fires again once it is answered.
    const back = Promise.all([waitFor(alice, 'registered', () => true, 5000), waitFor(bob, 'registered', () => true, 5000)]);
    await first.close();
    second = await createServer({ port: first.port, host: '127.0.0.1', logLevel: 'none', dataDir });
    await back;
    assert.equal(call.state, 'active');
    assert.equal(bobCall.state, 'active');
    const muted = waitFor(bob, 'callmuted');
    alice.muteAudio();
    await muted;
    assert.deepEqual(bobCall.remoteMuted, { audio: true, video: false });
    const ended = waitFor(bob, 'callended');
    alice.end();
    await ended;
    assert.equal(bobCall.reason, 'terminated');
  } finally {
    await first.close();
    await second?.close();
  }
});

test('default backoff: each retry waits its drawn delay on the transport\'s clock (first 0.5–1.5 s, then growing); close() cancels the pending one', async () => {
  const dataDir = tempDir();
  const server = await createServer({ port: 0, host: '127.0.0.1', logLevel: 'none', dataDir });
  const { gate, WebSocket: Gated } = gated();
  const clock = manualClock();
  const draws = [0, 0.999999, 0.5];
  const random = () => draws.shift() ?? 0.5;
  const client = new JSONgle({ transport: createWebSocketTransport({ url: server.wsUrl, WebSocket: Gated, backoff: { random, timers: clock } }), user: { uid: 'a' } });
  const states: string[] = [];
  client.on('connectionstatechanged', (s) => states.push(s));
  try {
    await waitFor(client, 'registered');
    gate.open = false;
    await server.close();
    // Attempt 0 with the default base (1 s): the window is [500, 1500] ms; the draw 0 gives its start.
    await until(() => clock.pending.length === 1, 2000, 'a retry scheduled after the loss');
    assert.equal(clock.pending[0].ms, 500);
    assert.equal(gate.attempts.length, 1, 'no retry before its time comes');
    clock.advance();
    assert.equal(gate.attempts.length, 2, 'the retry when its time comes');
    // That attempt fails (the gate is shut): attempt 1's window is [1000, 3000] ms, the draw ~1 its end.
    await until(() => clock.pending.length === 1, 2000, 'the next retry scheduled after the failed one');
    assert.equal(Math.round(clock.pending[0].ms), 3000);
    clock.advance();
    await until(() => clock.pending.length === 1, 2000, 'a third retry scheduled');
    assert.equal(clock.pending[0].ms, backoffDelay(2, { random: () => 0.5 }), 'attempt 2: the middle of [2000, 6000] ms');
    assert.equal(clock.pending[0].ms, 4000);
    const attempts = gate.attempts.length;
    client.close();
    assert.deepEqual(clock.pending, [], 'close() cancelled the pending retry');
    assert.equal(gate.attempts.length, attempts, 'no retry after close()');
    assert.equal(client.transport.state, 'closed');
    assert.deepEqual(states.slice(0, 3), ['open', 'reconnecting', 'closed']);
    assert.deepEqual(draws, [], 'one random draw per retry');
  } finally {
    client.close();
    await server.close();
  }
});

test('with reconnect: false a lost connection closes the transport, and send() throws a transport error', async () => {
  const server = await startServer();
  const alice = await connectClient(server, 'alice', 'Alice', { maxQueue: 3, reconnect: false });
  await server.close();
  await until(() => alice.transport.state === 'closed');
  // Not reconnecting: the transport refuses at once.
  assert.throws(() => alice.send('bob', 'x'), { code: 'transport' });
});

test('a queue over its bound throws while reconnecting', async () => {
  const server = await startServer();
  const alice = await connectClient(server, 'alice', 'Alice', { maxQueue: 3, backoff: { base: 5000 } });
  await server.close();
  await until(() => alice.transport.state === 'reconnecting');
  // Texts wait in the outbox (src/chat/outbox.ts); other messages in the transport's queue.
  for (let i = 0; i < 3; i++) alice.isTyping(i % 2 === 0, 'bob');
  assert.throws(() => alice.isTyping(true, 'bob'), { code: 'transport' });
});
