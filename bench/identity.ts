// What identity tokens cost: hello handshakes per second on the real server in open mode (the
// baseline, no token) and with HS256 / ES256 tokens, side by side in one run, plus the time of one
// verification alone. Usage: npm run bench:identity   (BENCH_SCALE=small: a quick look; smoke: a second)
// After a warm-up, 3 rounds (each led by another mode); hellos/s is the median of the rounds.
// In-process (server and clients share one core): the figures compare modes, not machines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, exportSPKI, SignJWT, type CryptoKey } from 'jose';
import { WebSocket } from 'ws';
import { createIdentity } from '../server/identity.ts';
import { createServer, resolveConfig, type ServerConfig } from '../server/index.ts';

const scale = process.env.BENCH_SCALE;
const small = scale === 'small' || scale === 'smoke';
const CONNECTIONS = scale === 'smoke' ? 50 : small ? 300 : 2000;
const BATCH = 50;
const VERIFICATIONS = scale === 'smoke' ? 200 : small ? 1000 : 5000;
const ROUNDS = small ? 1 : 3;
const SECRET = 'bench-secret-of-at-least-32-bytes-long!!';

type Mint = (uid: string) => Promise<string | undefined>;
const exp = () => Math.floor(Date.now() / 1000) + 600;

async function modes(): Promise<{ name: string; config: Partial<ServerConfig>; mint: Mint }[]> {
  const hs = new TextEncoder().encode(SECRET);
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const es = (k: CryptoKey) => (uid: string) => new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject(uid).setExpirationTime(exp()).sign(k);
  return [
    { name: 'open', config: {}, mint: async () => undefined },
    { name: 'HS256', config: { tokenSecret: SECRET }, mint: (uid) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(uid).setExpirationTime(exp()).sign(hs) },
    { name: 'ES256', config: { tokenPublicKey: await exportSPKI(publicKey) }, mint: es(privateKey) },
  ];
}

/** Opens a socket and completes the hello; resolves with the socket. */
function hello(url: string, uid: string, token: string | undefined): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error(`hello of ${uid} took more than 10 s`)), 10_000);
    ws.on('error', reject);
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.jsongle.query === 'session-hello') {
        ws.send(JSON.stringify({ id: `h-${uid}`, from: m.to, to: m.from, jsongle: { action: 'iq-result', query: 'session-hello', transaction: m.jsongle.transaction, description: { uid, ...(token ? { token } : {}) } } }));
      } else if (m.jsongle.action === 'ack') {
        clearTimeout(timer);
        if (m.jsongle.status === 'success') resolve(ws);
        else reject(new Error(`hello of ${uid} refused`));
      }
    });
  });
}

/** Hellos per second for one mode: CONNECTIONS registrations, BATCH at a time, on a fresh server. */
async function measure(mode: { config: Partial<ServerConfig> }, tokens: (string | undefined)[]) {
  const dataDir = mkdtempSync(join(tmpdir(), 'jsongle-bench-identity-'));
  const server = await createServer({ port: 0, logLevel: 'none', dataDir, maxConnections: CONNECTIONS + 10, maxConnectionsPerIp: CONNECTIONS + 10, ...mode.config });
  const open: WebSocket[] = [];
  const start = performance.now();
  for (let i = 0; i < CONNECTIONS; i += BATCH) {
    open.push(...await Promise.all(tokens.slice(i, i + BATCH).map((t, k) => hello(server.wsUrl, `u${i + k}`, t))));
  }
  const seconds = (performance.now() - start) / 1000;
  for (const ws of open) ws.terminate();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
  return CONNECTIONS / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const all = await modes();
const tokens = new Map(await Promise.all(all.map(async (m) => [m.name, await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => m.mint(`u${i}`)))] as const)));
// A warm-up (JIT, sockets) nobody is measured on, then ROUNDS rounds, each starting with another mode.
await measure(all[0], tokens.get(all[0].name)!);
const rates = new Map(all.map((m) => [m.name, [] as number[]]));
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < all.length; k++) {
    const mode = all[(r + k) % all.length];
    rates.get(mode.name)!.push(await measure(mode, tokens.get(mode.name)!));
  }
}
const results: Record<string, { hellosPerSecond: number; verifyMicroseconds: number | null }> = {};
for (const mode of all) {
  let verify: number | null = null;
  if (mode.name !== 'open') {
    const identity = await createIdentity(resolveConfig(mode.config), () => {});
    const list = tokens.get(mode.name)! as string[];
    for (let i = 0; i < 200; i++) await identity.verify!(list[i % CONNECTIONS]);
    const t = performance.now();
    for (let i = 0; i < VERIFICATIONS; i++) await identity.verify!(list[i % CONNECTIONS]);
    verify = Math.round(((performance.now() - t) * 1000) / VERIFICATIONS);
  }
  results[mode.name] = { hellosPerSecond: Math.round(median(rates.get(mode.name)!)), verifyMicroseconds: verify };
}
console.log(JSON.stringify({ connections: CONNECTIONS, rounds: ROUNDS, baseline: 'open', results }, null, 2));
