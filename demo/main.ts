// The minimal demo: connects to this server's /ws with the WebSocket transport and shows the state.
// Network text goes into the page with textContent only.
import { JSONgle } from '../src/client.ts';
import { createWebSocketTransport } from '../src/transport/websocket.ts';

const $ = (id: string) => document.getElementById(id)!;
const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const token = new URLSearchParams(location.search).get('token') ?? undefined;
const uid = `guest-${crypto.randomUUID().slice(0, 8)}`;

const client = new JSONgle({ transport: createWebSocketTransport({ url, token }), user: { uid, dn: 'Guest' } });
client.on('connectionstatechanged', (state) => {
  $('state').textContent = state;
  $('state').dataset.state = state;
});
client.on('registered', (id) => {
  $('state').textContent = 'registered';
  $('who').textContent = `${id} on ${client.server}`;
});
(globalThis as any).jsongle = client; // for poking at it from the console
