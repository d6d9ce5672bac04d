// Server configuration: one table of settings gives the defaults, the environment variables, their
// validation and the --help text, so the four cannot drift apart.
import { LOG_LEVELS, type LogLevel } from '../src/log.ts';

export interface ServerConfig {
  /** TCP port (0: any free port). */
  port: number;
  host: string;
  /** When set, a WebSocket upgrade without `?token=<token>` is refused with 401. */
  token: string;
  /** When non-empty, an upgrade whose Origin is not listed is refused with 403. */
  allowedOrigins: string[];
  /** The server's JSONgle name (`sn`): the `from` of its own messages and the `to` of requests to it. */
  name: string;
  /** Largest frame in bytes; a bigger one closes the connection with 1009. */
  maxMessageSize: number;
  maxConnections: number;
  maxRoomsPerUser: number;
  /** Members of a multi-user room (a 1:1 room always holds 2). */
  maxMucMembers: number;
  /** Token bucket per user (shared by its connections; per connection before the hello): messages per second, and the burst allowed above it. */
  rateLimit: number;
  rateBurst: number;
  /** A connection over its rate limit for this many seconds in a row is closed with 1008. */
  floodClose: number;
  /** WebSocket connections one client address may hold at once; more are refused with 429. */
  maxConnectionsPerIp: number;
  /** Proxies in front of the server: the client address is the one they add to X-Forwarded-For (0: the header is ignored). */
  trustProxy: number;
  /** Milliseconds between pings; a connection that has not answered the previous one is terminated. */
  heartbeatInterval: number;
  /** A connection that has not completed the hello handshake after this many ms is destroyed. */
  helloTimeout: number;
  /** A peer with more than this many bytes waiting to be sent is too slow and is dropped. */
  maxBufferedBytes: number;
  logLevel: LogLevel;
  /** Folders served over HTTP (the demo page); empty: no static files. */
  staticDirs: string[];
  /** Also export Node's process metrics (CPU, memory, event loop) on /metrics. */
  processMetrics: boolean;
  /** Folder of the message store (SQLite file), created on start. */
  dataDir: string;
  /** Stored messages older than this many days are deleted. */
  historyDays: number;
  /** A conversation keeps at most this many stored messages (the newest). */
  historyMaxPerConversation: number;
  /** Identity tokens (server/identity.ts): an HS256 secret, a PEM public key (RS256/ES256) or a JWKS URL; none: open mode. */
  tokenSecret: string;
  tokenPublicKey: string;
  tokenJwksUrl: string;
  /** When set, a token's `iss` / `aud` must be this. */
  tokenIssuer: string;
  tokenAudience: string;
  /** Seconds a token is still accepted past its `exp` (clock skew between the application's backend and us). */
  tokenClockTolerance: number;
  /** Connections one uid may hold at once; one more gets its hello refused with 429002. */
  maxConnectionsPerUser: number;
  /** When set, /metrics needs `Authorization: Bearer <metricsToken>` (else 401). */
  metricsToken: string;
  /** Ms a closed connection's calls and rooms wait for the same client to resume before its peers are told (`gone`, `left`). */
  callGrace: number;
  /** Ms a call may stay unanswered before the server ends it. */
  ringTimeout: number;
  /** TURN server URLs handed out by `iq-get turn-credentials` (empty: none). */
  turnUrls: string[];
  /** coturn's `static-auth-secret`: signs the TURN credentials ('' : none handed out). */
  turnSecret: string;
  /** Seconds a TURN credential stays valid. */
  turnTtl: number;
  /** When set (`redis://host:6379/0`), nodes share users, rooms and calls through this Redis. */
  redisUrl: string;
  /** ms within which the other nodes notice a node that died (its lease in Redis lapses). */
  nodeLease: number;
}

type Kind = 'int' | 'string' | 'list' | 'level';
interface Setting { key: keyof ServerConfig; env: string; kind: Kind; min?: number; help: string }

export const DEFAULTS: ServerConfig = {
  port: 8080,
  host: '127.0.0.1',
  token: '',
  allowedOrigins: [],
  name: 'jsongle',
  maxMessageSize: 64 * 1024,
  maxConnections: 10_000,
  maxRoomsPerUser: 32,
  maxMucMembers: 10,
  rateLimit: 100,
  rateBurst: 200,
  floodClose: 10,
  maxConnectionsPerIp: 100,
  trustProxy: 0,
  heartbeatInterval: 25_000,
  helloTimeout: 30_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  logLevel: 'info',
  staticDirs: [],
  processMetrics: false,
  dataDir: './data',
  historyDays: 30,
  historyMaxPerConversation: 10_000,
  tokenSecret: '',
  tokenPublicKey: '',
  tokenJwksUrl: '',
  tokenIssuer: '',
  tokenAudience: '',
  tokenClockTolerance: 30,
  maxConnectionsPerUser: 10,
  metricsToken: '',
  callGrace: 10_000,
  ringTimeout: 90_000,
  turnUrls: [],
  turnSecret: '',
  turnTtl: 86_400,
  redisUrl: '',
  nodeLease: 10_000,
};

