// iq-get turn-credentials: the TURN REST scheme coturn's use-auth-secret checks (username
// `expiry:uid`, credential base64(HMAC-SHA1(secret, username))), refused with 404001 when the
// server has no TURN configured; the settings go together and show in --help. (test/e2e/turn.test.ts
// has a real coturn accept these credentials.)
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import { ConfigError, configFromEnv, helpText } from '../../server/config.ts';
import { turnCredentials } from '../../server/handlers/turn.ts';
import { cleanup, connectClient, Raw, startServer } from './helpers.ts';

const hmac = (secret: string, username: string) => createHmac('sha1', secret).update(username).digest('base64');

describe('iq-get turn-credentials', () => {
  afterEach(cleanup);

  test('answers { iceServers } with username expiry:uid and the HMAC-SHA1 credential, valid for JSONGLE_TURN_TTL', async () => {
    const config = configFromEnv({ JSONGLE_TURN_URLS: 'turn:127.0.0.1:3478?transport=udp, turn:127.0.0.1:3478?transport=tcp', JSONGLE_TURN_SECRET: 's3cret', JSONGLE_TURN_TTL: '600' });
    const server = await startServer({ turnUrls: config.turnUrls, turnSecret: config.turnSecret, turnTtl: config.turnTtl });
    const alice = await connectClient(server, 'alice');
    const before = Math.floor(Date.now() / 1000);
    const answer = await alice.get(alice.server, 'turn-credentials');
    const after = Math.floor(Date.now() / 1000);
    assert.equal(answer.ttl, 600);
    assert.equal(answer.iceServers.length, 1);
    const [ice] = answer.iceServers;
    assert.deepEqual(ice.urls, ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp']);
    const [expiry, uid] = ice.username.split(':');
    assert.equal(uid, 'alice');
    assert.ok(Number(expiry) >= before + 600 && Number(expiry) <= after + 600, `expiry ${expiry} is now + 600 s`);
    assert.equal(ice.credential, hmac('s3cret', ice.username));
    // Each user gets their own username (coturn logs and quotas go by it).
    const bob = await connectClient(server, 'bob');
    const forBob = await bob.get(bob.server, 'turn-credentials');
    assert.match(forBob.iceServers[0].username, /^\d+:bob$/);
  });

  test('the same figures as coturn computes (a fixed clock)', () => {
    const c = turnCredentials(['turn:t.example:3478'], 'north', 'carol', 3600, 1_700_000_000_000);
    assert.equal(c.iceServers[0].username, '1700003600:carol');
    assert.equal(c.iceServers[0].credential, hmac('north', '1700003600:carol'));
  });

  test('without TURN configured: iq-error 404001 naming the settings; before the hello: 403002', async () => {
    const server = await startServer();
    const alice = await connectClient(server, 'alice');
    await assert.rejects(alice.get(alice.server, 'turn-credentials'), (e: any) => e.detail.errorCode === 404001 && /JSONGLE_TURN_URLS/.test(e.message));
    const raw = await Raw.open(server.wsUrl);
    raw.send({ id: 'q1', from: 'x', to: 'jsongle', jsongle: { action: 'iq-get', query: 'turn-credentials', transaction: 't1', description: {} } });
    const refused = await raw.next((m) => m.jsongle.action === 'session-error');
    assert.equal(refused.jsongle.description.errorCode, 403002);
    assert.ok(!raw.received.some((m) => m.jsongle.action === 'iq-result'));
  });

  test('JSONGLE_TURN_URLS and JSONGLE_TURN_SECRET go together; --help lists them', () => {
    assert.throws(() => configFromEnv({ JSONGLE_TURN_URLS: 'turn:a' }), (e: Error) => e instanceof ConfigError && /JSONGLE_TURN_SECRET/.test(e.message));
    assert.throws(() => configFromEnv({ JSONGLE_TURN_SECRET: 'x' }), /JSONGLE_TURN_URLS/);
    assert.throws(() => configFromEnv({ JSONGLE_TURN_URLS: 'turn:a', JSONGLE_TURN_SECRET: 'x', JSONGLE_TURN_TTL: '5' }), /turnTtl/);
    const help = helpText();
    for (const v of ['JSONGLE_TURN_URLS', 'JSONGLE_TURN_SECRET', 'JSONGLE_TURN_TTL']) assert.match(help, new RegExp(v));
  });
});
