// The HTTP side: /healthz and /metrics follow the connections; the demo page is served, safely.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { VERSION } from '../../src/version.ts';
import { cleanup, isError, Raw, startServer, text, until, within } from './helpers.ts';

afterEach(cleanup);

const health = async (url: string) => within(fetch(`${url}/healthz`).then((r) => r.json() as Promise<any>), 5000, 'GET /healthz');
const metrics = async (url: string) => within(fetch(`${url}/metrics`).then((r) => r.text()), 5000, 'GET /metrics');
/** The value of one sample line of the Prometheus text, e.g. `jsongle_users` or `jsongle_errors_total{code="400002"}`. */
const sample = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

test('/healthz answers version, uptime and connections, which follow the sockets', async () => {
  const server = await startServer();
  const res = await fetch(`${server.url}/healthz`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /application\/json/);
  const first = await res.json() as any;
  assert.equal(first.status, 'ok');
  assert.equal(first.version, VERSION);
  assert.equal(typeof first.uptime, 'number');
  assert.equal(first.connections, 0);
  const a = await Raw.registered(server, 'a');
  await Raw.registered(server, 'b');
  assert.equal((await health(server.url)).connections, 2);
  a.ws.close();
  await until(async () => (await health(server.url)).connections === 1, 2000, 'healthz shows 1 connection');
});

test('/metrics: connections, users, rooms, relayed by action, errors by code, bytes; they follow the traffic', async () => {
  const server = await startServer();
  const res = await fetch(`${server.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /text\/plain/);
  const before = await res.text();
  assert.equal(sample(before, 'jsongle_connections'), 0);
  assert.equal(sample(before, 'jsongle_users'), 0);

  const a = await Raw.registered(server, 'a');
  const b = await Raw.registered(server, 'b');
  const b2 = await Raw.registered(server, 'b');
  await a.request('session-join', { rid: 'r' });
  await b.request('session-join', { rid: 'r' });
  const m = text('a', 'r', 'hello');
  a.send(m);
  await b.next((x) => x.id === m.id);
  a.send('not json');
  await a.next(isError(ERROR_CODE.NOT_JSONGLE));

  const during = await metrics(server.url);
  assert.equal(sample(during, 'jsongle_connections'), 3);
  assert.equal(sample(during, 'jsongle_users'), 2);
  assert.equal(sample(during, 'jsongle_rooms'), 1);
  assert.equal(sample(during, 'jsongle_messages_relayed_total{action="session-text"}'), 1);
  assert.equal(sample(during, 'jsongle_messages_relayed_total{action="session-event"}'), 1, 'the joined event');
  assert.equal(sample(during, `jsongle_errors_total{code="${ERROR_CODE.NOT_JSONGLE}"}`), 1);
  assert.ok(sample(during, 'jsongle_bytes_received_total')! > 300);
  assert.ok(sample(during, 'jsongle_bytes_sent_total')! > 300);
  assert.equal(sample(during, 'jsongle_connections_accepted_total'), 3);

  b.ws.close();
  b2.ws.close();
  await until(async () => sample(await metrics(server.url), 'jsongle_users') === 1, 2000, 'users back to 1');
  const after = await metrics(server.url);
  assert.equal(sample(after, 'jsongle_connections'), 1);
  assert.equal(sample(after, 'jsongle_rooms'), 1, 'a is still in the room');
});

test('the demo page is served at / with a CSP; nothing outside the static folders is', async () => {
  const demo = fileURLToPath(new URL('../../demo', import.meta.url));
  const server = await startServer({ staticDirs: [demo] });
  const page = await fetch(`${server.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /text\/html/);
  assert.match(page.headers.get('content-security-policy')!, /default-src 'self'/);
  assert.match(await page.text(), /<output id="state"/);
  assert.equal((await fetch(`${server.url}/demo.css`)).status, 200);
  assert.equal((await fetch(`${server.url}/nope.js`)).status, 404);
  assert.equal((await fetch(`${server.url}/healthz`, { method: 'POST' })).status, 405);
  // fetch() normalizes `..` away: send the raw paths.
  for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/%E0%A4%A']) {
    const status = await within(new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: server.port, path }, (res) => { res.resume(); resolve(res.statusCode!); }).on('error', reject).end();
    }), 5000, `GET ${path}`);
    assert.ok(status === 400 || status === 404, `${path} → ${status}`);
  }
});
