// Child process of bounded-work.test.ts: the clients that send the worst frames, in their own process
// so that the test's process.cpuUsage() counts the server's work only. Talks to the test over IPC:
// 'ready' with the shape names, then for each { run } a 'done' once every frame was answered.
import { WebSocket } from 'ws';

const url = process.argv[2];
const MAX = 64 * 1024;
const FRAMES = Number(process.argv[3] ?? 20);
const send = (m: unknown) => process.send!(m);

/** A registered socket that counts what it receives after the hello (parsing is not the point). */
async function open(uid: string) {
  const ws = new WebSocket(url);
  const s = { ws, n: 0 };
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      const text = String(data);
      if (text.includes('"session-hello"')) {
        const hello = JSON.parse(text);
        ws.send(JSON.stringify({ id: `h-${uid}`, from: hello.to, to: hello.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: hello.jsongle.transaction, description: { uid } } }));
      } else if (!s.n && text.includes('"ack"')) {
        s.n = 0;
        ws.removeAllListeners('message');
        ws.on('message', () => s.n++);
        resolve();
      }
    });
  });
  return s;
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 30 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

function join(s: { ws: WebSocket; n: number }, query: string, rid: string) {
  const before = s.n;
  s.ws.send(JSON.stringify({ id: `j-${rid}`, from: 'x', to: 'jsongle', jsongle: { action: 'iq-set', query, transaction: `t-${Math.random()}`, description: { rid } } }));
  return until(() => s.n > before, `joined ${rid}`);
}

/** `frame` padded (description.pad) to exactly `size` characters of JSON. */
function padded(frame: any, size = MAX): string {
  frame.jsongle.description.pad = '';
  frame.jsongle.description.pad = 'x'.repeat(size - JSON.stringify(frame).length);
  return JSON.stringify(frame);
}
const textTo = (to: string, id = `m-${Math.random()}`) => ({ id, from: 'x', to, jsongle: { action: 'session-text', namespace: 'message', description: { sent: new Date().toISOString(), content: 'hi' } } });
const callTo = (to: string) => ({ id: `c-${Math.random()}`, from: 'x', to, jsongle: { sid: 's', action: 'transport-info', reason: '', initiator: 'a', responder: 'b', description: { candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 } } } });
const nested = (depth: number): any => (depth === 0 ? '/'.repeat(8) : { a: nested(depth - 1) });
/** `n` objects of one key each, every key distinct: JSON.parse's costliest shape per character. */
const distinctKeys = (n: number) => Array.from({ length: n }, (_, i) => ({ [`k${i}`]: i }));

const sender = await open('sender');
const deep = 'r/'.repeat(127) + 'r'; // a room id with as many '/' as room ids may have (256 characters)
await join(sender, 'muc-join', deep);
await join(sender, 'muc-join', 'full');
const members = await Promise.all(Array.from({ length: 9 }, (_, i) => open(`member${i}`)));
for (const m of members) await join(m, 'muc-join', 'full');

const slashes = 'a/'.repeat((MAX - 300) / 2);
const shapes: Record<string, { make: () => string; deliveries?: number }> = {
  'honest: largest frame to one peer': { deliveries: 1, make: () => padded(textTo('member0')) },
  'to: 32,000 slashes (a/a/…)': { make: () => JSON.stringify(textTo(slashes)) },
  'to: 64 K of "/"': { make: () => JSON.stringify(textTo('/'.repeat(MAX - 300))) },
  'to: the deep room + 32,000 slashes': { make: () => JSON.stringify(textTo(`${deep}/${'/x'.repeat((MAX - 600) / 2)}`)) },
  'call message to 32,000 slashes': { make: () => JSON.stringify(callTo(slashes)) },
  'id of 64 K (refused)': { make: () => padded(textTo('nobody', 'i'.repeat(MAX - 300))) },
  'deepest nesting allowed': { make: () => padded({ ...textTo(slashes.slice(0, 30_000)), jsongle: { action: 'session-custom', namespace: 'message', description: { content: nested(29) } } }) },
  'most values allowed, distinct keys, to a full room': { deliveries: 9, make: () => padded({ ...textTo('full'), jsongle: { action: 'session-custom', namespace: 'muc', description: { content: distinctKeys(670) } } }) },
  'over the value cap (refused)': { make: () => padded({ ...textTo('full'), jsongle: { action: 'session-custom', namespace: 'muc', description: { content: distinctKeys(2000) } } }) },
  'largest frame to a full room': { deliveries: 9, make: () => padded(textTo('full')) },
};

process.on('message', async (msg: { run?: string; quit?: boolean }) => {
  if (msg.quit) process.exit(0);
  const shape = shapes[msg.run!];
  const frames = Array.from({ length: FRAMES }, shape.make);
  if (!frames.every((f) => f.length <= MAX)) throw new Error(`${msg.run}: a frame over the limit`);
  const answers = sender.n;
  const delivered = members.reduce((n, m) => n + m.n, 0);
  send({ type: 'sending', name: msg.run });
  for (const f of frames) sender.ws.send(f);
  // Every frame gets one answer (an error, an ack, or unreachable); to the full room, 9 deliveries.
  await until(() => sender.n - answers >= FRAMES, `${msg.run}: an answer to each frame`);
  if (shape.deliveries) await until(() => members.reduce((n, m) => n + m.n, 0) - delivered >= FRAMES * shape.deliveries!, `${msg.run}: delivered`);
  send({ type: 'done', name: msg.run, open: sender.ws.readyState === WebSocket.OPEN });
});
send({ type: 'ready', shapes: Object.keys(shapes), deliveries: Object.fromEntries(Object.entries(shapes).map(([k, v]) => [k, v.deliveries ?? 0])) });
