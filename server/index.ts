// createServer(config): the JSONgle signaling server — one HTTP server with the WebSocket endpoint
// at /ws, /healthz, /metrics and the static demo page.
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Logger } from '../src/log.ts';
import { resolveConfig, type ServerConfig } from './config.ts';
import type { Context } from './context.ts';
import { dropCalls, leftCalls } from './handlers/calls.ts';
import { clusterEvents } from './handlers/cluster.ts';
import { sendHello } from './handlers/hello.ts';
import { announce } from './handlers/rooms.ts';
import { httpHandler, sameToken } from './http.ts';
import { createIdentity } from './identity.ts';
import { createMetrics, Stats } from './metrics.ts';
import { clientIp, PerIp } from './per-ip.ts';
import { Buckets } from './rate.ts';
import { RedisRegistry } from './redis/registry.ts';
import { MemoryRegistry, type Registry } from './registry.ts';
import { startRetention } from './retention.ts';
import { park, unparkAll } from './resume.ts';
import { route } from './router.ts';
import { asOneRead, CLOSE, Connection } from './socket.ts';
import { RedisStore } from './store/redis.ts';
import { SqliteStore } from './store/sqlite.ts';
import type { MessageStore } from './store/store.ts';

export type { ServerConfig } from './config.ts';
export { configFromEnv, resolveConfig, helpText, DEFAULTS } from './config.ts';
export { MemoryRegistry, type Registry } from './registry.ts';
export * from './store/store.ts';
export { SqliteStore } from './store/sqlite.ts';
export { RedisRegistry } from './redis/registry.ts';
export { RedisStore } from './store/redis.ts';

export interface JsongleServer {
  /** The HTTP root, e.g. `http://127.0.0.1:8080` (the demo page, /healthz, /metrics). */
  readonly url: string;
  /** The WebSocket endpoint, e.g. `ws://127.0.0.1:8080/ws`. */
  readonly wsUrl: string;
  readonly port: number;
  readonly config: ServerConfig;
  /** Open connections (registered or not). */
  readonly connections: number;
  /** Closes every connection (1001) and stops listening. */
  close(): Promise<void>;
}

export interface ServerOptions extends Partial<ServerConfig> {
  /** Another registry backend (default: in memory). */
  registry?: Registry;
  /** Another message store (default: SQLite in `dataDir`); the server closes it on close(). */
  store?: MessageStore;
  /** ms between two runs of the retention job (default 60000). */
  retentionInterval?: number;
}

const STATUS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };
const ignore = () => {};

function refuseUpgrade(socket: Socket, status: number) {
  const text = STATUS[status];
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}

