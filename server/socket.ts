// One WebSocket connection: frames in (size, rate limit, binary, decode), messages out (backpressure),
// the hello deadline, and the liveness flag the heartbeat reads. Frames of one connection are handled
// strictly in order, and so leave their answers (errors included) in that order.
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { CLIENT_ERROR, ERROR_CODE } from '../src/protocol/codes.ts';
import type { JsongleMessage } from '../src/protocol/messages.ts';
import { decode, type Decoded } from '../src/protocol/parse.ts';
import { sendError, type Client, type Context } from './context.ts';
import type { Bucket } from './rate.ts';
import { asciiFrames, encodeFrames, rawSocket } from './frames.ts';

/** decode() failures → protocol error codes. */
const DECODE_ERROR: Record<string, number> = {
  [CLIENT_ERROR.INVALID_JSON]: ERROR_CODE.NOT_JSONGLE,
  [CLIENT_ERROR.NOT_AN_OBJECT]: ERROR_CODE.NOT_JSONGLE,
  [CLIENT_ERROR.NOT_JSONGLE]: ERROR_CODE.NOT_JSONGLE,
  [CLIENT_ERROR.UNKNOWN_ACTION]: ERROR_CODE.ACTION_NOT_ALLOWED,
  [CLIENT_ERROR.INVALID_FIELD]: ERROR_CODE.BAD_PARAMETERS,
  [CLIENT_ERROR.FORBIDDEN_KEY]: ERROR_CODE.BAD_PARAMETERS,
};
export const CLOSE = { NORMAL: 1000, GOING_AWAY: 1001, POLICY: 1008, TOO_BIG: 1009, TRY_AGAIN: 1013 } as const;
const TEXT = { binary: false } as const;
/**
 * JSON values a frame may hold (see decode()): JSONgle messages hold a few dozen; a 64 KB frame of
 * 2,000 tiny objects would cost milliseconds to parse.
 */
export const MAX_VALUES = 2048;
/** A frame whose handling was put off: its text, or null for a binary frame (refused in its turn). */
type Frame = string | null;
/** What is held back behind an answer not ready yet: its frames (none: empty) once ready. */
type Held = { frames: readonly string[]; ready: boolean };
/** When the current stretch over the rate limit began, when the bucket was last found empty, and when the client was last told. */
type Limited = { since: number; at: number; warnedAt: number };

// Frames are gathered while one socket read is handled (ws parses every frame of the chunk and
// emits 'message' for each, synchronously, inside its 'data' listener), and leave when that read
// ends: readStart/readEnd are 'data' listeners placed before and after ws's own. Why not a
// process.nextTick per batch, as before: when nothing batches (one message in flight per
// connection) the tick, and the second entry into JS that runs it after each read, cost ~0.5 µs per
// message; the batches under load are the same (one per read).
let reading = false;
/** Connections with frames gathered during the current read. */
let gathered: Connection[] = [];
function readStart() {
  if (gathered.length) readEnd(); // a read that did not end (a listener threw): its frames first
  reading = true;
}
function readEnd() {
  reading = false;
  if (gathered.length === 0) return;
  const list = gathered;
  gathered = [];
  for (const c of list) c._flush();
}

/** Runs `fn` as one socket read: what it sends to a connection leaves in one write (frames from another node). */
export function asOneRead(fn: () => void) {
  readStart();
  try {
    fn();
  } finally {
    readEnd();
  }
}

export type Router = (client: Connection, m: JsongleMessage) => void | Promise<void>;

