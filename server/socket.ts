// One WebSocket connection: frames in (size, rate limit, binary, decode), messages out (backpressure),
// and the liveness flag the heartbeat reads. Frames of one connection are handled strictly in order.
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { CLIENT_ERROR, ERROR_CODE } from '../src/protocol/codes.ts';
import type { JsongleMessage } from '../src/protocol/messages.ts';
import { decode, type Decoded } from '../src/protocol/parse.ts';
import { sendError, type Client, type Context } from './context.ts';
import { encodeFrames, rawSocket } from './frames.ts';

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

const flush = (client: Connection) => client._flush();

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
  /** Frames waiting for the end of this turn of the event loop (see frames.ts). */
  #out: string[] | null = null;
  /** The socket under ws, when frames may be written to it directly (fixed once the handshake is done). */
  readonly #raw: ReturnType<typeof rawSocket>;
  /** Frames that arrived while a handler was waiting; null when none is. */
  #backlog: string[] | null = null;

  constructor(readonly ws: WebSocket, private readonly ctx: Context, private readonly router: Router, onClose: (client: Connection) => void) {
    this.#tokens = ctx.config.rateBurst;
    this.#raw = rawSocket(ws);
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
    // The first frame of this turn: the others sent to this connection before the turn ends join it.
    this.#out = [frame];
    process.nextTick(flush, this);
  }

  /** Writes the frames gathered during this turn of the event loop, in one buffer. */
  _flush() {
    const texts = this.#out;
    this.#out = null;
    if (!texts || this.ws.readyState !== 1 || !this.#raw) return;
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
    const backlog = this.#backlog!;
    while (backlog.length && !this.closed) {
      const pending = this.#handle(backlog.shift()!);
      if (pending) return void pending.then(() => this.#drain());
    }
    this.#backlog = null;
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