export async function createServer(options: ServerOptions = {}): Promise<JsongleServer> {
  const { registry: custom, store: customStore, retentionInterval, ...overrides } = options;
  const config = resolveConfig(overrides);
  const log = new Logger('jsongle-server', config.logLevel);
  // First: a bad token setting stops the start before anything is opened.
  const identity = await createIdentity(config, (line) => log.log('warning', () => line));
  const cluster = !custom && config.redisUrl ? await RedisRegistry.start({ url: config.redisUrl, lease: config.nodeLease, log, batch: asOneRead }) : undefined;
  const registry: Registry = custom ?? cluster ?? new MemoryRegistry();
  // Several nodes share one store: with Redis configured, the messages live there too.
  const store = customStore ?? (config.redisUrl ? new RedisStore({ url: config.redisUrl }) : new SqliteStore({ dir: config.dataDir }));
  const stats = new Stats();
  const ctx: Context = { config, registry, stats, log, store, sn: config.name, identity, buckets: new Buckets(config.rateLimit, config.rateBurst) };
  const retention = startRetention(ctx, retentionInterval);
  const connections = new Set<Connection>();
  const perIp = new PerIp(config.maxConnectionsPerIp);
  const started = Date.now();
  let closing = false;

  const metrics = createMetrics(stats, {
    connections: () => connections.size, users: () => registry.users(), rooms: () => registry.rooms(),
    largestSendQueue: () => { let most = 0; for (const c of connections) most = Math.max(most, c.ws.bufferedAmount); return most; },
  }, config.processMetrics, cluster?.counters);
  const http = createHttpServer(httpHandler({
    staticDirs: config.staticDirs,
    metrics,
    metricsToken: config.metricsToken,
    health: () => ({ identity: identity.mode, uptime: Math.round((Date.now() - started) / 1000), connections: connections.size, users: registry.users(), rooms: registry.rooms(), ...registry.health?.() }),
  }));
  // Compression is off: signaling frames are small, and permessage-deflate costs CPU and ~300 KB
  // of zlib memory per connection.
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxMessageSize, perMessageDeflate: false, clientTracking: false });

  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', ignore);
    const ip = clientIp(req, config.trustProxy);
    const status = admit(req) || (perIp.add(ip) ? 0 : 429);
    if (status) {
      stats.refused++;
      log.log('debug', () => `upgrade refused with ${status} (${ip}, origin ${req.headers.origin ?? '-'})`);
      return refuseUpgrade(socket, status);
    }
    // The `?token=` fallback (token mode, when JSONGLE_APP_TOKEN does not use the parameter).
    const token = identity.verify && !config.token ? new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? undefined : undefined;
    // Counted from here: a handshake that fails never reaches accept(), and gives its place back.
    // Removed once accepted (the connection's close gives it back then): kept, it would keep this
    // scope, the upgrade request with it, as long as the socket.
    const giveBack = () => perIp.remove(ip);
    socket.once('close', giveBack);
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('close', giveBack);
      accept(ws, ip, token);
    });
  });

  /** The HTTP status refusing this upgrade, or 0 to accept it. */
  function admit(req: IncomingMessage): number {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return 404;
    if (closing || connections.size >= config.maxConnections) return 503;
    // Origin is checked when the browser sends one; other clients can set any Origin anyway.
    const origin = req.headers.origin;
    if (config.allowedOrigins.length && origin !== undefined && !config.allowedOrigins.includes(origin)) return 403;
    if (config.token && !sameToken(url.searchParams.get('token'), config.token)) return 401;
    return 0;
  }

  const dispatch = (client: Connection, m: Parameters<typeof route>[2]) => route(ctx, client, m);
  cluster?.attach(clusterEvents(ctx, (peer, m) => {
    route(ctx, peer, m)?.catch((e) => log.log('error', () => `handed-over message of ${peer.address} failed: ${(e as Error)?.stack ?? e}`));
  }));

  // No closure here may capture the upgrade request: a listener kept by the connection would keep
  // the request (headers and all, ~1.5 KB) alive as long as the connection.
  function accept(ws: WebSocket, ip: string, token?: string) {
    const client = new Connection(ws, ctx, dispatch, closed);
    client.ip = ip;
    client.urlToken = token;
    connections.add(client);
    stats.accepted++;
    sendHello(ctx, client);
  }

  function closed(client: Connection) {
    perIp.remove(client.ip);
    connections.delete(client);
    if (client.registered) void disconnected(client);
  }

  async function disconnected(client: Connection) {
    try {
      dropCalls(ctx, client);
      // The connection is forgotten at once (what is sent to its user meanwhile is stored for it);
      // its calls and the `left` of its rooms wait for it to resume within the grace.
      const sids = registry.callsOf(client);
      const rooms = await registry.remove(client);
      const leave = () => {
        leftCalls(ctx, client, sids);
        for (const room of rooms) announce(ctx, room, room.members.values(), client, 'left');
      };
      // A client that closed on purpose (1000) is not coming back, nor anyone once the server closes.
      if (closing || client.closeCode === CLOSE.NORMAL) leave();
      else park(ctx, client, { sids, rooms, leave });
    } catch (e) {
      log.log('error', () => `cleanup of ${client.address} failed: ${(e as Error)?.stack ?? e}`);
    }
  }

  // Heartbeat: a connection that did not answer the previous ping is gone (no FIN ever came).
  // (The hello deadline is each connection's own timer, socket.ts.)
  const heartbeat = setInterval(() => {
    for (const c of connections) {
      if (!c.alive) {
        log.log('debug', () => `connection ${c.address} missed a heartbeat`);
        c.ws.terminate();
      } else {
        c.alive = false;
        try { c.ws.ping(); } catch { /* closing */ }
      }
    }
  }, config.heartbeatInterval);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => {
      http.off('error', reject);
      resolve();
    });
  }).catch(async (e) => {
    clearInterval(heartbeat);
    await cluster?.close();
    throw e;
  });
  const port = (http.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '[::1]' : config.host.includes(':') ? `[${config.host}]` : config.host;
  log.log('info', () => `listening on http://${host}:${port} (WebSocket at /ws); identity: ${identity.mode}`);
  log.log(identity.mode === 'open' ? 'warning' : 'info', () => identity.description);

  return {
    url: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}/ws`,
    port,
    config,
    get connections() { return connections.size; },
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(heartbeat);
      retention.stop();
      await unparkAll(ctx);
      for (const c of connections) c.close(CLOSE.GOING_AWAY, 'Server shutting down');
      // Give the close handshakes a moment, then cut what is left.
      const deadline = Date.now() + 1000;
      while (connections.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      for (const c of connections) c.ws.terminate();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      await store.close().catch((e) => log.log('error', () => `closing the message store failed: ${(e as Error)?.message ?? e}`));
      await cluster?.close();
      log.log('info', () => 'closed');
    },
  };
}
