// What identity tokens cost: hello handshakes per second on the real server in open mode (the
// baseline, no token) and with HS256 / ES256 tokens, side by side in one run, plus the time of one
// verification alone. Usage: npm run bench:identity   (BENCH_SCALE=small: a quick look)
// In-process (server and clients share one core): the figures compare modes, not machines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, exportSPKI, SignJWT, type CryptoKey } from 'jose';
import { WebSocket } from 'ws';
import { createIdentity } from '../server/identity.ts';
import { createServer, resolveConfig, type ServerConfig } from '../server/index.ts';

const small = process.env.BENCH_SCALE === 'small';
const CONNECTIONS = small ? 300 : 2000;
const BATCH = 50;
const VERIFICATIONS = small ? 1000 : 5000;
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

const results: Record<string, { hellosPerSecond: number; verifyMicroseconds: number | null }> = {};
for (const mode of await modes()) {
  const tokens = await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => mode.mint(`u${i}`)));
  const dataDir = mkdtempSync(join(tmpdir(), 'jsongle-bench-identity-'));
  const server = await createServer({ port: 0, logLevel: 'none', dataDir, maxConnections: CONNECTIONS + 10, ...mode.config });
  const open: WebSocket[] = [];
  const start = performance.now();
  for (let i = 0; i < CONNECTIONS; i += BATCH) {
    open.push(...await Promise.all(tokens.slice(i, i + BATCH).map((t, k) => hello(server.wsUrl, `u${i + k}`, t))));
  }
  const seconds = (performance.now() - start) / 1000;
  for (const ws of open) ws.terminate();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
  let verify: number | null = null;
  if (mode.name !== 'open') {
    const identity = await createIdentity(resolveConfig(mode.config), () => {});
    for (let i = 0; i < 200; i++) await identity.verify!(tokens[i % CONNECTIONS]);
    const t = performance.now();
    for (let i = 0; i < VERIFICATIONS; i++) await identity.verify!(tokens[i % CONNECTIONS]);
    verify = Math.round(((performance.now() - t) * 1000) / VERIFICATIONS);
  }
  results[mode.name] = { hellosPerSecond: Math.round(CONNECTIONS / seconds), verifyMicroseconds: verify };
}
console.log(JSON.stringify({ connections: CONNECTIONS, baseline: 'open', results }));
