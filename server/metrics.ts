// Counters kept as plain numbers on the hot path and copied into prom-client only when /metrics is
// scraped: a labelled prom-client inc() hashes its labels on every call, which the relay of every
// message would pay for.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export class Stats {
  /** Messages relayed (one per delivery), by action. */
  readonly relayed = new Map<string, number>();
  /** Errors sent (session-error, iq-error, or a close for size), by code. */
  readonly errors = new Map<string, number>();
  bytesIn = 0;
  bytesOut = 0;
  accepted = 0;
  refused = 0;
  /** Connections dropped for having more than JSONGLE_MAX_BUFFERED_BYTES unsent. */
  slowDropped = 0;
  relay(action: string) { this.relayed.set(action, (this.relayed.get(action) ?? 0) + 1); }
  error(code: number | string) { this.errors.set(String(code), (this.errors.get(String(code)) ?? 0) + 1); }
}

export interface Counts {
  connections(): number; users(): number; rooms(): number;
  /** Bytes waiting to be sent to the most backed-up connection. */
  largestSendQueue(): number;
}
/** Several nodes (Redis): frames to and from the other nodes, and the last Redis round trip. */
export interface ClusterCounts { published: number; received: number; publishes: number; rtt: number }

/** A prom-client registry of its own (several servers may live in one process, as in the tests). */
export function createMetrics(stats: Stats, counts: Counts, processMetrics: boolean, cluster?: ClusterCounts): Registry {
  const registry = new Registry();
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers, collect() { this.set(read()); } });
  const total = (name: string, help: string, read: () => number) =>
    new Counter({ name, help, registers, collect() { this.reset(); this.inc(read()); } });
  const byLabel = (name: string, help: string, label: string, read: () => Map<string, number>) =>
    new Counter({
      name, help, registers, labelNames: [label],
      collect() {
        this.reset();
        for (const [value, n] of read()) this.inc({ [label]: value }, n);
      },
    });

  gauge('jsongle_connections', 'Open WebSocket connections', counts.connections);
  gauge('jsongle_users', 'Registered users (distinct uids with at least one connection)', counts.users);
  gauge('jsongle_rooms', 'Rooms with at least one member', counts.rooms);
  gauge('jsongle_send_queue_max_bytes', 'Bytes waiting to be sent to the most backed-up connection (above JSONGLE_MAX_BUFFERED_BYTES it is dropped)', counts.largestSendQueue);
  byLabel('jsongle_messages_relayed_total', 'Messages relayed to a recipient, by action', 'action', () => stats.relayed);
  byLabel('jsongle_errors_total', 'Errors sent to clients, by code', 'code', () => stats.errors);
  total('jsongle_bytes_received_total', 'Bytes of WebSocket messages received (payloads)', () => stats.bytesIn);
  total('jsongle_bytes_sent_total', 'Bytes of WebSocket frames sent (payloads and frame headers)', () => stats.bytesOut);
  total('jsongle_connections_accepted_total', 'WebSocket connections accepted', () => stats.accepted);
  total('jsongle_slow_peers_dropped_total', 'Connections dropped for not reading: more than JSONGLE_MAX_BUFFERED_BYTES unsent', () => stats.slowDropped);
  total('jsongle_connections_refused_total', 'WebSocket upgrades refused (token, origin, capacity, path)', () => stats.refused);
  if (cluster) {
    total('jsongle_cluster_frames_published_total', 'Frames sent to connections on other nodes (through Redis)', () => cluster.published);
    total('jsongle_cluster_frames_received_total', 'Frames received from other nodes for connections on this one', () => cluster.received);
    total('jsongle_cluster_publishes_total', 'PUBLISH commands to other nodes (the frames of one read to one node leave in one)', () => cluster.publishes);
    gauge('jsongle_redis_rtt_seconds', 'Round-trip time of the last lease refresh in Redis', () => cluster.rtt / 1000);
  }
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}
