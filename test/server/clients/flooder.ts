// Child process of flood.test.ts and bench/flood.ts: one client flooding the server at full speed
// (as fast as the server reads: a new frame whenever its socket drains), in its own process so that
// its sending does not take the measuring process's CPU. IPC: 'ready'; { start } floods until
// { stop }, then 'stopped' with the frames it wrote; 'closed' with the code if the server closes it.
import { WebSocket } from 'ws';

const [url, uid, target, kind = 'text'] = process.argv.slice(2);
const ws = new WebSocket(url);
const send = (m: unknown) => process.send!(m);
let flooding = false;
let written = 0;

const frame = (i: number) => (kind === 'garbage' ? `garbage ${i}` : JSON.stringify({ id: `f${i}`, from: uid, to: target,
  jsongle: { action: 'session-text', namespace: 'message', description: { sent: new Date().toISOString(), content: `flood ${i}` } } }));

function pump() {
  const socket = (ws as unknown as { _socket?: { writableNeedDrain: boolean; once(e: 'drain', f: () => void): void } })._socket;
  for (let n = 0; flooding && ws.readyState === WebSocket.OPEN; n++) {
    ws.send(frame(written++));
    if (socket?.writableNeedDrain || ws.bufferedAmount > 1 << 20) return socket?.once('drain', pump);
    if (n === 1000) return setImmediate(pump); // a server that reads everything: let IPC in
  }
}

let registered = false;
ws.on('message', (data) => {
  if (registered) return;
  const m = JSON.parse(String(data));
  if (m.jsongle.query === 'session-hello') {
    ws.send(JSON.stringify({ id: 'h', from: m.to, to: m.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: m.jsongle.transaction, description: { uid } } }));
  } else if (m.jsongle.action === 'ack') {
    registered = true;
    send({ type: 'ready' });
  }
});
ws.on('close', (code) => send({ type: 'closed', code, written }));
ws.on('error', () => {});
process.on('message', (m: { start?: boolean; stop?: boolean }) => {
  if (m.start) {
    flooding = true;
    pump();
  } else if (m.stop) {
    flooding = false;
    send({ type: 'stopped', written });
  }
});
