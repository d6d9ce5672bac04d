// web-test-runner: the browser suites (components, media) in Debian's Chromium with fake devices.
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';

const executablePath = process.env.CHROME_PATH || '/usr/bin/chromium';

/** Writes passed/failed/skipped counts for scripts/test.mjs, which sums every suite. */
function countReporter(file = '.test-build/wtr-count.json') {
  return {
    onTestRunFinished({ sessions }) {
      const count = { passed: 0, failed: 0, skipped: 0 };
      const walk = (suite) => {
        for (const t of suite?.tests ?? []) count[t.skipped ? 'skipped' : t.passed ? 'passed' : 'failed']++;
        for (const s of suite?.suites ?? []) walk(s);
      };
      for (const s of sessions) {
        walk(s.testResults);
        if (s.errors?.length) count.failed += s.errors.length; // a file that failed to load or run
      }
      mkdirSync('.test-build', { recursive: true });
      writeFileSync(file, JSON.stringify(count));
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
