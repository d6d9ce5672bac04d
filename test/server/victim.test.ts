// The victim scenario: Mallory tries, 1,000 times, to become one more device of Alice — 250 times
// each to register her uid, ring for her calls, receive her messages, answer her calls. With tokens
// on none gets through; in open mode the same registrations document what open means. Also: no token ever reaches the server's
// output, an error detail or a metric.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRegistry } from '../../server/index.ts';
import { cleanup, Raw, sleep, startServer, text, type Msg } from './helpers.ts';
import { answerHello, hs256, keyPair, OTHER_SECRET, registered, SECRET, signed, unsigned } from './tokens.ts';

afterEach(cleanup);

const EACH = 250; // × 4 kinds of attempt = 1,000
const BATCH = 50;

const propose = (to: string, sid: string) => ({
  id: `p-${sid}`, from: 'bob', to,
  jsongle: { sid, action: 'session-propose', reason: '', initiator: 'bob', responder: to, description: { initiated: new Date().toISOString(), media: 'audio' } },
});
const proceed = (to: string, sid: string) => ({
  id: `pr-${Math.random()}`, from: 'alice', to,
  jsongle: { sid, action: 'session-proceed', reason: '', initiator: 'bob', responder: 'alice', description: { proceeded: new Date().toISOString() } },
});

/** Runs `attempt(i)` EACH times, BATCH at a time; resolves with the sockets whose hello succeeded. */
async function registrations(attempt: (i: number) => Promise<{ raw: Raw; ok: boolean }>) {
  const through: Raw[] = [];
  for (let i = 0; i < EACH; i += BATCH) {
    const batch = await Promise.all(Array.from({ length: Math.min(BATCH, EACH - i) }, (_, k) => attempt(i + k)));
    for (const { raw, ok } of batch) {
      if (ok) through.push(raw);
      else raw.ws.terminate();
    }
  }
  return through;
}

describe('Mallory against Alice', () => {
  test('with tokens on: 0 of 1,000 attempts register as alice, ring for her, receive her messages or answer her calls', async () => {
    const registry = new MemoryRegistry();
    const server = await startServer({ tokenSecret: SECRET, registry, maxConnectionsPerUser: 2000, maxConnectionsPerIp: 2000, rateLimit: 100_000, rateBurst: 100_000 });
    const alice = await registered(server, { uid: 'alice', token: await hs256({ sub: 'alice' }) });
    const bob = await registered(server, { uid: 'bob', token: await hs256({ sub: 'bob' }) });
    // Mallory holds a valid token, for himself; the rest he forges, guesses or steals expired.
    const own = await hs256({ sub: 'mallory' });
    const [head, payload, signature] = own.split('.');
    const edited = `${head}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'alice' })).toString('base64url')}.${signature}`;
    const rsa = await keyPair('RS256');
    const forgeries: { description: Record<string, unknown>; url?: string }[] = [
      { description: { uid: 'alice', token: own } },
      { description: { uid: 'alice' } },
      { description: { uid: 'alice', token: edited } },
      { description: { uid: 'alice', token: unsigned({ sub: 'alice' }) } },
      { description: { uid: 'alice', token: await hs256({ sub: 'alice' }, { secret: OTHER_SECRET }) } },
      { description: { uid: 'alice', token: await hs256({ sub: 'alice' }, { expiresIn: -3600 }) } },
      { description: { uid: 'alice', token: await signed(rsa, { sub: 'alice' }) } },
      { description: { uid: 'alice' }, url: `${server.wsUrl}?token=${own}` },
      { description: { uid: 'alice', token: `${head}.${payload}.` } },
      { description: { token: edited } },
    ];
    let acks = 0;
    const through = await registrations(async (i) => {
      const f = forgeries[i % forgeries.length];
      const raw = await Raw.open(f.url ?? server.wsUrl);
      const ok = (await answerHello(raw, f.description)) === 'success';
      if (ok) acks++;
      return { raw, ok };
    });
    assert.equal(acks, 0, 'no forged hello was acknowledged');
    assert.equal(through.length, 0);
    assert.equal(registry.connections('alice').length, 1, 'alice has one device: her own');

    // Mallory, registered as himself, waits for her calls and messages, and answers her calls.
    const mallory = await registered(server, { uid: 'mallory', token: own });
    const sids = Array.from({ length: EACH }, (_, i) => `call-for-alice-${i}`);
    for (const sid of sids) bob.send(propose('alice', sid));
    const notes = Array.from({ length: EACH }, (_, i) => text('bob', 'alice', `for alice only ${i}`));
    for (const note of notes) bob.send(note);
    for (const sid of sids) mallory.send(proceed('bob', sid));
    for (const sid of sids) await alice.next((m) => m.jsongle.sid === sid && m.jsongle.action === 'session-propose');
    for (const note of notes) await alice.next((m) => m.id === note.id);
    // Each proceed of Mallory's was refused (not a party to the call); Alice's own goes through.
    let refusals = 0;
    while (refusals < EACH) if ((await mallory.next((m) => m.jsongle.action === 'session-error')).jsongle.description.errorCode) refusals++;
    alice.send(proceed('bob', sids[0]));
    assert.equal((await bob.next((m) => m.jsongle.action === 'session-proceed')).from, 'alice');
    assert.equal(bob.received.filter((m) => m.jsongle.action === 'session-proceed').length, 1, "none of Mallory's proceeds reached Bob");
    // Nor can he ring Bob as Alice: the server names the sender as the caller.
    const spoof = { ...propose('bob', 'spoofed-call'), from: 'alice' };
    spoof.jsongle.initiator = 'alice';
    mallory.send(spoof);
    const rung = await bob.next((m) => m.jsongle.sid === 'spoofed-call');
    assert.deepEqual([rung.from, rung.jsongle.initiator], ['mallory', 'mallory']);
    const theirs = new Set([...sids, ...notes.map((n) => n.id)]);
    assert.equal(mallory.received.filter((m: Msg) => theirs.has(m.jsongle.sid) || theirs.has(m.id)).length, 0, 'Mallory received nothing of hers');
  });

  test('in open mode (no token setting): every attempt gets through — anyone may be alice', async () => {
    const registry = new MemoryRegistry();
    const server = await startServer({ registry, maxConnectionsPerUser: 2000, maxConnectionsPerIp: 2000, rateLimit: 100_000, rateBurst: 100_000 });
    const alice = await Raw.registered(server, 'alice');
    const bob = await Raw.registered(server, 'bob');
    const through = await registrations(async () => {
      const raw = await Raw.open(server.wsUrl);
      return { raw, ok: (await answerHello(raw, { uid: 'alice' })) === 'success' };
    });
    assert.equal(through.length, EACH, `open mode: all ${EACH} registered as alice`);
    assert.equal(registry.connections('alice').length, EACH + 1);
    // Each of them rings for her call and receives her message: that is what open mode means.
    bob.send(propose('alice', 'open-call'));
    const note = text('bob', 'alice', 'for alice only');
    bob.send(note);
    await alice.next((m) => m.id === note.id);
    for (const raw of through) {
      await raw.next((m) => m.jsongle.sid === 'open-call', 5000);
      await raw.next((m) => m.id === note.id, 5000);
    }
    // And the first to proceed takes her call.
    through[0].send(proceed('bob', 'open-call'));
    assert.equal((await bob.next((m) => m.jsongle.action === 'session-proceed')).from, 'alice');
    for (const raw of through) raw.ws.terminate();
  });
});

