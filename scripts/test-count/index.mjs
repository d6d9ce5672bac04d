// Counting the node suites so that a run cut short cannot look smaller than it is: every test a
// file declares is written down before any runs (./node-test.mjs), every test that reports is
// written down as it reports (./reporter.mjs), and a declared test that never reported counts as
// failed. A file that died or failed outside its tests (hook, suite timeout) counts at least one
// failure, and so does a runner that exits non-zero with nothing failed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));

/**
 * Per-file and total counts from the plan (`file\tname` lines, in run order) and the reports (JSON
 * lines, in run order). Node names a report's file after the frame that declared the test, which is
 * the wrapper: so reports are matched to files by name, in order, files running one at a time. A
 * report of the file itself (it died, or ran out of time) closes that file.
 */
export function tally(planText, reportText) {
  const files = new Map();
  const of = (file) => files.get(file) ?? files.set(file, { declared: 0, passed: 0, failed: 0, skipped: 0, broken: false, names: new Map() }).get(file);
  const order = [];
  for (const line of planText.split('\n')) {
    if (!line) continue;
    const [file, name] = line.split('\t');
    const f = of(file);
    if (f.declared++ === 0) order.push(file);
    f.names.set(name, (f.names.get(name) ?? 0) + 1);
  }
  let at = 0;
  for (const line of reportText.split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line);
    if (r.file && resolve(r.name) === resolve(r.file)) { // the file itself failed
      of(resolve(r.file)).broken = true;
      at = Math.max(at, order.indexOf(resolve(r.file)) + 1);
      continue;
    }
    const name = r.name.replace(/\s+/g, ' ');
    let i = at;
    while (i < order.length && !(files.get(order[i]).names.get(name) > 0)) i++;
    if (i < order.length) {
      at = i;
      const names = files.get(order[i]).names;
      names.set(name, names.get(name) - 1);
    }
    const f = of(order[at] ?? '(undeclared)');
    if (r.suite && r.outcome === 'failed') f.broken = true; // a hook failed or the suite timed out; its tests report themselves
    else f[r.outcome]++;
  }
  const total = { passed: 0, failed: 0, skipped: 0, missing: 0, files };
  for (const f of files.values()) {
    f.missing = Math.max(0, f.declared - f.passed - f.failed - f.skipped);
    const failed = f.failed + f.missing + (f.broken && f.failed + f.missing === 0 ? 1 : 0);
    total.passed += f.passed;
    total.failed += failed;
    total.skipped += f.skipped;
    total.missing += f.missing;
    delete f.names;
  }
  return total;
}

/**
 * Runs `files` with node's test runner (the spec reporter on stdout, or `reporter`) and counts them.
 * `out` is a folder for the plan and the reports. Resolves once the runner exited, so that two
 * suites (each counted from its own `out`) may run side by side.
 */
export async function runNodeSuite(files, { out, args = [], stdio = 'inherit', timeout = 60_000 } = {}) {
  const plan = resolve(out, 'plan.txt');
  const reports = resolve(out, 'reports.jsonl');
  rmSync(plan, { force: true });
  rmSync(reports, { force: true });
  const child = spawn(process.execPath, [
    ...args, '--import', here('./declare.mjs'), '--test', '--test-concurrency=1', `--test-timeout=${timeout}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${here('./reporter.mjs')}`, `--test-reporter-destination=${reports}`,
    ...files,
  ], { stdio, env: { ...process.env, JSONGLE_TEST_PLAN: plan, NODE_TEST_CONTEXT: undefined } });
  if (stdio === 'pipe') { child.stdout.resume(); child.stderr.resume(); }
  const status = await new Promise((done) => { child.on('error', () => done(1)); child.on('close', (code) => done(code ?? 1)); });
  const read = (f) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  const counts = tally(read(plan), read(reports));
  if (status !== 0 && counts.failed === 0) counts.failed = 1; // the runner itself failed
  return counts;
}
