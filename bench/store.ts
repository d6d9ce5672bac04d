// Message store benchmark: what storing costs the relay, side by side in one run.
// Usage: npm run bench:store        (BENCH_SCALE=small for a quicker look)
// The server under test runs as its own process (the built dist/server/bin.js, its SQLite file in a
// temp dir); this process drives the load and reads the server's CPU time from /proc/<pid>/stat.
// Figures, each over the same pairs and window:
// - text: session-text between users, stored then relayed (recipients do not answer);
// - text+received: the same, each recipient acknowledging `received` as the client does (the store
//   updates the message's state);
// - transport-info: call signaling, relayed and never stored;
// - baseline: bench/baseline-relay.mjs, a bare `ws` relay that does not even parse the frames.
// Then the SQLite file: bytes per 10,000 stored messages.
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { WebSocket } from 'ws';

const small = process.env.BENCH_SCALE === 'small';
const smoke = process.env.BENCH_SCALE === 'smoke'; // npm test's check that it still runs
const S = smoke ? { pairs: 4, inFlight: 4, warmupMs: 200, measureMs: 300 }
  : small ? { pairs: 10, inFlight: 10, warmupMs: 500, measureMs: 1500 } : { pairs: 20, inFlight: 20, warmupMs: 1000, measureMs: 3000 };
const root = fileURLToPath(new URL('..', import.meta.url));
const TICK_MS = 1000 / Number(execSync('getconf CLK_TCK').toString().trim() || 100);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CONTENT = 'Hello! Are we still on for lunch tomorrow at noon? I can book the place near the station.';

type Mode = 'baseline' | 'text' | 'text+received' | 'transport-info';

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
});

async function start(mode: Mode, dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const file = mode === 'baseline' ? 'bench/baseline-relay.mjs' : 'dist/server/bin.js';
  const child = spawn(process.execPath, ['--max-semi-space-size=4', file], {
    cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', JSONGLE_LOG_LEVEL: 'warning', JSONGLE_DATA_DIR: dataDir, JSONGLE_RATE_LIMIT: '10000000', JSONGLE_RATE_BURST: '10000000' },
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start`)), 15_000);
    child.stdout!.on('data', () => { clearTimeout(timer); resolve(); });
  });
  return { child, port };
}

async function stop(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(3000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** A connection: open (baseline), or registered as `uid` (ours). */
function open(mode: Mode, port: number, uid: string, pair: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(mode === 'baseline' ? `ws://127.0.0.1:${port}/?pair=${pair}` : `ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error(`${uid} did not connect`)), 10_000);
    ws.on('error', reject);
    const done = () => { clearTimeout(timer); ws.removeAllListeners('message'); resolve(ws); };
    if (mode === 'baseline') return void ws.on('open', done);
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.jsongle.query === 'session-hello') {
        ws.send(JSON.stringify({ id: `h-${uid}`, from: m.to, to: m.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: m.jsongle.transaction, description: { uid } } }));
      } else if (m.jsongle.action === 'ack') done();
    });
  });
}

let n = 0;
function frame(mode: Mode, from: string, to: string): string {
  const id = `m${++n}-${from}`;
  if (mode === 'transport-info') {
    return JSON.stringify({ id, from, to, jsongle: { sid: `sid-${from}`, action: 'transport-info', reason: '', initiator: from, responder: to,
      description: { establishing: new Date().toISOString(), candidate: { candidate: 'candidate:842163049 1 udp 1677729535 203.0.113.7 54321 typ srflx raddr 0.0.0.0 rport 0', sdpMid: '0', sdpMLineIndex: 0 } } } });
  }
  return JSON.stringify({ id, from, to, jsongle: { action: 'session-text', namespace: 'message', description: { sent: new Date().toISOString(), content: CONTENT } } });
}

