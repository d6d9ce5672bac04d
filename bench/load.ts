// The load generator of the relay benchmark, in its own process (forked by relay.ts): opens the
// connections, drives the traffic, and measures the server from the outside (/proc/<pid>).
// Job in BENCH_JOB (JSON); the result goes back to the parent over IPC.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';

export interface Job {
  kind: 'baseline' | 'ours';
  port: number;
  pid: number;
  mode: 'relay' | 'idle';
  pairs: number;
  inFlight: number;
  connections: number;
  warmupMs: number;
  measureMs: number;
  concurrency: number;
  /** `spec`: the transport-info of messages.md's own example (~520 bytes); default ~300 bytes. */
  frame?: 'small' | 'spec';
}

const job: Job = JSON.parse(process.env.BENCH_JOB!);
const TICK_MS = 1000 / Number(execSync('getconf CLK_TCK').toString().trim() || 100);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of the server, in ms. */
function cpuMs(): number {
  const stat = readFileSync(`/proc/${job.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}
const rssKB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${job.pid}/status`, 'utf8'))![1]);

const base = `ws://127.0.0.1:${job.port}`;

/** One connection, ready to relay: open (baseline), or registered and in its room (ours). */
function open(index: number, pair?: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const url = job.kind === 'baseline' ? (pair === undefined ? `${base}/` : `${base}/?pair=${pair}`) : `${base}/ws`;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error(`connection ${index} timed out`)), 30000);
    const done = () => {
      clearTimeout(timer);
      ws.removeAllListeners('message');
      resolve(ws);
    };
    ws.on('error', (e) => { clearTimeout(timer); reject(e); });
    if (job.kind === 'baseline') return void ws.on('open', done);
    let step = 0;
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (step === 0 && m.jsongle.query === 'session-hello') {
        step = 1;
        ws.send(JSON.stringify({ id: `h${index}`, from: m.to, to: m.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: m.jsongle.transaction, description: { uid: `u${index}`, dn: `User ${index}` } } }));
      } else if (step === 1 && m.jsongle.action === 'ack') {
        if (m.jsongle.status !== 'success') return reject(new Error('registration failed'));
        if (pair === undefined) return done();
        step = 2;
        ws.send(JSON.stringify({ id: `j${index}`, from: `u${index}`, to: m.from, jsongle: { action: 'iq-set', query: 'session-join', transaction: `j${index}`, description: { rid: `pair-${pair}` } } }));
      } else if (step === 2 && m.jsongle.transaction === `j${index}`) {
        if (m.jsongle.action !== 'iq-result') return reject(new Error(`join failed: ${JSON.stringify(m.jsongle.description)}`));
        done();
      }
    });
  });
}

/** Opens `count` connections, `concurrency` at a time. */
async function openMany(count: number, pairOf?: (i: number) => number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      sockets[i] = await open(i, pairOf?.(i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.concurrency, count) }, worker));
  return sockets;
}

const percentile = (sorted: Float64Array, p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : NaN);
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

// Message ids are `b<ms>` (9–10 chars). BENCH_IDS=uuid pads them to a UUID's length, as JSONgle
// clients send (uuid()): V8's JSON.parse internalizes string values of at most 10 chars, so every
// short unique id lands in V8's string table until a full GC, a cost ours pays and the bare relay,
// which parses nothing, does not (see README.md). The default keeps the figures comparable.
const ID_PAD = process.env.BENCH_IDS === 'uuid' ? '-0000-4000-8000-000000000000' : '';

/**
 * A transport-info to the pair's room, its id carrying the send time: `b<ms>`. Small: ~300 bytes.
 * Spec: the example of messages.md (UUID-long id and sid, its TCP candidate), ~520 bytes as sent.
 */