export const SETTINGS: Setting[] = [
  { key: 'port', env: 'PORT', kind: 'int', min: 0, help: 'TCP port to listen on' },
  { key: 'host', env: 'HOST', kind: 'string', help: 'address to listen on (0.0.0.0 for every interface)' },
  { key: 'token', env: 'JSONGLE_APP_TOKEN', kind: 'string', help: 'application token; when set, connections must pass ?token=<value> (else 401)' },
  { key: 'allowedOrigins', env: 'JSONGLE_ALLOWED_ORIGINS', kind: 'list', help: 'comma-separated Origins allowed to connect (else 403); empty allows any' },
  { key: 'name', env: 'JSONGLE_SERVER_NAME', kind: 'string', help: "the server's JSONgle name (sn), the address of requests to the server" },
  { key: 'maxMessageSize', env: 'JSONGLE_MAX_MESSAGE_SIZE', kind: 'int', min: 1024, help: 'largest message in bytes; bigger closes the connection with 1009' },
  { key: 'maxConnections', env: 'JSONGLE_MAX_CONNECTIONS', kind: 'int', min: 1, help: 'connections held at once; more are refused with 503' },
  { key: 'maxRoomsPerUser', env: 'JSONGLE_MAX_ROOMS_PER_USER', kind: 'int', min: 1, help: 'rooms one user may be in at once' },
  { key: 'maxMucMembers', env: 'JSONGLE_MAX_MUC_MEMBERS', kind: 'int', min: 2, help: 'members of a multi-user room' },
  { key: 'rateLimit', env: 'JSONGLE_RATE_LIMIT', kind: 'int', min: 1, help: 'messages per second per user (all its connections); beyond it the server stops reading, and says 429001 once a second' },
  { key: 'rateBurst', env: 'JSONGLE_RATE_BURST', kind: 'int', min: 1, help: 'messages a user may send in a burst above the rate' },
  { key: 'floodClose', env: 'JSONGLE_FLOOD_CLOSE', kind: 'int', min: 1, help: 'seconds in a row over the rate limit after which a connection is closed with 1008' },
  { key: 'maxConnectionsPerIp', env: 'JSONGLE_MAX_CONNECTIONS_PER_IP', kind: 'int', min: 1, help: 'connections one client address may hold at once; more are refused with 429' },
  { key: 'trustProxy', env: 'JSONGLE_TRUST_PROXY', kind: 'int', min: 0, help: 'proxies in front of the server: the client address is the one the last of them adds to X-Forwarded-For (0: the header is ignored)' },
  { key: 'heartbeatInterval', env: 'JSONGLE_HEARTBEAT_INTERVAL', kind: 'int', min: 10, help: 'ms between pings; a connection missing one is terminated' },
  { key: 'helloTimeout', env: 'JSONGLE_HELLO_TIMEOUT', kind: 'int', min: 10, help: 'ms a connection has to complete the hello handshake; then its socket is destroyed' },
  { key: 'maxBufferedBytes', env: 'JSONGLE_MAX_BUFFERED_BYTES', kind: 'int', min: 65536, help: 'bytes queued for a slow peer before it is dropped' },
  { key: 'dataDir', env: 'JSONGLE_DATA_DIR', kind: 'string', help: 'folder of the message store (SQLite), created on start' },
  { key: 'historyDays', env: 'JSONGLE_HISTORY_DAYS', kind: 'int', min: 1, help: 'days stored messages are kept' },
  { key: 'historyMaxPerConversation', env: 'JSONGLE_HISTORY_MAX_PER_CONVERSATION', kind: 'int', min: 1, help: 'stored messages kept per conversation (the newest)' },
  { key: 'callGrace', env: 'JSONGLE_CALL_GRACE', kind: 'int', min: 0, help: 'ms a closed connection may resume in, keeping its calls and rooms; then its peers get session-terminate gone and left' },
  { key: 'ringTimeout', env: 'JSONGLE_RING_TIMEOUT', kind: 'int', min: 100, help: 'ms a call may ring unanswered before the server ends it' },
  { key: 'redisUrl', env: 'JSONGLE_REDIS_URL', kind: 'string', help: 'Redis URL (redis://host:6379/0); when set, several nodes share users, rooms and calls' },
  { key: 'nodeLease', env: 'JSONGLE_NODE_LEASE', kind: 'int', min: 300, help: 'ms within which the other nodes notice that a node died (with JSONGLE_REDIS_URL)' },
  { key: 'logLevel', env: 'JSONGLE_LOG_LEVEL', kind: 'level', help: `log level: ${LOG_LEVELS.join(', ')}` },
  { key: 'tokenSecret', env: 'JSONGLE_TOKEN_SECRET', kind: 'string', help: 'HS256 secret (32+ characters) of the identity tokens (JWT) every connection must present; unset with the two below: open mode' },
  { key: 'tokenPublicKey', env: 'JSONGLE_TOKEN_PUBLIC_KEY', kind: 'string', help: 'or: the PEM public key (its text or a file path) of RS256 / ES256 identity tokens' },
  { key: 'tokenJwksUrl', env: 'JSONGLE_TOKEN_JWKS_URL', kind: 'string', help: "or: the URL of the application's JWKS (RS256 / ES256 keys, fetched and cached)" },
  { key: 'tokenIssuer', env: 'JSONGLE_TOKEN_ISSUER', kind: 'string', help: "when set, a token's 'iss' must be this" },
  { key: 'tokenAudience', env: 'JSONGLE_TOKEN_AUDIENCE', kind: 'string', help: "when set, a token's 'aud' must include this" },
  { key: 'maxConnectionsPerUser', env: 'JSONGLE_MAX_CONNECTIONS_PER_USER', kind: 'int', min: 1, help: 'connections one user may hold at once; more get their hello refused with 429002' },
  { key: 'metricsToken', env: 'JSONGLE_METRICS_TOKEN', kind: 'string', help: 'when set, /metrics needs the header Authorization: Bearer <value> (else 401)' },
  { key: 'turnUrls', env: 'JSONGLE_TURN_URLS', kind: 'list', help: 'comma-separated TURN URLs (turn:host:3478?transport=udp,…) handed out by iq-get turn-credentials' },
  { key: 'turnSecret', env: 'JSONGLE_TURN_SECRET', kind: 'string', help: "the TURN server's shared secret (coturn use-auth-secret / static-auth-secret); signs the credentials" },
  { key: 'turnTtl', env: 'JSONGLE_TURN_TTL', kind: 'int', min: 60, help: 'seconds a TURN credential stays valid' },
];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Defaults, overridden by `overrides`; every value checked (throws ConfigError listing the problems). */
export function resolveConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const config: ServerConfig = { ...DEFAULTS, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  const problems: string[] = [];
  for (const s of SETTINGS) {
    const v = config[s.key];
    if (s.kind === 'int' && !(Number.isInteger(v) && (v as number) >= (s.min ?? 0))) problems.push(`${s.key} must be an integer ≥ ${s.min ?? 0}, got ${String(v)}`);
    if (s.kind === 'string' && typeof v !== 'string') problems.push(`${s.key} must be a string`);
    if (s.kind === 'list' && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) problems.push(`${s.key} must be a list of strings`);
    if (s.kind === 'level' && !LOG_LEVELS.includes(v as LogLevel)) problems.push(`${s.key} must be one of ${LOG_LEVELS.join(', ')}`);
  }
  if (config.port > 65535) problems.push(`port must be at most 65535, got ${config.port}`);
  if (!config.name) problems.push('name must not be empty');
  if (config.name.includes('/')) problems.push('name must not contain "/"');
  if (!(Number.isFinite(config.tokenClockTolerance) && config.tokenClockTolerance >= 0)) problems.push('tokenClockTolerance must be a number of seconds ≥ 0');
  if (!config.turnUrls.length !== !config.turnSecret) problems.push('turnUrls and turnSecret (JSONGLE_TURN_URLS, JSONGLE_TURN_SECRET) must be set together');
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return config;
}