describe('tokens never leave the connection', () => {
  test('no token in the server output, an error detail or /metrics', async () => {
    const lines: string[] = [];
    const saved = { debug: console.debug, info: console.info, warn: console.warn, error: console.error, log: console.log };
    const keep = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    console.debug = console.info = console.warn = console.error = console.log = keep;
    const tokens: string[] = [];
    const frames: Msg[] = [];
    try {
      const server = await startServer({ tokenSecret: SECRET, logLevel: 'debug', maxConnectionsPerUser: 1 });
      const mint = async (...args: Parameters<typeof hs256>) => {
        const t = await hs256(...args);
        tokens.push(t);
        return t;
      };
      const alice = await registered(server, { uid: 'alice', token: await mint({ sub: 'alice', rooms: ['lobby'] }) });
      frames.push(...alice.received);
      const attempts: [Record<string, unknown>, string?][] = [
        [{ uid: 'bob', token: await mint({ sub: 'alice' }) }],
        [{ uid: 'alice', token: await mint({ sub: 'alice' }, { expiresIn: -3600 }) }],
        [{ uid: 'alice', token: await mint({ sub: 'alice' }, { secret: OTHER_SECRET }) }],
        [{ uid: 'alice', token: await mint({ sub: 'alice' }) }], // one connection too many (429002)
        [{ uid: 'carol' }, await mint({ sub: 'carol' })],
      ];
      for (const [description, urlToken] of attempts) {
        const raw = await Raw.open(urlToken ? `${server.wsUrl}?token=${urlToken}` : server.wsUrl);
        await answerHello(raw, description);
        await Promise.race([raw.closed, sleep(300)]);
        frames.push(...raw.received);
      }
      for (const token of [await mint({ sub: 'bob' }), await mint({ sub: 'alice' }, { secret: OTHER_SECRET }), await mint({ sub: 'alice', rooms: ['x'] })]) {
        frames.push(await alice.request('session-token', { token }));
      }
      frames.push(await alice.request('session-join', { rid: 'team' }));
      // A token sent as a message's text is the sender's business; logging it would not be.
      frames.push(await alice.request('no-such-query', { token: tokens[0] }));
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      lines.push(metrics);
      await server.close();
    } finally {
      Object.assign(console, saved);
    }
    assert.ok(lines.some((l) => l.includes('error 401001')), 'the refusals were logged (the capture works)');
    const errors = frames.filter((m) => m.jsongle.action === 'session-error' || m.jsongle.action === 'iq-error').map((m) => JSON.stringify(m));
    assert.ok(errors.length >= 8, `the refusals reached the clients (${errors.length})`);
    const output = [...lines, ...errors].join('\n');
    for (const token of tokens) {
      for (const part of token.split('.')) assert.ok(!output.includes(part), `a part of a token appears in: ${output.split('\n').find((l) => l.includes(part))}`);
    }
  });
});