export class Connection implements Client {
  readonly cid = randomUUID();
  hello: string = randomUUID();
  uid = '';
  dn = '';
  #registered = false;
  /** Set by a pong, cleared by each heartbeat ping. */
  alive = true;
  closed = false;
  /**
   * Its own bucket until registered, then its user's (shared by the user's connections), joined at
   * its first frame after the hello: undefined in between.
   */
  #bucket: Bucket | undefined;
  #shared = false;
  /** Frames waiting, in order, while a handler works or the bucket is empty; null when none wait. */
  #queue: Frame[] | null = null;
  /** The socket is paused: nothing more is read from it until the queue is handled. */
  #paused = false;
  /** Handles the queue again when the bucket has a token. */
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** Once over the rate limit (most connections never are): see #throttle. */
  #limit: Limited | undefined;
  /** Flood-closed: frames still arriving are dropped. */
  #closing = false;
  /** Until registered (an idle connection keeps no timer). */
  #helloTimer: ReturnType<typeof setTimeout> | undefined;
  /** The WebSocket close code (1000: the client closed on purpose, it will not resume). */
  closeCode = 0;
  /** Frames waiting for the end of the socket read being handled (see readEnd, frames.ts). */
  #out: string[] | null = null;
  /** What is sent behind an answer reserved and not given yet, in order (see reserve); null when none is. */
  #held: Held[] | null = null;
  /** The socket under ws, when frames may be written to it directly (fixed once the handshake is done). */
  readonly #raw: ReturnType<typeof rawSocket>;
  /** The client's address, as counted per IP (per-ip.ts): a field, not a closure per connection. */
  ip = '';
  // Initialized here, not added later, so that they have a place in the object itself.
  rooms: readonly string[] | undefined = undefined;
  urlToken: string | undefined = undefined;
  resume: string | undefined = undefined;
  /** While a frame is handled: its text and the message decoded from it (relayed as its text: wire.ts). */
  frame: string | undefined = undefined;
  decoded: JsongleMessage | undefined = undefined;
  /** Closes the connection when its identity token ends (token mode). */
  #expiry: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly ws: WebSocket, private readonly ctx: Context, private readonly router: Router, onClose: (client: Connection) => void) {
    this.#bucket = ctx.buckets.own();
    this.#raw = rawSocket(ws);
    // Around ws's own 'data' listener: the frames this read makes us send leave when it is handled.
    this.#raw?.prependListener('data', readStart).on('data', readEnd);
    ws.on('message', (data: Buffer, binary: boolean) => this.#frame(data, binary));
    ws.on('pong', () => { this.alive = true; });
    ws.on('error', (e: Error & { code?: string }) => {
      // ws reports protocol violations here, then closes: an oversized frame closes with 1009.
      if (e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') ctx.stats.error(CLOSE.TOO_BIG);
      ctx.log.log('debug', () => `connection ${this.address}: ${e.message}`);
    });
    // At its deadline, not at the next sweep; destroyed, not closed: a silent peer would hold the
    // socket for the whole close handshake.
    this.#helloTimer = setTimeout(() => {
      if (this.registered || this.closed) return;
      ctx.stats.error('hello-timeout');
      ctx.log.log('debug', () => `connection ${this.cid} did not answer the hello in ${ctx.config.helloTimeout} ms`);
      ws.terminate();
    }, ctx.config.helloTimeout);
    this.#helloTimer.unref?.();
    ws.on('close', (code: number) => {
      this.closed = true;
      this.closeCode = code;
      clearTimeout(this.#expiry);
      this.#queue = null;
      this.#held = null;
      clearTimeout(this.#helloTimer);
      clearTimeout(this.#retry);
      if (this.#shared) ctx.buckets.leave(this.uid);
      onClose(this);
    });
  }

  get address() { return this.uid || this.cid; }

  get registered() { return this.#registered; }
  /** Registered: the hello deadline and the connection's own bucket are no longer needed. */
  set registered(yes: boolean) {
    this.#registered = yes;
    if (!yes) return;
    clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
    if (!this.#shared) this.#bucket = undefined;
  }

  send(frame: string) {
    if (this.#held) return void this.#held.push({ frames: [frame], ready: true });
    this.#write(frame);
  }

  /**
   * A place, in this connection's answers, for one that is not ready yet (a handler that did not
   * wait still answers in frame order): what is sent after it waits behind it until it is given,
   * as a frame, as frames or as nothing (only the first call counts).
   */
  reserve(): (frames?: string | readonly string[]) => void {
    const slot: Held = { frames: [], ready: false };
    (this.#held ??= []).push(slot);
    return (frames) => {
      if (slot.ready) return;
      slot.ready = true;
      slot.frames = frames === undefined ? [] : typeof frames === 'string' ? [frames] : frames;
      this.#release();
    };
  }

  /** Sends the held answers up to the first one not ready, in one write. */
  #release() {
    const held = this.#held;
    if (!held || !held[0].ready) return;
    const run = () => {
      let n = 0;
      for (; n < held.length && held[n].ready; n++) for (const frame of held[n].frames) this.#write(frame);
      held.splice(0, n);
      if (held.length === 0 && this.#held === held) this.#held = null;
    };
    if (reading) run();
    else asOneRead(run);
  }

  #write(frame: string) {
    const ws = this.ws;
    if (ws.readyState !== 1) return;
    if (ws.bufferedAmount > this.ctx.config.maxBufferedBytes) {
      // A peer that does not read would make the server hold its backlog forever.
      this.ctx.log.log('warning', () => `dropping ${this.address}: more than ${this.ctx.config.maxBufferedBytes} bytes unsent`);
      this.ctx.stats.slowDropped++;
      ws.terminate();
      return;
    }
    if (this.#out) return void this.#out.push(frame);
    if (!this.#raw) {
      this.ctx.stats.bytesOut += Buffer.byteLength(frame);
      return ws.send(frame, TEXT);
    }
    if (reading) {
      // The first frame of this read: the others sent to this connection before it ends join it.
      this.#out = [frame];
      gathered.push(this);
      return;
    }
    // Outside a read (a timer, a handler that waited, a close): nothing would join it, it leaves now.
    this.#out = [frame];
    this._flush();
  }

  /** Writes the frames gathered during this read, in one write(). */
  _flush() {
    const texts = this.#out;
    this.#out = null;
    if (!texts || this.ws.readyState !== 1 || !this.#raw) return;
    const ascii = asciiFrames(texts);
    if (ascii !== undefined) {
      this.ctx.stats.bytesOut += ascii.length;
      this.#raw.write(ascii, 'latin1');
      return;
    }
    const data = encodeFrames(texts);
    this.ctx.stats.bytesOut += data.length;
    this.#raw.write(data);
  }

  close(code: number, reason: string) {
    this._flush(); // what was sent before the close goes before the close frame
    if (this.ws.readyState === 1) this.ws.close(code, reason);
  }

  expireAt(until: number) {
    clearTimeout(this.#expiry);
    // setTimeout holds at most ~24.8 days: a longer token re-arms on the way.
    const wait = Math.min(until - Date.now(), 2 ** 31 - 1);
    const end = () => (Date.now() >= until ? this.close(CLOSE.POLICY, 'token expired') : this.expireAt(until));
    this.#expiry = setTimeout(end, Math.max(0, wait));
  }

  #frame(data: Buffer, binary: boolean) {
    this.ctx.stats.bytesIn += data.length;
    if (this.#closing) return;
    const frame = binary ? null : data.toString();
    // Frames ws had parsed from the last read before the socket was paused wait their turn.
    if (this.#queue) return void this.#queue.push(frame);
    if (!this.#take()) {
      this.#queue = [frame];
      return this.#throttle();
    }
    const pending = this.#handle(frame);
    if (pending) this.#wait(pending);
  }

  /** A token from the bucket; the user's shared bucket from the first frame after the hello. */
  #take(): boolean {
    if (this.registered && !this.#shared) {
      this.#bucket = this.ctx.buckets.join(this.uid);
      this.#shared = true;
    }
    return this.#bucket!.take();
  }

  /** A handler is still working: later frames wait for it, and nothing more is read meanwhile. */
  #wait(pending: Promise<void>) {
    this.#queue ??= [];
    this.#pause();
    pending.then(() => this.#drain());
  }

  /**
   * The bucket is empty: stop reading (TCP holds the rest at the sender), say so at most once a
   * second, and come back when a token is due. Over the limit for `floodClose` seconds: closed.
   */
  #throttle() {
    const ctx = this.ctx;
    const now = performance.now();
    const limit = (this.#limit ??= { since: now, at: now, warnedAt: -Infinity });
    if (now - limit.at > 1000) limit.since = now; // a new stretch over the limit
    limit.at = now;
    if (now - limit.since >= ctx.config.floodClose * 1000) return this.#floodClose();
    this.#pause();
    this.alive = true; // its pongs wait unread behind the frames: not its fault
    if (now - limit.warnedAt >= 1000) {
      limit.warnedAt = now;
      sendError(ctx, this, ERROR_CODE.RATE_LIMITED, `Over the rate limit of ${ctx.config.rateLimit} messages per second: reading paused`);
    }
    this.#retry = setTimeout(() => this.#drain(), this.#bucket!.wait());
  }

  #floodClose() {
    const ctx = this.ctx;
    this.#closing = true;
    this.#queue = null;
    ctx.stats.error(CLOSE.POLICY);
    ctx.log.log('warning', () => `closing ${this.address}: over the rate limit for ${ctx.config.floodClose} s`);
    this.close(CLOSE.POLICY, 'Rate limit exceeded for too long');
    // Its socket stays paused (a flooder's close reply would wait behind its frames): ended, then cut.
    (this.ws as unknown as { _socket?: { end(): void } })._socket?.end();
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }

  #pause() {
    if (this.#paused) return;
    this.#paused = true;
    this.ws.pause();
  }

  /** Handles the waiting frames as far as tokens and handlers allow, like one read (what they send is gathered). */
  #drain() {
    this.#retry = undefined;
    readStart();
    try {
      const queue = this.#queue;
      while (queue && queue.length && !this.closed && !this.#closing) {
        if (!this.#take()) return this.#throttle();
        const pending = this.#handle(queue.shift()!);
        if (pending) return void pending.then(() => this.#drain());
      }
      if (this.#queue !== queue) return;
      this.#queue = null;
      if (this.#paused) {
        this.#paused = false;
        this.ws.resume();
      }
    } finally {
      readEnd();
    }
  }

  /** Decodes and routes one frame; a promise when the handler is still working. Never throws. */
  #handle(frame: Frame): Promise<void> | undefined {
    // Binary frames get an error rather than a close: the sender may be a confused but honest client.
    if (frame === null) return void sendError(this.ctx, this, ERROR_CODE.NOT_JSONGLE, 'Binary frames are not JSONgle messages: send JSON text frames');
    // The server sets `from` itself: a message without one is judged on the rest.
    const decoded: Decoded = decode(frame, this.ctx.config.maxMessageSize, MAX_VALUES, true);
    if (!decoded.ok) {
      this.ctx.log.log('debug', () => `refused frame from ${this.address}: ${decoded.reason}`);
      const code = DECODE_ERROR[decoded.code];
      if (code) sendError(this.ctx, this, code, decoded.reason, decoded.id);
      else {
        this.ctx.stats.error(CLOSE.TOO_BIG);
        this.close(CLOSE.TOO_BIG, 'Message too big');
      }
      return;
    }
    this.frame = frame;
    this.decoded = decoded.message;
    try {
      const pending = this.router(this, decoded.message);
      if (pending) return pending.catch((e) => this.#bug(e));
    } catch (e) {
      this.#bug(e);
    } finally {
      this.frame = this.decoded = undefined;
    }
  }

  #bug(e: unknown) {
    this.ctx.log.log('error', () => `handler failed for ${this.address}: ${(e as Error)?.stack ?? e}`);
  }
}
