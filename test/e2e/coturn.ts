// A real TURN server for the tests: Debian's coturn (`turnserver`) on 127.0.0.1, a random port, the
// TURN REST shared secret (`use-auth-secret`), no TLS/DTLS, relaying on 127.0.0.1 only. stop() and
// start() again keep the same port and secret: the ICE-recovery test breaks the relay path that way.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TURNSERVER = process.env.TURNSERVER_PATH || '/usr/bin/turnserver';

/** A free UDP port on 127.0.0.1 (bound then released). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something answers a STUN Binding request on 127.0.0.1:port; rejects after `ms`. */
function stunAnswers(port: number, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0); // Binding request
    request.writeUInt32BE(0x2112a442, 4); // magic cookie
    randomBytes(12).copy(request, 8);
    const send = () => s.send(request, port, '127.0.0.1');
    const retry = setInterval(send, 100);
    const timer = setTimeout(() => { done(); reject(new Error(`coturn did not answer STUN on 127.0.0.1:${port} within ${ms} ms`)); }, ms);
    const done = () => { clearInterval(retry); clearTimeout(timer); s.close(); };
    s.on('message', (m) => { if (m.readUInt16BE(0) === 0x0101) { done(); resolve(); } });
    s.on('error', () => {});
    send();
  });
}

export interface Coturn {
  port: number;
  secret: string;
  realm: string;
  /** `turn:127.0.0.1:<port>?transport=udp` */
  url: string;
  /** Everything coturn printed (its log goes to stdout). */
  log: () => string;
  start(): Promise<void>;
  /** Stops the process (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

export async function startCoturn(): Promise<Coturn> {
  const port = await freeUdpPort();
  const secret = randomBytes(16).toString('hex');
  const realm = 'jsongle.test';
  const dir = await mkdtemp(join(tmpdir(), 'jsongle-coturn-'));
  // Relay ports from a random range, so that several test runs on one machine do not collide.
  const minPort = 20000 + Math.floor(Math.random() * 200) * 100;
  let proc: ChildProcess | null = null;
  let output = '';
  const args = [
    '-n', `--listening-ip=127.0.0.1`, `--relay-ip=127.0.0.1`, `--listening-port=${port}`,
    '--use-auth-secret', `--static-auth-secret=${secret}`, `--realm=${realm}`,
    '--no-tls', '--no-dtls', '--allow-loopback-peers', '--no-cli', '--log-file=stdout', '--simple-log', '--verbose',
    `--min-port=${minPort}`, `--max-port=${minPort + 99}`,
    `--pidfile=${join(dir, 'turnserver.pid')}`, `--userdb=${join(dir, 'turndb')}`,
  ];
  const turn: Coturn = {
    port, secret, realm, url: `turn:127.0.0.1:${port}?transport=udp`,
    log: () => output,
    async start() {
      if (proc) return;
      // Line-buffered (stdbuf): coturn's stdout log would otherwise sit in a 4 KB buffer.
      const p = spawn('stdbuf', ['-oL', TURNSERVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      proc = p;
      p.stdout!.on('data', (d) => { output += d; });
      p.stderr!.on('data', (d) => { output += d; });
      const exited = new Promise<never>((_, reject) => p.once('exit', (code) => reject(new Error(`turnserver exited (${code}) before it answered: ${output.slice(-2000)}`))));
      const spawnFailed = new Promise<never>((_, reject) => p.once('error', (e) => reject(new Error(`cannot start ${TURNSERVER}: ${e.message} (apt-get install coturn)`))));
      await Promise.race([stunAnswers(port, 10_000), exited, spawnFailed]);
    },
    async stop() {
      const p = proc;
      proc = null;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()));
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    },
  };
  cleanupDir.set(turn, dir);
  await turn.start();
  return turn;
}

const cleanupDir = new WeakMap<Coturn, string>();
/** Stops coturn and removes its files. */
export async function disposeCoturn(turn: Coturn) {
  await turn.stop();
  const dir = cleanupDir.get(turn);
  if (dir) await rm(dir, { recursive: true, force: true });
}
