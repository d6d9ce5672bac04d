// Identity tokens on the real server over real sockets: who may register as whom, refusals (401001,
// close 1008), the rooms claim (403004), refresh with session-token, the close at `exp`, the
// connections of one user (429002), /metrics behind its token, and open mode stated plainly.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { ConfigError, resolveConfig } from '../../server/config.ts';
import { createServer } from '../../server/index.ts';
import { cleanup, isError, Raw, startServer, tempDir, text, until } from './helpers.ts';
import { answerHello, hs256, keyPair, OTHER_SECRET, refusedHello, registered, SECRET, signed, unsigned } from './tokens.ts';

afterEach(cleanup);

const tokenServer = (options: Parameters<typeof startServer>[0] = {}) => startServer({ tokenSecret: SECRET, ...options });

describe('a valid token', () => {
  test('registers the connection as its sub, with its name as the display name', async () => {
    const server = await tokenServer();
    const alice = await registered(server, { uid: 'alice', dn: 'typed by the client', token: await hs256({ sub: 'alice', name: 'Alice Liddell' }) });
    // Without a uid in the answer, the token's sub is the uid.
    const bob = await registered(server, { token: await hs256({ sub: 'bob' }) });
    await alice.request('session-join', { rid: 'r1' });
    const joined = await bob.request('session-join', { rid: 'r1' });
    assert.deepEqual(joined.jsongle.description.members, [{ uid: 'alice', dn: 'Alice Liddell' }]);
    const m = text('anything', 'bob');
    alice.send(m);
    assert.equal((await bob.next((x) => x.id === m.id)).from, 'alice');
  });

  test('travels as ?token= when the client cannot put it in the hello answer', async () => {
    const server = await tokenServer();
    const token = await hs256({ sub: 'carol' });
    await registered(server, { uid: 'carol' }, `${server.wsUrl}?token=${token}`);
    // The answer's token wins over the URL's.
    const r = await refusedHello(server, { uid: 'carol', token: 'not.a.token' }, `${server.wsUrl}?token=${token}`);
    assert.equal(r.code, ERROR_CODE.UNAUTHORIZED);
  });

  test('RS256 and ES256 tokens are verified with JSONGLE_TOKEN_PUBLIC_KEY (PEM text or file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsongle-key-'));
    for (const alg of ['RS256', 'ES256'] as const) {
      const key = await keyPair(alg);
      // RS256 from the PEM's text, ES256 from a file holding it.
      const file = join(dir, 'es256.pem');
      if (alg === 'ES256') writeFileSync(file, key.pem);
      const server = await startServer({ tokenPublicKey: alg === 'RS256' ? key.pem : file });
      await registered(server, { uid: 'dave', token: await signed(key, { sub: 'dave' }) });
      const other = await keyPair(alg);
      const r = await refusedHello(server, { uid: 'dave', token: await signed(other, { sub: 'dave' }) });
      assert.equal(r.code, ERROR_CODE.UNAUTHORIZED);
      assert.equal(r.details, 'token signature invalid');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('JWKS: keys fetched from the application, cached across connections; an unknown key is refused', async () => {
    const key = await keyPair('ES256');
    let fetches = 0;
    const jwks = createHttpServer((req, res) => {
      fetches++;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys: [key.jwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    try {
      const server = await startServer({ tokenJwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json` });
      for (const uid of ['u1', 'u2', 'u3']) await registered(server, { uid, token: await signed(key, { sub: uid }) });
      assert.equal(fetches, 1, 'the key set is fetched once and cached');
      const stranger = await keyPair('ES256', 'kid-not-in-the-set');
      const r = await refusedHello(server, { uid: 'u4', token: await signed(stranger, { sub: 'u4' }) });
      assert.equal(r.code, ERROR_CODE.UNAUTHORIZED);
      assert.equal(r.details, 'token signed with an unknown key');
      assert.equal(r.closed?.code, 1008);
    } finally {
      jwks.closeAllConnections();
      await new Promise((r) => jwks.close(r));
    }
  });

  test('JWKS unreachable: refused with "try again later", and the operator is warned (without the token)', async () => {
    const lines: string[] = [];
    const saved = console.warn;
    console.warn = (line: string) => void lines.push(line);
    try {
      const key = await keyPair('ES256');
      const server = await startServer({ tokenJwksUrl: 'http://127.0.0.1:1/jwks.json', logLevel: 'warning' });
      const token = await signed(key, { sub: 'u' });
      const r = await refusedHello(server, { token });
      assert.equal(r.code, ERROR_CODE.UNAUTHORIZED);
      assert.match(r.details, /try again later/);
      assert.ok(lines.some((l) => /JWKS/.test(l)), lines.join('\n'));
      assert.ok(!lines.join('\n').includes(token.split('.')[1]));
    } finally {
      console.warn = saved;
    }
  });

  test('the 30 s clock tolerance: expired 10 s ago passes, 40 s ago does not', async () => {
    const server = await tokenServer();
    await registered(server, { uid: 'erin', token: await hs256({ sub: 'erin' }, { expiresIn: -10 }) });
    const r = await refusedHello(server, { uid: 'erin', token: await hs256({ sub: 'erin' }, { expiresIn: -40 }) });
    assert.equal(r.details, 'token expired');
  });
});

describe('refused tokens: ack failed, session-error 401001 naming the problem, close 1008', () => {
  test('every way a token can be wrong', async () => {
    const server = await tokenServer({ tokenIssuer: 'https://app.example', tokenAudience: 'jsongle' });
    const ok = { iss: 'https://app.example', aud: 'jsongle' };
    const rsa = await keyPair('RS256');
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['no token', { uid: 'alice' }, /^no token/],
      ['another uid than the sub', { uid: 'alice', token: await hs256({ ...ok, sub: 'mallory' }) }, /uid is not the token's sub/],
      ['expired', { uid: 'alice', token: await hs256({ ...ok, sub: 'alice' }, { expiresIn: -3600 }) }, /^token expired$/],
      ['no exp', { uid: 'alice', token: await hs256({ ...ok, sub: 'alice' }, { expiresIn: null }) }, /'exp'/],
      ['badly signed', { uid: 'alice', token: await hs256({ ...ok, sub: 'alice' }, { secret: OTHER_SECRET }) }, /^token signature invalid$/],
      ['wrong issuer', { uid: 'alice', token: await hs256({ ...ok, iss: 'https://evil.example', sub: 'alice' }) }, /^token issuer not accepted$/],
      ['wrong audience', { uid: 'alice', token: await hs256({ ...ok, aud: 'other', sub: 'alice' }) }, /^token audience not accepted$/],
      ['alg none', { uid: 'alice', token: unsigned({ ...ok, sub: 'alice' }) }, /algorithm none not accepted \(expected HS256\)/],
      ['a token for another key (RS256)', { uid: 'alice', token: await signed(rsa, { ...ok, sub: 'alice' }) }, /algorithm RS256 not accepted/],
      ['malformed', { uid: 'alice', token: 'definitely-not-a-jwt' }, /^token malformed/],
      ['not a string', { uid: 'alice', token: { sub: 'alice' } }, /^no token/],
      ['no sub', { token: await hs256({ ...ok }) }, /'sub'/],
    ];
    for (const [what, description, reason] of cases) {
      const r = await refusedHello(server, description);
      assert.equal(r.status, 'failed', what);
      assert.equal(r.code, ERROR_CODE.UNAUTHORIZED, what);
      assert.match(r.details, reason, what);
      assert.deepEqual(r.closed, { code: 1008, reason: 'unauthorized' }, `${what}: closed with 1008`);
      if (typeof description.token === 'string') {
        for (const part of description.token.split('.').filter((p) => p.length > 8)) assert.ok(!r.details.includes(part), `${what}: the reason echoes the token`);
      }
    }
  });
});

describe('expiry while connected', () => {
  test('session-token with a fresh token keeps the connection past the first exp; another sub is refused', async () => {
    const server = await tokenServer({ tokenClockTolerance: 0 });
    const first = await hs256({ sub: 'alice' }, { expiresIn: 4 });
    const firstExp = JSON.parse(Buffer.from(first.split('.')[1], 'base64url').toString()).exp * 1000;
    const alice = await registered(server, { uid: 'alice', token: first });
    const wrong = await alice.request('session-token', { token: await hs256({ sub: 'bob' }) });
    assert.equal(wrong.jsongle.action, 'iq-error');
    assert.equal(wrong.jsongle.description.errorCode, ERROR_CODE.UNAUTHORIZED);
    const bad = await alice.request('session-token', { token: await hs256({ sub: 'alice' }, { secret: OTHER_SECRET }) });
    assert.equal(bad.jsongle.description.errorCode, ERROR_CODE.UNAUTHORIZED);
    const fresh = await alice.request('session-token', { token: await hs256({ sub: 'alice' }, { expiresIn: 60 }) });
    assert.equal(fresh.jsongle.action, 'iq-result');
    await until(() => Date.now() > firstExp + 500, 7000, 'the first token to be past its exp');
    const join = await alice.request('session-join', { rid: 'still-here' });
    assert.equal(join.jsongle.action, 'iq-result', 'still connected after the first exp');
  });

  test('without a refresh the connection is closed at exp with 1008 "token expired"', async () => {
    const server = await tokenServer({ tokenClockTolerance: 0 });
    const token = await hs256({ sub: 'alice' }, { expiresIn: 3 });
    const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp * 1000;
    const alice = await registered(server, { uid: 'alice', token });
    const closed = await Promise.race([alice.closed, new Promise<undefined>((r) => setTimeout(r, 6000))]);
    assert.deepEqual(closed, { code: 1008, reason: 'token expired' });
    assert.ok(Date.now() >= exp - 50, 'closed at exp, not before');
  });
});

describe('the rooms claim', () => {
  test('exact ids and prefixes are allowed; anything else is refused with 403004', async () => {
    const server = await tokenServer();
    const raw = await registered(server, { uid: 'alice', token: await hs256({ sub: 'alice', rooms: ['lobby', 'team-42/*'] }) });
    assert.equal((await raw.request('session-join', { rid: 'lobby' })).jsongle.action, 'iq-result');
    assert.equal((await raw.request('muc-join', { rid: 'team-42/standup' })).jsongle.action, 'iq-result');
    for (const rid of ['lobby-2', 'team-43/standup', 'team-42']) {
      const r = await raw.request('muc-join', { rid });
      assert.equal(r.jsongle.action, 'iq-error', rid);
      assert.equal(r.jsongle.description.errorCode, ERROR_CODE.ROOM_NOT_ALLOWED, rid);
    }
    // A refreshed token's rooms apply from then on.
    await raw.request('session-token', { token: await hs256({ sub: 'alice', rooms: ['team-43/*'] }) });
    assert.equal((await raw.request('muc-join', { rid: 'team-43/standup' })).jsongle.action, 'iq-result');
    assert.equal((await raw.request('session-join', { rid: 'lobby-3' })).jsongle.description.errorCode, ERROR_CODE.ROOM_NOT_ALLOWED);
    // Without the claim: any room.
    const bob = await registered(server, { uid: 'bob', token: await hs256({ sub: 'bob' }) });
    assert.equal((await bob.request('muc-join', { rid: 'team-43/standup' })).jsongle.action, 'iq-result');
  });
});

describe('limits that follow the person', () => {
  test('JSONGLE_MAX_CONNECTIONS_PER_USER: one more connection is refused with 429002 (default 10)', async () => {
    assert.equal(resolveConfig().maxConnectionsPerUser, 10);
    const server = await tokenServer({ maxConnectionsPerUser: 2 });
    const token = await hs256({ sub: 'alice' });
    const first = await registered(server, { token });
    await registered(server, { token });
    const r = await refusedHello(server, { token });
    assert.equal(r.status, 'failed');
    assert.equal(r.code, ERROR_CODE.TOO_MANY_CONNECTIONS);
    assert.deepEqual(r.closed, { code: 1013, reason: 'too many connections' });
    // The limit holds in open mode too, for any uid (this one's name is longer than a close reason may be).
    const open = await startServer({ maxConnectionsPerUser: 1 });
    const long = 'é'.repeat(200);
    await registered(open, { uid: long });
    const again = await refusedHello(open, { uid: long });
    assert.equal(again.code, ERROR_CODE.TOO_MANY_CONNECTIONS);
    assert.deepEqual(again.closed, { code: 1013, reason: 'too many connections' });
    // Other users are not affected; once one of alice's closes, she may connect again.
    await registered(server, { token: await hs256({ sub: 'bob' }) });
    first.ws.close();
    await first.closed;
    await until(async () => {
      const raw = await Raw.open(server.wsUrl);
      const ok = (await answerHello(raw, { token })) === 'success';
      raw.ws.close();
      return ok;
    }, 3000, 'alice to connect again');
  });
});

describe('/metrics and /healthz', () => {
  test('with JSONGLE_METRICS_TOKEN, /metrics needs Authorization: Bearer <it>', async () => {
    const server = await startServer({ metricsToken: 'scrape-me' });
    assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${server.url}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status, 401);
    const ok = await fetch(`${server.url}/metrics`, { headers: { Authorization: 'Bearer scrape-me' } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /jsongle_connections/);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200, '/healthz stays open');
    const open = await startServer();
    assert.equal((await fetch(`${open.url}/metrics`)).status, 200, 'without the setting /metrics is open');
  });

  test('/healthz says the identity mode', async () => {
    const open = await startServer();
    assert.equal((await (await fetch(`${open.url}/healthz`)).json()).identity, 'open');
    const token = await tokenServer();
    assert.equal((await (await fetch(`${token.url}/healthz`)).json()).identity, 'token');
  });
});

describe('open mode', () => {
  test('is said once at start; token mode says how tokens are checked', async () => {
    const lines: string[] = [];
    const saved = { info: console.info, warn: console.warn };
    console.info = console.warn = (line: string) => void lines.push(line);
    try {
      const open = await createServer({ port: 0, logLevel: 'info', dataDir: tempDir() });
      await open.close();
      const token = await createServer({ port: 0, logLevel: 'info', dataDir: tempDir(), tokenSecret: SECRET, tokenIssuer: 'https://app.example' });
      await token.close();
    } finally {
      Object.assign(console, saved);
    }
    assert.equal(lines.filter((l) => l.includes('identities are not verified (set JSONGLE_TOKEN_SECRET')).length, 1);
    assert.ok(lines.some((l) => /listening on .*identity: open/.test(l)));
    assert.ok(lines.some((l) => /identities are verified: .*HS256 secret \(issuer https:\/\/app.example\)/.test(l)), lines.join('\n'));
  });

  test('anyone may claim any uid, and a token in the answer is ignored', async () => {
    const server = await startServer();
    await registered(server, { uid: 'alice' });
    await registered(server, { uid: 'alice', token: 'whatever' });
    const raw = await registered(server, { uid: 'bob' });
    assert.equal((await raw.request('session-token', { token: 'whatever' })).jsongle.action, 'iq-result');
  });
});

describe('configuration', () => {
  test('contradictory or weak token settings are refused at start', async () => {
    const start = (o: Record<string, unknown>) => createServer({ port: 0, logLevel: 'none', dataDir: tempDir(), ...o });
    await assert.rejects(start({ tokenSecret: SECRET, tokenJwksUrl: 'https://a.example/jwks' }), (e: Error) => e instanceof ConfigError && /only one of JSONGLE_TOKEN_SECRET, JSONGLE_TOKEN_JWKS_URL/.test(e.message));
    await assert.rejects(start({ tokenSecret: 'short' }), /at least 32 bytes/);
    await assert.rejects(start({ tokenIssuer: 'https://a.example' }), /need a key/);
    await assert.rejects(start({ tokenPublicKey: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' }), /not a readable PEM/);
    await assert.rejects(start({ tokenPublicKey: '/no/such/key.pem' }), /PEM public key, or the path/);
    await assert.rejects(start({ tokenJwksUrl: 'ftp://a.example/jwks' }), /http\(s\) URL/);
  });
});

describe('messages without from', () => {
  test('are judged on the rest: the server sets from', async () => {
    const server = await startServer();
    const alice = await Raw.registered(server, 'alice');
    const bob = await Raw.registered(server, 'bob');
    const missing: any = text('', 'bob', 'no from');
    delete missing.from;
    alice.send(missing);
    assert.equal((await bob.next((m) => m.id === missing.id)).from, 'alice');
    const empty = text('', 'bob', 'empty from');
    alice.send(empty);
    assert.equal((await bob.next((m) => m.id === empty.id)).from, 'alice');
    // Still judged: a message without from to a room alice is not in gets that error, not 400001.
    await bob.request('session-join', { rid: 'bobs-room' });
    const outsider: any = text('', 'bobs-room');
    delete outsider.from;
    alice.send(outsider);
    await alice.next(isError(ERROR_CODE.NOT_A_MEMBER));
  });
});
