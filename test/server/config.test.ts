// Configuration: safe defaults, environment overrides, refusals that name the variable, --help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ConfigError, configFromEnv, DEFAULTS, helpText, SETTINGS } from '../../server/config.ts';

test('defaults: 127.0.0.1:8080, no token, no Origin list, 64 KB, heartbeat 25 s', () => {
  const c = configFromEnv({});
  assert.equal(c.port, 8080);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.token, '');
  assert.deepEqual(c.allowedOrigins, []);
  assert.equal(c.maxMessageSize, 65536);
  assert.equal(c.heartbeatInterval, 25000);
  assert.equal(c.maxMucMembers, 10);
  assert.deepEqual(c, { ...DEFAULTS });
});

test('environment variables override the defaults', () => {
  const c = configFromEnv({
    PORT: '9000', HOST: '0.0.0.0', JSONGLE_APP_TOKEN: 't', JSONGLE_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
    JSONGLE_MAX_CONNECTIONS: '5', JSONGLE_RATE_LIMIT: '7', JSONGLE_LOG_LEVEL: 'debug', JSONGLE_MAX_MESSAGE_SIZE: '2048',
  });
  assert.equal(c.port, 9000);
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.token, 't');
  assert.deepEqual(c.allowedOrigins, ['https://a.example', 'https://b.example']);
  assert.equal(c.maxConnections, 5);
  assert.equal(c.rateLimit, 7);
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.maxMessageSize, 2048);
});

test('bad values are refused with the variable named', () => {
  assert.throws(() => configFromEnv({ PORT: 'eighty' }), (e: Error) => e instanceof ConfigError && /PORT/.test(e.message));
  assert.throws(() => configFromEnv({ PORT: '70000' }), /port must be at most 65535/);
  assert.throws(() => configFromEnv({ JSONGLE_LOG_LEVEL: 'loud' }), /logLevel/);
  assert.throws(() => configFromEnv({ JSONGLE_MAX_MESSAGE_SIZE: '10' }), /maxMessageSize/);
  assert.throws(() => configFromEnv({ JSONGLE_SERVER_NAME: 'a/b' }), /name/);
});

test('--help lists every variable with its default', () => {
  const help = helpText();
  for (const s of SETTINGS) assert.match(help, new RegExp(`^  ${s.env} `, 'm'));
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'server/bin.ts', '--help'], { encoding: 'utf8', timeout: 20000 });
  assert.match(out, /JSONGLE_APP_TOKEN/);
  assert.match(out, /\[default: 8080\]/);
});

test('hostile-client settings: JSONGLE_FLOOD_CLOSE (10 s), JSONGLE_MAX_CONNECTIONS_PER_IP (100), JSONGLE_TRUST_PROXY (0)', () => {
  const d = configFromEnv({});
  assert.deepEqual([d.floodClose, d.maxConnectionsPerIp, d.trustProxy], [10, 100, 0]);
  const c = configFromEnv({ JSONGLE_FLOOD_CLOSE: '3', JSONGLE_MAX_CONNECTIONS_PER_IP: '7', JSONGLE_TRUST_PROXY: '1' });
  assert.deepEqual([c.floodClose, c.maxConnectionsPerIp, c.trustProxy], [3, 7, 1]);
  assert.throws(() => configFromEnv({ JSONGLE_TRUST_PROXY: 'yes' }), /JSONGLE_TRUST_PROXY/);
  assert.throws(() => configFromEnv({ JSONGLE_MAX_CONNECTIONS_PER_IP: '0' }), /maxConnectionsPerIp/);
  for (const env of ['JSONGLE_FLOOD_CLOSE', 'JSONGLE_MAX_CONNECTIONS_PER_IP', 'JSONGLE_TRUST_PROXY']) assert.match(helpText(), new RegExp(`^  ${env} `, 'm'));
});

test('JSONGLE_CALL_GRACE (default 10 s) and JSONGLE_RING_TIMEOUT (default 90 s), in ms', () => {
  assert.equal(configFromEnv({}).callGrace, 10_000);
  assert.equal(configFromEnv({}).ringTimeout, 90_000);
  const c = configFromEnv({ JSONGLE_CALL_GRACE: '0', JSONGLE_RING_TIMEOUT: '30000' });
  assert.equal(c.callGrace, 0, '0: no grace, peers are told at once');
  assert.equal(c.ringTimeout, 30_000);
  assert.throws(() => configFromEnv({ JSONGLE_RING_TIMEOUT: '10' }), /ringTimeout must be an integer ≥ 100/);
});