/** The configuration the environment describes (unset or empty variables keep their defaults). */
export function configFromEnv(env: Record<string, string | undefined> = process.env, extra: Partial<ServerConfig> = {}): ServerConfig {
  const overrides: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const s of SETTINGS) {
    const raw = env[s.env]?.trim();
    if (raw === undefined || raw === '') continue;
    if (s.kind === 'int') {
      if (!/^\d+$/.test(raw)) problems.push(`${s.env} must be a non-negative integer, got '${raw}'`);
      else overrides[s.key] = Number(raw);
    } else if (s.kind === 'list') overrides[s.key] = raw.split(',').map((x) => x.trim()).filter(Boolean);
    else overrides[s.key] = raw;
  }
  if (problems.length) throw new ConfigError(`Invalid environment:\n  ${problems.join('\n  ')}`);
  return resolveConfig({ ...overrides, ...extra });
}

export function helpText(): string {
  const width = Math.max(...SETTINGS.map((s) => s.env.length)) + 1;
  const rows = SETTINGS.map((s) => {
    const d = DEFAULTS[s.key];
    const shown = Array.isArray(d) ? (d.length ? d.join(',') : '(none)') : d === '' ? '(none)' : String(d);
    return `  ${s.env.padEnd(width)} ${s.help} [default: ${shown}]`;
  });
  return [
    'jsongle-server: the JSONgle signaling server (WebSocket at /ws, /healthz, /metrics, the demo page at /).',
    '',
    'Usage: jsongle-server [--help]',
    '',
    'Configured by environment variables:',
    ...rows,
    '',
  ].join('\n');
}