async function run(mode: Mode, dataDir: string) {
  const { child, port } = await start(mode, dataDir);
  try {
    let received = 0;
    const pairs = await Promise.all(Array.from({ length: S.pairs }, async (_, p) => {
      const [a, b] = [`a${p}`, `b${p}`];
      const sender = await open(mode, port, a, p);
      const receiver = await open(mode, port, b, p);
      const next = () => sender.send(frame(mode, a, b));
      receiver.on('message', (data) => {
        if (mode !== 'baseline') {
          const m = JSON.parse(String(data));
          if (m.jsongle.action !== 'session-text' && m.jsongle.action !== 'transport-info') return;
          if (mode === 'text+received') {
            receiver.send(JSON.stringify({ id: `r${++n}`, from: b, to: a, jsongle: { action: 'session-event', namespace: 'message', event: 'ack', description: { acknowledged: new Date().toISOString(), mid: m.id, type: 'received' } } }));
          }
        }
        received++;
        next();
      });
      sender.on('message', () => {}); // server-received acks, receipts: read and dropped
      return { sender, receiver, next };
    }));
    for (const p of pairs) for (let i = 0; i < S.inFlight; i++) p.next();
    await sleep(S.warmupMs);
    const [c0, r0, t0] = [cpuMs(child.pid!), received, performance.now()];
    await sleep(S.measureMs);
    const [c1, r1, t1] = [cpuMs(child.pid!), received, performance.now()];
    for (const p of pairs) { p.sender.terminate(); p.receiver.terminate(); }
    const msgs = r1 - r0;
    return { msgsPerSec: Math.round((msgs * 1000) / (t1 - t0)), cpuUsPerMsg: Number((((c1 - c0) * 1000) / msgs).toFixed(1)) };
  } finally {
    await stop(child);
  }
}

/** Bytes of the SQLite file (and its WAL) per 10,000 stored messages, after the text run. */
function fileSize(dataDir: string) {
  const file = join(dataDir, 'messages.db');
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const rows = (db.prepare('SELECT COUNT(*) AS n FROM entries').get() as { n: number }).n;
  db.close();
  const bytes = statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
  return { storedEntries: rows, fileBytes: bytes, bytesPer10000Messages: Math.round((bytes / rows) * 10_000) };
}

async function main() {
  if (!existsSync(join(root, 'dist/server/bin.js'))) throw new Error('dist/server/bin.js is missing: run `node scripts/build.mjs` (npm run bench:store does)');
  const dataDir = mkdtempSync(join(tmpdir(), 'jsongle-bench-store-'));
  try {
    const started = Date.now();
    const results: Record<string, { msgsPerSec: number; cpuUsPerMsg: number }> = {};
    for (const mode of ['baseline', 'transport-info', 'text', 'text+received'] as Mode[]) {
      // A store of its own per run: what one run left pending must not load the next.
      results[mode] = await run(mode, mode === 'text' ? dataDir : mkdtempSync(join(dataDir, `${mode}-`)));
      process.stderr.write(`${mode}: ${JSON.stringify(results[mode])}\n`);
    }
    const size = fileSize(dataDir);
    const r = (a: number, b: number) => Number((a / b).toFixed(2));
    console.log(JSON.stringify({
      command: small || smoke ? `BENCH_SCALE=${process.env.BENCH_SCALE} npm run bench:store` : 'npm run bench:store',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
      load: { pairs: S.pairs, inFlight: S.inFlight, measureMs: S.measureMs, contentChars: CONTENT.length },
      seconds: Math.round((Date.now() - started) / 1000),
      cpuUsPerRelayedMessage: {
        storedText: results.text.cpuUsPerMsg,
        storedTextWithReceivedAck: results['text+received'].cpuUsPerMsg,
        transportInfoNotStored: results['transport-info'].cpuUsPerMsg,
        rawWsBaseline: results.baseline.cpuUsPerMsg,
        textOverTransportInfo: r(results.text.cpuUsPerMsg, results['transport-info'].cpuUsPerMsg),
        transportInfoOverBaseline: r(results['transport-info'].cpuUsPerMsg, results.baseline.cpuUsPerMsg),
      },
      msgsPerSec: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.msgsPerSec])),
      storedMessagesPerSecondSustained: results.text.msgsPerSec,
      sqlite: size,
    }, null, 2));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
