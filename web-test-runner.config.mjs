// web-test-runner: the browser suites (components, media) in Debian's Chromium with fake devices.
import { writeFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { countSessions } from './scripts/test-count/browser.mjs';

const executablePath = process.env.CHROME_PATH || '/usr/bin/chromium';

/** Writes passed/failed/skipped counts for scripts/test.mjs, which sums every suite. */
function countReporter(file = '.test-build/wtr-count.json') {
  return {
    onTestRunFinished({ sessions }) {
      mkdirSync('.test-build', { recursive: true });
      writeFileSync(file, JSON.stringify(countSessions(sessions)));
    },
  };
}

/**
 * The real signaling server for the browser tests (its router, registry and SQLite store: one
 * server implementation in the repository). A test asks for a fresh one on a random port with
 * `GET /__jsongle/server/start` → `{ wsUrl, sn }` (`?config=<JSON>`: settings of createServer, e.g. a
 * token secret), and stops it with `/__jsongle/server/stop?port=`
 * (see test/components/server.ts); the rest are stopped with the test run.
 */
function jsongleServers() {
  const servers = new Map();
  let createServer;
  const stop = async (port) => {
    const s = servers.get(port);
    servers.delete(port);
    if (!s) return;
    await s.server.close();
    rmSync(s.dataDir, { recursive: true, force: true });
  };
  return {
    name: 'jsongle-servers',
    async serve(context) {
      if (!context.path.startsWith('/__jsongle/server/')) return;
      if (!createServer) {
        const { register } = await import('tsx/esm/api');
        register();
        ({ createServer } = await import('./server/index.ts'));
      }
      if (context.path === '/__jsongle/server/start') {
        const dataDir = mkdtempSync(join(tmpdir(), 'jsongle-wtr-'));
        const config = context.query.config ? JSON.parse(context.query.config) : {};
        const server = await createServer({ ...config, port: 0, host: '127.0.0.1', logLevel: 'none', dataDir });
        servers.set(server.port, { server, dataDir });
        return { body: JSON.stringify({ wsUrl: server.wsUrl, sn: server.config.name, port: server.port }), type: 'json' };
      }
      if (context.path === '/__jsongle/server/stop') {
        await stop(Number(context.query.port));
        return { body: '{}', type: 'json' };
      }
    },
    async serverStop() {
      await Promise.all([...servers.keys()].map(stop));
    },
  };
}

export default {
  files: ['test/components/**/*.test.ts', 'test/media/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  testFramework: { config: { timeout: 20000 } },
  testsFinishTimeout: 300000,
  plugins: [
    jsongleServers(),
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) }),
    {
      // eventemitter3's ESM entry re-imports its CommonJS file, which the browser cannot load unbundled.
      name: 'eventemitter3-esm',
      resolveImport({ source }) {
        if (source === 'eventemitter3') return '/node_modules/eventemitter3/dist/eventemitter3.esm.js';
      },
    },
  ],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath,
        headless: true,
        args: [
          '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
          '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream',
          '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required',
        ],
      },
    }),
  ],
  reporters: [defaultReporter(), countReporter()],
};
