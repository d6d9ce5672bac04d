// One WebSocket connection: frames in (size, rate limit, binary, decode), messages out (backpressure),
// and the liveness flag the heartbeat reads. Frames of one connection are handled strictly in order.
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { CLIENT_ERROR, ERROR_CODE } from '../src/protocol/codes.ts';
import type { JsongleMessage } from '../src/protocol/messages.ts';
import { decode, type Decoded } from '../src/protocol/parse.ts';
import { sendError, type Client, type Context } from './context.ts';
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
export const CLOSE = { GOING_AWAY: 1001, POLICY: 1008, TOO_BIG: 1009, TRY_AGAIN: 1013 } as const;
const TEXT = { binary: false } as const;

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
  readonly opened = Date.now();
  uid = '';
  dn = '';
  registered = false;
  /** Set by a pong, cleared by each heartbeat ping. */
  alive = true;
  closed = false;
  #tokens: number;
  #refilled = performance.now();
  /** Frames waiting for the end of the socket read being handled (see readEnd, frames.ts). */
  #out: string[] | null = null;
  /** The socket under ws, when frames may be written to it directly (fixed once the handshake is done). */
  readonly #raw: ReturnType<typeof rawSocket>;
  /** Frames that arrived while a handler was waiting; null when none is. */
  #backlog: string[] | null = null;

  constructor(readonly ws: WebSocket, private readonly ctx: Context, private readonly router: Router, onClose: (client: Connection) => void) {
    this.#tokens = ctx.config.rateBurst;
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
    ws.on('close', () => {
      this.closed = true;
      onClose(this);
    });
  }

  get address() { return this.uid || this.cid; }

  send(frame: string) {
    const ws = this.ws;
    if (ws.readyState !== 1) return;
    if (ws.bufferedAmount > this.ctx.config.maxBufferedBytes) {
      // A peer that does not read would make the server hold its backlog forever.
      this.ctx.log.log('warning', () => `dropping ${this.address}: more than ${this.ctx.config.maxBufferedBytes} bytes unsent`);
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

  /** Token bucket: `rateLimit` per second, at most `rateBurst` saved up. */
  #take(): boolean {
    const { rateLimit, rateBurst } = this.ctx.config;
    const t = performance.now();
    this.#tokens = Math.min(rateBurst, this.#tokens + ((t - this.#refilled) * rateLimit) / 1000);
    this.#refilled = t;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #frame(data: Buffer, binary: boolean) {
    const ctx = this.ctx;
    ctx.stats.bytesIn += data.length;
    if (!this.#take()) return sendError(ctx, this, ERROR_CODE.RATE_LIMITED, `Rate limit of ${ctx.config.rateLimit} messages per second exceeded: message dropped`);
    // Binary frames get an error rather than a close: the sender may be a confused but honest client.
    if (binary) return sendError(ctx, this, ERROR_CODE.NOT_JSONGLE, 'Binary frames are not JSONgle messages: send JSON text frames');
    const text = data.toString();
    if (this.#backlog) this.#backlog.push(text);
    else this.#run(text);
  }

  #run(text: string) {
    const pending = this.#handle(text);
    if (!pending) return;
    this.#backlog ??= [];
    pending.then(() => this.#drain());
  }

  #drain() {
    // Frames that waited are handled like one read: what they send is gathered the same way.
    readStart();
    try {
      const backlog = this.#backlog!;
      while (backlog.length && !this.closed) {
        const pending = this.#handle(backlog.shift()!);
        if (pending) return void pending.then(() => this.#drain());
      }
      this.#backlog = null;
    } finally {
      readEnd();
    }
  }

  /** Decodes and routes one frame; a promise when the handler is still working. Never throws. */
  #handle(text: string): Promise<void> | undefined {
    const decoded: Decoded = decode(text, this.ctx.config.maxMessageSize);
    if (!decoded.ok) {
      this.ctx.log.log('debug', () => `refused frame from ${this.address}: ${decoded.reason}`);
      const code = DECODE_ERROR[decoded.code];
      if (code) sendError(this.ctx, this, code, decoded.reason);
      else {
        this.ctx.stats.error(CLOSE.TOO_BIG);
        this.close(CLOSE.TOO_BIG, 'Message too big');
      }
      return;
    }
    try {
      const pending = this.router(this, decoded.message);
      if (pending) return pending.catch((e) => this.#bug(e));
    } catch (e) {
      this.#bug(e);
    }
  }

  #bug(e: unknown) {
    this.ctx.log.log('error', () => `handler failed for ${this.address}: ${(e as Error)?.stack ?? e}`);
  }
}
