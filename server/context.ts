// What every handler is given: configuration, the registry, counters, the log, and the few ways a
// message leaves the server. Sending goes through here so that counting stays in one place.
import type { Logger } from '../src/log.ts';
import { envelope, errorMessage, iqMessage } from '../src/protocol/build.ts';
import { ACTION, type Body, type IqBody, type JsongleMessage } from '../src/protocol/messages.ts';
import type { ServerConfig } from './config.ts';
import type { Identity } from './identity.ts';
import type { Stats } from './metrics.ts';
import type { Buckets } from './rate.ts';
import type { Peer, Registry } from './registry.ts';
import type { MessageStore } from './store/store.ts';
import { spliced, type Received } from './wire.ts';

export interface Context {
  readonly config: ServerConfig;
  readonly registry: Registry;
  readonly stats: Stats;
  readonly log: Logger;
  /** Stored messages: store-and-forward and history (see store/store.ts). */
  readonly store: MessageStore;
  /** The server's JSONgle name. */
  readonly sn: string;
  /** Open mode, or how tokens are verified. */
  readonly identity: Identity;
  /** Rate-limit buckets, one per registered user. */
  readonly buckets: Buckets;
}

/** A connection as seen by the handlers: a Peer, plus what the socket layer knows of it. */
export interface Client extends Peer {
  uid: string;
  dn: string;
  registered: boolean;
  /** The socket closed: nothing sent to it arrives. */
  readonly closed: boolean;
  /** The transaction of the hello request sent to this connection ('' once answered). */
  hello: string;
  /** Where the server's own messages to it go: its uid once registered, its provisional id before. */
  readonly address: string;
  /** Rooms its identity token allows it to join (undefined: any). */
  rooms?: readonly string[];
  /** A token given as `?token=` in the URL, kept until the hello answer (token mode only). */
  urlToken?: string;
  /** Closes it with 1008 "token expired" at `until` (ms since the epoch), replacing the deadline set before. */
  expireAt(until: number): void;
  close(code: number, reason: string): void;
  /**
   * Reserves the place of an answer given later (after a store write or read): what is sent to it
   * meanwhile waits behind it, so that answers leave in the order of the frames that caused them.
   * Call the function returned with the answer's frame or frames, or with nothing when there is none.
   */
  reserve(): (frames?: string | readonly string[]) => void;
  /** The resume id of its hello answer: a new connection presenting it within the grace takes over (see resume.ts). */
  resume?: string;
  /** While a frame of it is handled: its text, and the message decoded from it (see wire.ts). */
  readonly frame?: string;
  readonly decoded?: JsongleMessage;
}

let lastMs = 0;
let lastIso = '';
/** `new Date().toISOString()`, computed at most once per millisecond: every relayed message is stamped. */
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** Delivers a relayed message to one connection, counted by action. */
export function deliver(ctx: Context, peer: Peer, m: JsongleMessage) {
  ctx.stats.relay(m.jsongle.action);
  peer.send(JSON.stringify(m));
}

/** Sends the server's own message (`from` = sn) to a connection. */
export function fromServer<J extends Body>(ctx: Context, client: Client, body: J) {
  client.send(JSON.stringify(envelope(ctx.sn, client.address, body)));
}

/** `session-error` to a connection; `mid`: the id of the message it is about, when there is one. */
export function sendError(ctx: Context, client: Client, code: number, details: string, mid?: string) {
  ctx.stats.error(code);
  ctx.log.log('debug', () => `error ${code} to ${client.address}: ${details}`);
  client.send(JSON.stringify(errorMessage(ctx.sn, client.address, code, details, mid)));
}

/**
 * Refuses message `m`: a request (`iq-get` / `iq-set`) gets `iq-error` with its transaction, so
 * that the requester's promise settles at once; anything else gets `session-error`. Both name the
 * message refused (`description.mid`).
 */
export function refuse(ctx: Context, client: Client, m: JsongleMessage, code: number, details: string) {
  const j = m.jsongle as IqBody;
  if (j.action !== ACTION.IQ_GET && j.action !== ACTION.IQ_SET) return sendError(ctx, client, code, details, m.id);
  ctx.stats.error(code);
  ctx.log.log('debug', () => `iq-error ${code} to ${client.address}: ${details}`);
  client.send(JSON.stringify(iqMessage(ctx.sn, client.address, ACTION.IQ_ERROR, j.query, j.transaction, { errorCode: code, errorDetails: details, mid: m.id })));
}

/**
 * Relays `m` to each of `peers` as `from`, with `to` = the peer's uid. Serialized once, not once per
 * peer: the fan-out of a large frame to a full room would cost one JSON.stringify per member; and
 * not at all when the sender's text can be relayed as it is (`received`: see wire.ts).
 */
export function fanOut(ctx: Context, m: JsongleMessage, from: string, peers: Iterable<Peer>, received?: Received) {
  const [head, tail] = received ? spliced(received, m, from) : serialized(m, from);
  for (const peer of peers) {
    ctx.stats.relay(m.jsongle.action);
    peer.send(head + JSON.stringify(peer.uid) + tail);
  }
  m.from = from;
}

/** `m` as JSON around its `to`, as spliced() cuts it. */
function serialized(m: JsongleMessage, from: string): [string, string] {
  // The envelope rebuilt in its wire order, so that `to` sits at a known offset (a client may have
  // sent its keys in any order, and any text in its fields).
  const wire: { from: string; to: string } = Object.assign({ id: m.id, from, to: '' }, m);
  wire.from = from;
  wire.to = '';
  const frame = JSON.stringify(wire);
  const at = 6 + JSON.stringify(m.id).length + 8 + JSON.stringify(from).length + 6; // {"id":…,"from":…,"to":
  return [frame.slice(0, at), frame.slice(at + 2)];
}
