// The ceiling for the relay benchmark: a bare `ws` server that forwards every frame of a client to
// its paired client as is, without parsing it. Clients pair by `?pair=<n>`; without it they idle.
// Plain JavaScript run by plain node, like the built server, so neither pays for a TypeScript loader.
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT);
const waiting = new Map();
const wss = new WebSocketServer({ port, host: '127.0.0.1', perMessageDeflate: false, maxPayload: 64 * 1024, clientTracking: false });
wss.on('connection', (ws, req) => {
  ws.on('error', () => {});
  const pair = new URL(req.url, 'http://localhost').searchParams.get('pair');
  if (pair === null) return;
  const other = waiting.get(pair);
  if (other) {
    waiting.delete(pair);
    ws.peer = other;
    other.peer = ws;
  } else waiting.set(pair, ws);
  ws.on('message', (data, isBinary) => ws.peer?.send(data, { binary: isBinary }));
});
wss.on('listening', () => console.log(`ready ${port}`));
