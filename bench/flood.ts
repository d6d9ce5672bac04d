// Flood benchmark: one pair's one-way latency, without and with one client flooding the server at
// full speed, in the same run (the server stops reading a connection whose rate bucket is empty).
// Usage: node --import tsx bench/flood.ts   (prints JSON; BENCH_SAMPLES=n per phase, default 1000;
// BENCH_ROUNDS=n, default 3; BENCH_SCALE=smoke: 50 samples, 1 round)
// The server and the measured pair run in this process (one clock for both ends of the pair); the
// flooder runs in its own (test/server/clients/flooder.ts), and floods a target of its own. Rounds
// alternate which phase goes first; each phase has a sender of its own and each flood a new
// flooder connection (a fresh bucket, as a flood starts), cut at the end of its phase.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { createServer, type ServerOptions } from '../server/index.ts';

export interface Figures { samples: number; p50: number; p99: number; max: number }
export interface FloodFigures {
  /** Medians over the rounds of each phase's p50, p99 and max. */
  without: Figures;
  with: Figures;
  /** with.p99 / without.p99 (of the medians) */
  p99Ratio: number;
  /** Each round's phases. */
  rounds: { without: Figures; with: Figures; p99Ratio: number }[];
  /**
   * The flood phases together: frames the flooder wrote, how many the server relayed, its 429001
   * errors, and the bytes the server read from all its clients over the whole run (/metrics).
   */
  flood: { phases: number; written: number; relayed: number; seconds: number; rateLimit: number; rateBurst: number; rateErrors: number; bytesRead: number; bytesWritten: number };
}

/** A counter of the server's /metrics (summed over its labels when `label` is not given). */
async function metric(url: string, name: string, label = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name) && line.includes(label)) sum += Number(line.split(' ').at(-1));
  return sum;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A registered socket; `onMessage` gets every parsed frame after the hello. */
async function open(url: string, uid: string, onMessage: (m: any) => void = () => {}) {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${uid}: not registered within 5 s`)), 5000);
    ws.once('error', reject);
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.jsongle.query === 'session-hello') {
        ws.send(JSON.stringify({ id: 'h', from: m.to, to: m.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: m.jsongle.transaction, description: { uid } } }));
      } else if (m.jsongle.action === 'ack') {
        clearTimeout(timer);
        ws.removeAllListeners('message');
        ws.on('message', (d) => onMessage(JSON.parse(String(d))));
        resolve();
      }
    });
  });
  return ws;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * `n` one-way latencies from `a` to `b` (ms), one message in flight, `pace` ms apart: the pair
 * stays within its own rate limit (with its burst), so that what it measures is the flood's effect.
 */
async function latencies(a: WebSocket, onB: { next?: (m: any) => void }, n: number, pace: number): Promise<Figures> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    await sleep(pace);
    const got = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`message ${i} of the pair not delivered within 5 s`)), 5000);
      onB.next = () => { clearTimeout(timer); resolve(performance.now()); };
    });
    const t = performance.now();
    a.send(JSON.stringify({ id: `p${i}`, from: 'a', to: 'pair-b', jsongle: { action: 'session-text', namespace: 'message', description: { sent: new Date().toISOString(), content: 'ping' } } }));
    out.push((await got) - t);
  }
  out.sort((x, y) => x - y);
  return { samples: n, p50: round(quantile(out, 0.5)), p99: round(quantile(out, 0.99)), max: round(out.at(-1)!) };
}

/** A child script's next IPC message of `type`. */
function nextOf(child: ReturnType<typeof fork>, type: string, ms = 10_000): Promise<any> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${type}' from the flooder within ${ms} ms`)), ms);
    const on = (m: any) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const medianOf = (fs: Figures[]): Figures => ({
  samples: fs.reduce((n, f) => n + f.samples, 0), p50: median(fs.map((f) => f.p50)), p99: median(fs.map((f) => f.p99)), max: median(fs.map((f) => f.max)),
});

/** The registered users the server counts now. */
async function usersNow(url: string): Promise<number> {
  return ((await (await fetch(`${url}/healthz`)).json()) as { users: number }).users;
}

