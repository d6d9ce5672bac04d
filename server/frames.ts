// Batched text frames. A relay spends most of its time per frame in bookkeeping and system calls,
// not in JSON: so the frames for one connection are gathered while one socket read is handled and
// leave in one write() (see socket.ts). ws has no public API for this; it is done on ws's own socket,
// with whole frames only (a control frame ws sends meanwhile — ping, pong, close — may come between
// two of our frames, which the protocol allows). Without compression a server frame is just a
// header and the UTF-8 payload. Where the socket cannot be had, frames go through ws.send().
import type { WebSocket } from 'ws';

interface RawSocket {
  write(data: Buffer): boolean;
  write(data: string, encoding: 'latin1'): boolean;
  prependListener(event: 'data', listener: () => void): RawSocket;
  on(event: 'data', listener: () => void): RawSocket;
}

/** The socket under `ws`, when frames may be written to it directly. */
export function rawSocket(ws: WebSocket): RawSocket | undefined {
  const w = ws as unknown as { _socket?: RawSocket; _extensions?: Record<string, unknown> };
  // permessage-deflate is off on our server; with it, frames would have to go through ws.
  return w._socket && w._extensions && Object.keys(w._extensions).length === 0 ? w._socket : undefined;
}

const headerLength = (n: number) => (n < 126 ? 2 : n < 65536 ? 4 : 10);

/** One buffer holding every frame of `texts` (FIN + text opcode, unmasked: server to client). */
export function encodeFrames(texts: string[]): Buffer {
  const lengths = texts.map((t) => Buffer.byteLength(t));
  let total = 0;
  for (const n of lengths) total += headerLength(n) + n;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < texts.length; i++) {
    const n = lengths[i];
    out[at] = 0x81;
    if (n < 126) {
      out[at + 1] = n;
      at += 2;
    } else if (n < 65536) {
      out[at + 1] = 126;
      out.writeUInt16BE(n, at + 2);
      at += 4;
    } else {
      out[at + 1] = 127;
      out.writeUInt32BE(0, at + 2);
      out.writeUInt32BE(n, at + 6);
      at += 10;
    }
    at += out.write(texts[i], at);
  }
  return out;
}

/**
 * The frames of `texts` as one latin1 string — its chars are the bytes to send — when every text is
 * ASCII and under 64 KB (JSONgle signaling nearly always is: JSON, ids, SDP, candidates); else
 * undefined, and encodeFrames() does it. Why: socket.write(string, 'latin1') has node copy the
 * string straight into the write call (from a stack buffer, up to 16 KB), where a Buffer per write
 * costs a typed array, a UTF-8 encode and the pool's bookkeeping (~0.3 µs per message).
 */
export function asciiFrames(texts: string[]): string | undefined {
  let out = '';
  for (const text of texts) {
    const n = text.length;
    // ASCII exactly when its UTF-8 takes one byte per UTF-16 unit (any other char takes 2 or more).
    if (n >= 65536 || Buffer.byteLength(text) !== n) return undefined;
    out += (n < 126 ? String.fromCharCode(0x81, n) : String.fromCharCode(0x81, 126, n >> 8, n & 255)) + text;
  }
  return out;
}
