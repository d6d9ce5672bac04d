// The Socket.IO adapter against a small relay in the reference server's style: event `jsongle`,
// message objects, the application token in `auth.appToken`, the hello handshake, relay by uid.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io } from 'socket.io-client';
import { JSONgle } from '../../src/client.ts';
import { createSocketIoTransport } from '../../src/transport/socket-io.ts';
import { until, waitEvent, waitFor, within } from './helpers.ts';

const stops: (() => unknown)[] = [];
afterEach(async () => { for (const stop of stops.splice(0).reverse()) await within(Promise.resolve().then(stop), 5000, 'cleanup').catch(() => {}); });

async function relay(appToken: string) {
  const http: HttpServer = createServer();
  const server = new Server(http);
  const users = new Map<string, Socket>();
  server.use((socket, next) => (socket.handshake.auth?.appToken === appToken ? next() : next(new Error('unauthorized'))));
  server.on('connection', (socket) => {
    const transaction = randomUUID();
    let uid = '';
    const send = (to: string, jsongle: object) => socket.emit('jsongle', { id: randomUUID(), from: 'relay', to, jsongle });
    send(socket.id, { action: 'iq-get', query: 'session-hello', transaction, description: { version: '1.0.0', sn: 'relay', info: 'test relay', connected: new Date().toISOString() } });
    socket.on('jsongle', (m: any) => {
      if (m?.jsongle?.action === 'iq-result' && m.jsongle.query === 'session-hello' && m.jsongle.transaction === transaction) {
        uid = m.jsongle.description.uid;
        users.set(uid, socket);
        return send(uid, { action: 'ack', status: 'success', transaction });
      }
      if (!uid) return send(socket.id, { action: 'session-error', description: { errorCode: 403002, errorDetails: 'not registered' } });
      users.get(m.to)?.emit('jsongle', { ...m, from: uid });
    });
    socket.on('disconnect', () => users.get(uid) === socket && users.delete(uid));
  });
  await within(new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve)), 5000, 'the Socket.IO relay listening');
  stops.push(() => new Promise((resolve) => server.close(() => resolve(undefined))));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

function client(url: string, uid: string, token: string) {
  const c = new JSONgle({ transport: createSocketIoTransport({ io, url, token, options: { transports: ['websocket'] } }), user: { uid } });
  stops.push(() => c.close());
  return c;
}

test('two clients register through a Socket.IO relay, chat and signal a call', async () => {
  const url = await relay('app-token');
  const alice = client(url, 'alice', 'app-token');
  const bob = client(url, 'bob', 'app-token');
  await Promise.all([waitFor(alice, 'registered'), waitFor(bob, 'registered')]);
  assert.equal(alice.server, 'relay');
  assert.equal(alice.transport.state, 'open');

  const got = waitFor(bob, 'messagereceived');
  const receipt = waitEvent(alice, 'ack', (d) => d.type === 'received');
  const id = alice.send('bob', 'over socket.io');
  const [content, from] = await got;
  assert.equal(content.description.content, 'over socket.io');
  assert.equal(from, 'alice');
  assert.equal((await receipt).description.mid, id);

  const incoming = waitFor(bob, 'call');
  const ringing = waitFor(alice, 'callstatechanged', (_c, ch) => ch.state === 'ringing');
  alice.call('bob');
  await Promise.all([incoming, ringing]);
  const needed = waitFor(alice, 'offerneeded');
  bob.proceed();
  await needed;
  const ended = waitFor(bob, 'callended');
  alice.end();
  await ended;
});

test('a wrong application token is refused; the transport ends closed', async () => {
  const url = await relay('app-token');
  const mallory = client(url, 'mallory', 'wrong');
  await until(() => mallory.transport.state === 'closed', 3000, 'transport closed after the refusal');
  assert.equal(mallory.registered, false);
});
