// What every handler is given: configuration, the registry, counters, the log, and the few ways a
// message leaves the server. Sending goes through here so that counting stays in one place.
import type { Logger } from '../src/log.ts';
import { envelope, errorMessage, iqMessage } from '../src/protocol/build.ts';
import { ACTION, type Body, type IqBody, type JsongleMessage } from '../src/protocol/messages.ts';
import type { ServerConfig } from './config.ts';
import type { Stats } from './metrics.ts';
import type { Peer, Registry } from './registry.ts';
import type { MessageStore } from './store/store.ts';

export interface Context {
  readonly config: ServerConfig;
  readonly registry: Registry;
  readonly stats: Stats;
  readonly log: Logger;
  /** Stored messages: store-and-forward and history (see store/store.ts). */
  readonly store: MessageStore;
  /** The server's JSONgle name. */
  readonly sn: string;
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
  /** The resume id of its hello answer: a new connection presenting it within the grace takes over (see resume.ts). */
  resume?: string;
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

/** `session-error` to a connection. */
export function sendError(ctx: Context, client: Client, code: number, details: string) {
  ctx.stats.error(code);
  ctx.log.log('debug', () => `error ${code} to ${client.address}: ${details}`);
  client.send(JSON.stringify(errorMessage(ctx.sn, client.address, code, details)));
}

/**
 * Refuses message `m`: a request (`iq-get` / `iq-set`) gets `iq-error` with its transaction, so
 * that the requester's promise settles at once; anything else gets `session-error`.
 */
export function refuse(ctx: Context, client: Client, m: JsongleMessage, code: number, details: string) {
  const j = m.jsongle as IqBody;
  if (j.action !== ACTION.IQ_GET && j.action !== ACTION.IQ_SET) return sendError(ctx, client, code, details);
  ctx.stats.error(code);
  ctx.log.log('debug', () => `iq-error ${code} to ${client.address}: ${details}`);
  client.send(JSON.stringify(iqMessage(ctx.sn, client.address, ACTION.IQ_ERROR, j.query, j.transaction, { errorCode: code, errorDetails: details })));
}
