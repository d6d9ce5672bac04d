// The core client's side of identity tokens, on the real server: the token in the hello answer, a
// provider asked before each (re)connection and before the token ends (session-token), and a
// refused token reported as `unauthorized` with reconnection held until a new token is given.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { JSONgle } from '../../src/client.ts';
import type { JsongleError } from '../../src/errors.ts';
import type { TransportState } from '../../src/transport/transport.ts';
import { createWebSocketTransport } from '../../src/transport/websocket.ts';
import { claimsOf, refreshDelay } from '../../src/token.ts';
import { MemoryRegistry } from '../../server/index.ts';
import { cleanup, sleep, startServer, until, waitFor } from './helpers.ts';
import { hs256, OTHER_SECRET, SECRET } from './tokens.ts';

afterEach(cleanup);

function client(server: { wsUrl: string }, config: Partial<ConstructorParameters<typeof JSONgle>[0]>) {
  const c = new JSONgle({ transport: createWebSocketTransport({ url: server.wsUrl, WebSocket, backoff: { base: 100, cap: 300 } }), requestTimeout: 3000, ...config });
  const states: TransportState[] = [];
  const errors: JsongleError[] = [];
  c.on('connectionstatechanged', (s) => states.push(s));
  c.on('error', (e) => errors.push(e));
  return { c, states, errors, close: () => c.close() };
}

describe('tokens in the client', () => {
  test('claims and refresh times are read from the JWT (not verified), UTF-8 included', async () => {
    const t = await hs256({ sub: 'zoë', name: '日本' }, { expiresIn: 3600 });
    assert.equal(claimsOf(t).sub, 'zoë');
    const exp = claimsOf(t).exp as number;
    assert.equal(refreshDelay(t, exp * 1000 - 3_600_000), 3_540_000, 'one minute before exp');
    assert.equal(refreshDelay(t, exp * 1000 - 60_000), 30_000, 'halfway through a short remaining life');
    assert.equal(refreshDelay(t, exp * 1000 + 5000), 1000, 'never sooner than a second');
    assert.equal(refreshDelay('not-a-jwt'), undefined);
    assert.deepEqual(claimsOf('a.b.c'), {});
  });

  test('a fixed token registers the client as its sub (no user given)', async () => {
    const server = await startServer({ tokenSecret: SECRET });
    const { c, close } = client(server, { token: await hs256({ sub: 'alice' }) });
    try {
      const [id] = await waitFor(c, 'registered');
      assert.equal(id, 'alice');
    } finally {
      close();
    }
  });

  test('tokenProvider: asked before each (re)connection; refreshes with session-token past the first exp', async () => {
    const registry = new MemoryRegistry();
    const server = await startServer({ tokenSecret: SECRET, tokenClockTolerance: 0, registry });
    const minted: number[] = [];
    const { c, states, errors, close } = client(server, {
      user: { uid: 'alice' },
      tokenProvider: async () => {
        const t = await hs256({ sub: 'alice' }, { expiresIn: 3 });
        minted.push(claimsOf(t).exp as number);
        return t;
      },
    });
    try {
      await waitFor(c, 'registered');
      assert.equal(minted.length, 1, 'one token for the first connection');
      const firstExp = minted[0] * 1000;
      await until(() => Date.now() > firstExp + 700 && minted.length >= 3, 8000, 'two refreshes and the first token past its exp');
      assert.deepEqual(errors.map((e) => e.message), []);
      assert.deepEqual(states, ['open'], 'never disconnected');
      assert.ok(c.registered);
      assert.equal((await c.request(c.server, 'session-join', { rid: 'r' })).rid, 'r', 'still served');
      assert.deepEqual(errors, []);
      // A lost connection: the provider is asked again before the new hello.
      const before = minted.length;
      (registry.connections('alice')[0] as unknown as { close(code: number, reason: string): void }).close(1001, 'test');
      await waitFor(c, 'registered', () => true, 5000);
      assert.ok(minted.length > before, 'a fresh token for the reconnection');
    } finally {
      close();
    }
  });

  test('a refused token: error `unauthorized`, no reconnection until a new token is given', async () => {
    const server = await startServer({ tokenSecret: SECRET });
    let calls = 0;
    const { c, states, errors, close } = client(server, {
      user: { uid: 'alice' },
      tokenProvider: () => {
        calls++;
        return hs256({ sub: 'alice' }, { secret: OTHER_SECRET });
      },
    });
    try {
      await until(() => errors.some((e) => e.code === 'unauthorized'), 3000, 'an unauthorized error');
      const error = errors.find((e) => e.code === 'unauthorized')!;
      assert.equal(error.detail.errorCode, 401001);
      assert.match(error.message, /token signature invalid/);
      await until(() => states.at(-1) === 'closed', 3000, 'the transport to stop');
      await sleep(600); // several backoff delays (100–300 ms): nothing may happen
      assert.equal(calls, 1, 'the provider was not asked again');
      assert.equal(states.at(-1), 'closed');
      assert.equal((c.transport as unknown as { attempts: number }).attempts, 0, 'no reconnection attempt');
      // A working provider: connects again.
      c.tokenProvider = () => hs256({ sub: 'alice' });
      await waitFor(c, 'registered', () => true, 5000);
    } finally {
      close();
    }
  });

  test('a fixed token past its exp: closed, refused on reconnection, back once `token` is set', async () => {
    const server = await startServer({ tokenSecret: SECRET, tokenClockTolerance: 0 });
    const { c, errors, close } = client(server, { user: { uid: 'alice' }, token: await hs256({ sub: 'alice' }, { expiresIn: 3 }) });
    try {
      await waitFor(c, 'registered');
      await until(() => errors.some((e) => e.code === 'unauthorized'), 6000, 'the reconnection to be refused');
      assert.match(errors.find((e) => e.code === 'unauthorized')!.message, /token expired/);
      await until(() => c.transport.state === 'closed', 3000, 'the transport to stop');
      c.token = await hs256({ sub: 'alice' });
      await waitFor(c, 'registered', () => true, 5000);
      // Set while registered: sent at once as session-token; another sub is refused, the connection kept.
      c.token = await hs256({ sub: 'bob' });
      await until(() => errors.filter((e) => e.code === 'unauthorized').length === 2, 3000, 'the wrong sub to be refused');
      assert.equal(c.transport.state, 'open');
    } finally {
      close();
    }
  });

  test('a provider that fails or gives no token: error `unauthorized` saying so', async () => {
    const server = await startServer({ tokenSecret: SECRET });
    for (const [provider, message] of [[() => { throw new Error('backend down'); }, /tokenProvider gave no token: backend down/], [async () => '', /tokenProvider gave no token/]] as const) {
      const { c, close } = client(server, { user: { uid: 'alice' }, tokenProvider: provider as () => string });
      try {
        const [error] = await waitFor(c, 'error', (e) => e.code === 'unauthorized');
        assert.match(error.message, message);
        assert.ok(!c.registered);
      } finally {
        close();
      }
    }
  });

  test('bad configuration throws, saying what was wrong', () => {
    const transport = createWebSocketTransport({ url: 'ws://127.0.0.1:9/', WebSocket, reconnect: false });
    try {
      assert.throws(() => new JSONgle({ transport, tokenProvider: 'x' as any }), /cfg.tokenProvider/);
      assert.throws(() => new JSONgle({ transport, token: 42 as any }), /cfg.token/);
    } finally {
      transport.close();
    }
  });
});