function frameParts(pair: number): [string, string] {
  if (job.frame === 'spec') {
    const tail = `-0000-4000-8000-00000000","from":"d23ab7d3-8150-4dca-83c1-9ec559e0e086","to":"pair-${pair}","jsongle":{"sid":"132a7f2b-8188-4225-bf3a-d4ad43654697","action":"transport-info","reason":"","initiator":"70001","responder":"70002","description":{"establishing":"2020-09-14T19:25:52.611Z","candidate":{"candidate":"candidate:2960972664 1 tcp 1518214911 192.168.1.8 9 typ host tcptype active generation 0 ufrag CSM2 network-id 1 network-cost 10","sdpMid":"1","sdpMLineIndex":1}}}}`;
    return ['{"id":"b', tail];
  }
  const tail = `${ID_PAD}","from":"u","to":"pair-${pair}","jsongle":{"sid":"3bf74aa9-f41d-40d5-a1d8-e3e614ba4af2","action":"transport-info","reason":"","initiator":"alice","responder":"bob","description":{"establishing":"2026-01-01T00:00:00.000Z","candidate":{"candidate":"candidate:2960972664 1 udp 1518214911 192.168.1.8 50000 typ host generation 0 ufrag CSM2","sdpMid":"0","sdpMLineIndex":0}}}}`;
  return ['{"id":"b', tail];
}

async function relay() {
  const sockets = await openMany(job.pairs * 2, (i) => i >> 1);
  const cap = 4_000_000;
  const latencies = new Float64Array(cap);
  let n = 0;
  let count = 0;
  let measuring = false;
  let stopping = false;
  sockets.forEach((ws, i) => {
    const [head, tail] = frameParts(i >> 1);
    ws.on('message', (data: Buffer) => {
      if (data[7] !== 98) return; // not a benchmark frame (a joined event…)
      const now = performance.now();
      if (measuring) {
        count++;
        if (n < cap) latencies[n++] = now - parseFloat(data.toString('latin1', 8, data.indexOf(34, 8)));
      }
      if (!stopping) ws.send(head + now.toFixed(3) + tail);
    });
    // Start: the pair's in-flight budget, split between its two sides.
    const mine = (i & 1) === 0 ? Math.ceil(job.inFlight / 2) : Math.floor(job.inFlight / 2);
    for (let k = 0; k < mine; k++) ws.send(head + performance.now().toFixed(3) + tail);
  });
  await sleep(job.warmupMs);
  const cpu0 = cpuMs();
  const t0 = performance.now();
  measuring = true;
  await sleep(job.measureMs);
  measuring = false;
  const t1 = performance.now();
  const cpu1 = cpuMs();
  stopping = true;
  const sorted = latencies.slice(0, n).sort();
  for (const ws of sockets) ws.terminate();
  return {
    messages: count,
    msgsPerSec: Math.round(count / ((t1 - t0) / 1000)),
    cpuUsPerMsg: round(((cpu1 - cpu0) * 1000) / count),
    serverCpuPercent: round(((cpu1 - cpu0) / (t1 - t0)) * 100, 1),
    p50Ms: round(percentile(sorted, 0.5), 3),
    p99Ms: round(percentile(sorted, 0.99), 3),
  };
}

async function idle() {
  await sleep(300);
  const rss0 = rssKB();
  const t0 = performance.now();
  const sockets = await openMany(job.connections);
  const t1 = performance.now();
  await sleep(Number(process.env.BENCH_SETTLE_MS ?? 2000)); // let the server settle (GC) before reading its memory
  const rss1 = rssKB();
  const held = sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
  let registered: number | undefined;
  if (job.kind === 'ours') registered = ((await (await fetch(`http://127.0.0.1:${job.port}/healthz`)).json()) as any).users;
  for (const ws of sockets) ws.terminate();
  return {
    connections: job.connections,
    held,
    registered,
    acceptedPerSec: Math.round(job.connections / ((t1 - t0) / 1000)),
    rssBeforeMB: round(rss0 / 1024, 1),
    rssAfterMB: round(rss1 / 1024, 1),
    rssPerConnKB: round((rss1 - rss0) / job.connections),
  };
}

try {
  const result = job.mode === 'relay' ? await relay() : await idle();
  process.send!({ ok: true, result }, () => process.exit(0));
} catch (e) {
  process.send!({ ok: false, error: String((e as Error)?.stack ?? e) }, () => process.exit(1));
}
