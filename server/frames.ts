// Batched text frames. A relay spends most of its time per frame in bookkeeping and system calls,
// not in JSON: so the frames for one connection are gathered during a turn of the event loop and
// leave in one buffer, one write(). ws has no public API for this; it is done on ws's own socket,
// with whole frames only (a control frame ws sends meanwhile — ping, pong, close — may come between
// two of our frames, which the protocol allows). Without compression a server frame is just a
// header and the UTF-8 payload. Where the socket cannot be had, frames go through ws.send().
import type { WebSocket } from 'ws';

interface RawSocket { write(data: Buffer): boolean }

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
