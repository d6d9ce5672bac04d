// `jsongle-server`: runs the signaling server configured by environment variables (see --help).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, configFromEnv, helpText } from './config.ts';
import { createServer } from './index.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(helpText());
  process.exit(0);
}

// Built to dist/server/bin.js: the demo site (pages, page script, CDN file) is dist/demo/, in the
// package too, so `npx jsongle-server` serves the demo at / as `npm start` does.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

try {
  const config = configFromEnv(process.env, { staticDirs: [resolve(root, 'dist/demo')], processMetrics: true });
  const server = await createServer(config);
  console.log(`JSONgle server: open ${server.url.replace('127.0.0.1', 'localhost')}/ (WebSocket ${server.wsUrl})`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return process.exit(1); // a second signal: stop now
    stopping = true;
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(e instanceof ConfigError ? 2 : 1);
}