/** Resolves once the server counts `users` registered users (a cut flooder forgotten); rejects after `ms`. */
async function usersAre(url: string, users: number, ms = 10_000) {
  const end = performance.now() + ms;
  for (;;) {
    const now = await usersNow(url);
    if (now === users) return;
    if (performance.now() > end) throw new Error(`the server counts ${now} users, not ${users}, after ${ms} ms`);
    await sleep(20);
  }
}

/**
 * Latency of a pair without and with a flood, `rounds` times (alternating which goes first); the
 * server's rate limit is the default's unless given.
 */
export async function measure(samples = 1000, options: ServerOptions = {}, rounds = 3): Promise<FloodFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jsongle-bench-flood-'));
  const server = await createServer({ port: 0, host: '127.0.0.1', logLevel: 'none', floodClose: 3600, dataDir, ...options });
  const flooder = fork(fileURLToPath(new URL('../test/server/clients/flooder.ts', import.meta.url)), [server.wsUrl, 'flood-target'],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    await nextOf(flooder, 'started');
    const sinkB: { next?: (m: any) => void } = {};
    await open(server.wsUrl, 'pair-b', (m) => m.jsongle.action === 'session-text' && sinkB.next?.(m));
    let relayed = 0;
    let frameBytes = 0;
    await open(server.wsUrl, 'flood-target', (m) => {
      relayed++;
      frameBytes ||= JSON.stringify({ ...m, from: 'flooder', jsongle: { ...m.jsongle, description: { sent: m.jsongle.description.sent, content: m.jsongle.description.content } } }).length;
    });
    const pace = 700 / server.config.rateLimit;
    // Each phase's sender is a user of its own: each starts with a full bucket.
    const sender = async (name: string) => {
      const ws = await open(server.wsUrl, name);
      return { ws, users: await usersNow(server.url) };
    };
    const warm = await sender('pair-warm-up');
    await latencies(warm.ws, sinkB, 50, pace);
    const flood = { phases: 0, written: 0, relayed: 0, seconds: 0 };
    const phases = {
      async without(r: number) {
        const { ws } = await sender(`pair-${r}-without`);
        return latencies(ws, sinkB, samples, pace);
      },
      async with(r: number) {
        const { ws, users } = await sender(`pair-${r}-with`);
        flooder.send({ open: `flooder-${r}` });
        await nextOf(flooder, 'ready');
        flooder.send({ start: true });
        await sleep(300); // the flooder at full speed, its bucket empty
        const from = relayed;
        const t = performance.now();
        const figures = await latencies(ws, sinkB, samples, pace);
        flood.seconds += (performance.now() - t) / 1000;
        flood.relayed += relayed - from;
        flooder.send({ stop: true });
        flood.written += (await nextOf(flooder, 'stopped', 60_000)).written;
        flood.phases++;
        await usersAre(server.url, users); // its backlog gone before the next phase
        return figures;
      },
    };
    const results: FloodFigures['rounds'] = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const);
      const got: Partial<Record<'without' | 'with', Figures>> = {};
      for (const phase of order) got[phase] = await phases[phase](r);
      results.push({ without: got.without!, with: got.with!, p99Ratio: round(got.with!.p99 / got.without!.p99) });
    }
    const without = medianOf(results.map((x) => x.without));
    const withFlood = medianOf(results.map((x) => x.with));
    const rateErrors = await metric(server.url, 'jsongle_errors_total', 'code="429001"');
    const bytesRead = await metric(server.url, 'jsongle_bytes_received_total');
    return {
      without, with: withFlood, p99Ratio: round(withFlood.p99 / without.p99), rounds: results,
      flood: { ...flood, seconds: round(flood.seconds), rateLimit: server.config.rateLimit, rateBurst: server.config.rateBurst, rateErrors, bytesRead, bytesWritten: flood.written * frameBytes },
    };
  } finally {
    flooder.kill();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const smoke = process.env.BENCH_SCALE === 'smoke';
  const figures = await measure(Number(process.env.BENCH_SAMPLES) || (smoke ? 50 : 1000), {}, Number(process.env.BENCH_ROUNDS) || (smoke ? 1 : 3));
  console.log(JSON.stringify({ bench: 'flood', node: process.version, ...figures }, null, 2));
}
