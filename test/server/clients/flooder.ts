// Child process of bench/flood.ts: one client flooding the server at full speed (as fast as its
// socket accepts: a new frame whenever the socket drains, as a real flooder is bounded by its link),
// in its own process so that building its frames does not take the measuring process's CPU.
// IPC: { open: uid } connects and registers as uid, then 'ready'; { start } floods `target` until
// { stop }, which cuts the connection and answers 'stopped' with the frames written on it.
import { WebSocket } from 'ws';

const [url, target, kind = 'text'] = process.argv.slice(2);
const send = (m: unknown) => process.send!(m);
let ws: WebSocket | undefined;
let flooding = false;
let written = 0;

const frame = (i: number) => (kind === 'garbage' ? `garbage ${i}` : JSON.stringify({ id: `f${i}`, from: 'flooder', to: target,
  jsongle: { action: 'session-text', namespace: 'message', description: { sent: new Date().toISOString(), content: `flood ${i}` } } }));

type Socket = { writableNeedDrain: boolean; once(e: 'drain', f: () => void): void; resetAndDestroy(): void };
const socketOf = (w: WebSocket) => (w as unknown as { _socket?: Socket })._socket;

function pump() {
  const w = ws;
  if (!w) return;
  const socket = socketOf(w);
  for (let n = 0; flooding && w === ws && w.readyState === WebSocket.OPEN; n++) {
    w.send(frame(written++));
    if (socket?.writableNeedDrain || w.bufferedAmount > 1 << 20) return socket?.once('drain', pump);
    if (n === 1000) return setImmediate(pump); // a server that reads everything: let IPC in
  }
}

function open(uid: string) {
  const w = new WebSocket(url);
  ws = w;
  written = 0;
  let registered = false;
  w.on('message', (data) => {
    if (registered) return;
    const m = JSON.parse(String(data));
    if (m.jsongle.query === 'session-hello') {
      w.send(JSON.stringify({ id: 'h', from: m.to, to: m.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: m.jsongle.transaction, description: { uid } } }));
    } else if (m.jsongle.action === 'ack') {
      registered = true;
      send({ type: 'ready' });
    }
  });
  w.on('close', (code) => { if (w === ws) send({ type: 'closed', code, written }); });
  w.on('error', () => {});
}

process.on('message', (m: { open?: string; start?: boolean; stop?: boolean }) => {
  if (m.open) open(m.open);
  else if (m.start) {
    flooding = true;
    pump();
  } else if (m.stop) {
    flooding = false;
    const w = ws;
    ws = undefined;
    // Cut with a reset: the server, which is not reading this socket, learns that it is gone without
    // reading the backlog first.
    if (w) socketOf(w)?.resetAndDestroy();
    send({ type: 'stopped', written });
  }
});
send({ type: 'started' });
