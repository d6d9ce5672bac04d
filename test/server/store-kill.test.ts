// Exactly once through a crash: 1,000 messages at 20/s from A to B while the server (a child
// process with its SQLite file in a temp dir) is killed with SIGKILL halfway and started again on the
// same port. B must get every message once, in order. Prints the figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { JSONgle } from '../../src/client.ts';
import { createWebSocketTransport } from '../../src/transport/websocket.ts';
import { sleep, until, within } from './helpers.ts';

const COUNT = 1000;
const RATE = 20; // per second
const BIN = new URL('../../server/bin.ts', import.meta.url).pathname;

/** Starts the server in a child process; resolves with it and its port once it listens. */
function startChild(dataDir: string, port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', JSONGLE_DATA_DIR: dataDir, JSONGLE_LOG_LEVEL: 'warning' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the server did not say it listens within 20 s: ${out}`)), 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/ws:\/\/[^:]+:(\d+)\/ws/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the server exited with ${code}: ${out}`)); });
  });
}

const client = (port: number, uid: string) => new JSONgle({
  transport: createWebSocketTransport({ url: `ws://127.0.0.1:${port}/ws`, WebSocket, backoff: { base: 100, cap: 400 } }),
  user: { uid },
  // Acks may be slow on a loaded machine: only a real loss should fail a message here.
  messageTimeout: 30_000,
});

test(`${COUNT} messages at ${RATE}/s, the server SIGKILLed and restarted halfway: 0 lost, 0 duplicated, in order`, { timeout: 150_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jsongle-kill-'));
  let server = await startChild(dataDir, 0);
  const port = server.port;
  const a = client(port, 'a');
  const b = client(port, 'b');
  try {
    const got: number[] = [];
    b.on('messagereceived', (j) => got.push(Number(j.description.content)));
    const failed: string[] = [];
    a.on('messagefailed', (m, e) => failed.push(`${m.id}: ${e.message}`));
    await until(() => a.registered && b.registered, 5000, 'a and b registered');

    let killedAt = -1;
    let restarted: Promise<void> | undefined;
    const started = Date.now();
    for (let i = 0; i < COUNT; i++) {
      // Paced from the start time, so a slow turn does not slow the whole run down.
      const due = started + (i * 1000) / RATE - Date.now();
      if (due > 0) await sleep(due);
      a.send('b', String(i));
      if (i === COUNT / 2) {
        // Killed right after a send: that message is on the wire, not yet stored; only the outbox
        // (resent after the reconnection, same id) can save it.
        killedAt = i;
        server.child.kill('SIGKILL');
        await within(new Promise((r) => server.child.once('exit', r)), 5000, 'the killed server exiting');
        restarted = startChild(dataDir, port).then((s) => { server = s; });
      }
    }
    await restarted;
    await until(() => got.length >= COUNT && a.pendingMessages.length === 0, 40_000,
      `b to get ${COUNT} messages (has ${got.length}) and a's outbox to empty (${a.pendingMessages.length} left)`);
    await sleep(300); // a late duplicate would show now

    const distinct = new Set(got);
    const lost = COUNT - [...distinct].filter((n) => n >= 0 && n < COUNT).length;
    const duplicated = got.length - distinct.size;
    let outOfOrder = 0;
    for (let i = 1; i < got.length; i++) if (got[i] <= got[i - 1]) outOfOrder++;
    console.log(JSON.stringify({ sent: COUNT, rate: RATE, killedAt, received: got.length, lost, duplicated, outOfOrder, failed: failed.length, seconds: (Date.now() - started) / 1000 }));
    assert.deepEqual(failed, []);
    assert.equal(lost, 0, 'lost');
    assert.equal(duplicated, 0, 'duplicated');
    assert.equal(outOfOrder, 0, 'out of order');
  } finally {
    a.close();
    b.close();
    server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
