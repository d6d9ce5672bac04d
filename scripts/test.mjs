// `npm test`: type check, build, every node suite, the browser suites; ends with one line
// `N passed, N failed` that sums them all. Exits non-zero when anything failed. A test that was
// meant to run and did not report (its file died or ran out of time) counts as failed: see
// test-count/index.mjs for the node suites, and web-test-runner.config.mjs for the browser.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runNodeSuite } from './test-count/index.mjs';

const total = { passed: 0, failed: 0, skipped: 0 };
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { stdio: 'inherit', ...opts }).status ?? 1;
const step = (name, ok) => {
  console.log(`\n== ${name}: ${ok ? 'ok' : 'FAILED'}`);
  if (!ok) total.failed++;
};
const files = (dir) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.test.ts')).map((f) => join(dir, f)).sort() : []);

rmSync('.test-build', { recursive: true, force: true });
mkdirSync('.test-build');

step('type check', run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']) === 0 && run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.core.json']) === 0);
step('build', run('node', ['scripts/build.mjs']) === 0);
step('custom-elements.json and README element tables up to date', run('node', ['scripts/docs.mjs', '--check']) === 0);

const suites = process.argv.slice(2);
const want = (s) => suites.length === 0 || suites.includes(s);

// Files that mostly wait (the SIGKILL test sends 1,000 messages at 20/s for ~50 s) run beside the
// rest of their suite, each group counted on its own; their output is printed after the rest's.
const BESIDE = new Set(['test/server/store-kill.test.ts']);

/** Runs `list` as one counted group; `log` sends its output to that file instead of the terminal. */
async function group(list, out, log) {
  mkdirSync(out, { recursive: true });
  const fd = log ? openSync(log, 'w') : undefined;
  // Each file has 5 minutes in all (node applies --test-timeout to a whole file too); every wait
  // inside a test has its own, shorter bound.
  try {
    return await runNodeSuite(list, { out, args: ['--import', 'tsx'], timeout: 300_000, stdio: fd === undefined ? 'inherit' : ['ignore', fd, fd] });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

for (const suite of ['core', 'server', 'package', 'e2e']) {
  const list = files(`test/${suite}`);
  if (!want(suite) || list.length === 0) continue;
  const out = `.test-build/${suite}`;
  const beside = list.filter((f) => BESIDE.has(f));
  const log = `${out}-beside.log`;
  const runs = await Promise.all([group(list.filter((f) => !BESIDE.has(f)), out), beside.length ? group(beside, `${out}-beside`, log) : undefined]);
  if (beside.length) process.stdout.write(readFileSync(log, 'utf8'));
  for (const counted of runs) {
    if (!counted) continue;
    for (const [file, f] of counted.files) {
      if (f.missing) console.log(`== ${suite}: ${relative('.', file)}: ${f.missing} of its ${f.declared} tests never reported: counted as failed`);
    }
    for (const k in total) total[k] += counted[k];
  }
  const sum = (k) => runs.reduce((n, c) => n + (c?.[k] ?? 0), 0);
  console.log(`== ${suite}: ${sum('passed')} passed, ${sum('failed')} failed`);
}

if (want('browser')) {
  const status = run('npx', ['web-test-runner']);
  const file = '.test-build/wtr-count.json';
  const counted = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { passed: 0, failed: 1, skipped: 0 };
  if (status !== 0 && counted.failed === 0) counted.failed = 1;
  console.log(`== browser: ${counted.passed} passed, ${counted.failed} failed`);
  for (const k in total) total[k] += counted[k];
}

console.log(`\n${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(total.failed > 0 ? 1 : 0);
