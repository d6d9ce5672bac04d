// What one address can hold: silent sockets destroyed at the hello deadline, a cap per address
// (JSONGLE_MAX_CONNECTIONS_PER_IP, X-Forwarded-For only behind JSONGLE_TRUST_PROXY), and an honest
// client that still connects while 10,000 silent sockets come from one other address.
// Loopback only: the attacker's sockets come from 127.0.0.2, the honest client from 127.0.0.1.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { cleanup, connectClient, Raw, sleep, startServer, until } from './helpers.ts';

afterEach(cleanup);

/** A socket from `from` that asks for the WebSocket upgrade and then says nothing; resolves with the HTTP status. */
function silent(port: number, from: string, held: Socket[]): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: from });
    held.push(socket);
    socket.on('error', () => resolve(0));
    socket.once('connect', () => socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.from('silent-socket-16').toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`));
    socket.once('data', (data) => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(String(data))?.[1] ?? 0)));
  });
}

test('sockets that never answer the hello are destroyed at the deadline, without a close handshake', async () => {
  const server = await startServer({ helloTimeout: 1000 });
  const registered = await Raw.registered(server, 'honest');
  const sockets = await Promise.all(Array.from({ length: 20 }, () => Raw.open(server.wsUrl)));
  const closes = await Promise.race([
    Promise.all(sockets.map((s) => s.closed)),
    sleep(6000).then(() => assert.fail('the silent sockets were not destroyed within 6 s of their 1 s deadline')),
  ]);
  assert.deepEqual(new Set(closes.map((c) => c.code)), new Set([1006]), 'destroyed: no close frame');
  assert.ok(sockets.every((s) => s.received.length === 1 && s.received[0].jsongle.query === 'session-hello'));
  // Long before any heartbeat sweep (25 s by default): the deadline is each connection's own.
  await until(() => server.connections === 1, 2000, 'only the registered connection left');
  assert.equal(registered.ws.readyState, 1);
});

test('10,000 silent sockets from one address: it holds at most JSONGLE_MAX_CONNECTIONS_PER_IP, an honest client still connects', async () => {
  // The hello deadline far away: here the sockets are held by the cap alone, however slow the machine.
  const server = await startServer({ maxConnectionsPerIp: 100, maxConnections: 10_000, helloTimeout: 600_000 });
  const held: Socket[] = [];
  const statuses = new Map<number, number>();
  try {
    for (let i = 0; i < 10_000; i += 500) {
      const batch = await Promise.all(Array.from({ length: 500 }, () => silent(server.port, '127.0.0.2', held)));
      for (const s of batch) statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    console.log(`10,000 silent sockets from 127.0.0.2: ${JSON.stringify(Object.fromEntries(statuses))} (HTTP status: count)`);
    assert.equal(statuses.get(101), 100, 'the first 100 were upgraded');
    assert.equal(statuses.get(429), 9_900, 'the others were refused with 429');
    assert.equal(server.connections, 100);
    const honest = await connectClient(server, 'honest');
    assert.equal(honest.registered, true);
    assert.equal(server.connections, 101);
  } finally {
    for (const s of held) s.destroy();
  }
  await until(() => server.connections === 1, 5000, 'the silent sockets gone');
});

test('X-Forwarded-For counts only behind JSONGLE_TRUST_PROXY', async () => {
  const direct = await startServer({ maxConnectionsPerIp: 2 });
  const xff = (ip: string) => ({ headers: { 'X-Forwarded-For': ip } });
  await Raw.open(direct.wsUrl, xff('203.0.113.1'));
  await Raw.open(direct.wsUrl, xff('203.0.113.2'));
  await assert.rejects(Raw.open(direct.wsUrl, xff('203.0.113.3')), { status: 429 }, 'a client cannot pick its address');

  const proxied = await startServer({ maxConnectionsPerIp: 2, trustProxy: 1 });
  await Raw.open(proxied.wsUrl, xff('203.0.113.1'));
  await Raw.open(proxied.wsUrl, xff('198.51.100.9, 203.0.113.1')); // the proxy appended the last one
  await assert.rejects(Raw.open(proxied.wsUrl, xff('203.0.113.1')), { status: 429 });
  await (await Raw.open(proxied.wsUrl, xff('203.0.113.2'))).register('other');
});
