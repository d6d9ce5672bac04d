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
  /** Token bucket per connection: messages per second, and the burst allowed above it. */
  rateLimit: number;
  rateBurst: number;
  /** Milliseconds between pings; a connection that has not answered the previous one is terminated. */
  heartbeatInterval: number;
  /** A connection that has not completed the hello handshake after this many ms is closed. */
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
  heartbeatInterval: 25_000,
  helloTimeout: 30_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  logLevel: 'info',
  staticDirs: [],
  processMetrics: false,
  dataDir: './data',
  historyDays: 30,
  historyMaxPerConversation: 10_000,
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
  { key: 'rateLimit', env: 'JSONGLE_RATE_LIMIT', kind: 'int', min: 1, help: 'messages per second per connection; excess gets session-error 429001' },
  { key: 'rateBurst', env: 'JSONGLE_RATE_BURST', kind: 'int', min: 1, help: 'messages a connection may send in a burst above the rate' },
  { key: 'heartbeatInterval', env: 'JSONGLE_HEARTBEAT_INTERVAL', kind: 'int', min: 10, help: 'ms between pings; a connection missing one is terminated' },
  { key: 'helloTimeout', env: 'JSONGLE_HELLO_TIMEOUT', kind: 'int', min: 10, help: 'ms a connection has to complete the hello handshake' },
  { key: 'maxBufferedBytes', env: 'JSONGLE_MAX_BUFFERED_BYTES', kind: 'int', min: 65536, help: 'bytes queued for a slow peer before it is dropped' },
  { key: 'dataDir', env: 'JSONGLE_DATA_DIR', kind: 'string', help: 'folder of the message store (SQLite), created on start' },
  { key: 'historyDays', env: 'JSONGLE_HISTORY_DAYS', kind: 'int', min: 1, help: 'days stored messages are kept' },
  { key: 'historyMaxPerConversation', env: 'JSONGLE_HISTORY_MAX_PER_CONVERSATION', kind: 'int', min: 1, help: 'stored messages kept per conversation (the newest)' },
  { key: 'redisUrl', env: 'JSONGLE_REDIS_URL', kind: 'string', help: 'Redis URL (redis://host:6379/0); when set, several nodes share users, rooms and calls' },
  { key: 'nodeLease', env: 'JSONGLE_NODE_LEASE', kind: 'int', min: 300, help: 'ms within which the other nodes notice that a node died (with JSONGLE_REDIS_URL)' },
  { key: 'logLevel', env: 'JSONGLE_LOG_LEVEL', kind: 'level', help: `log level: ${LOG_LEVELS.join(', ')}` },
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
  const rows = SETTINGS.map((s) => {
    const d = DEFAULTS[s.key];
    const shown = Array.isArray(d) ? (d.length ? d.join(',') : '(none)') : d === '' ? '(none)' : String(d);
    return `  ${s.env.padEnd(28)} ${s.help} [default: ${shown}]`;
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
