// Counting the browser suites (web-test-runner sessions, one per test file). A session that ran
// to its end reports every test mocha registered. One that errored (a file that failed to load,
// a page that died, tests that did not finish in time) reports only part of them, or none: its
// tests that did not report count as failed, against the it() calls its file declares.
import { readFileSync } from 'node:fs';

/** it()/test() calls at the start of a line of `source`: one per test, a loop's body once. */
export const declaredIn = (source) => (source.match(/^\s*(?:it|test)(?:\.only|\.skip)?\(/gm) ?? []).length;

const declaredInFile = (file) => {
  try {
    return declaredIn(readFileSync(file, 'utf8'));
  } catch {
    return 0;
  }
};

/** Sums wtr sessions into passed/failed/skipped; `declared(file)` gives a file's test count. */
export function countSessions(sessions, declared = declaredInFile) {
  const count = { passed: 0, failed: 0, skipped: 0 };
  for (const s of sessions) {
    const own = { passed: 0, failed: 0, skipped: 0 };
    const walk = (suite) => {
      for (const t of suite?.tests ?? []) own[t.skipped ? 'skipped' : t.passed ? 'passed' : 'failed']++;
      for (const child of suite?.suites ?? []) walk(child);
    };
    walk(s.testResults);
    const errors = s.errors?.length ?? 0;
    if (errors) {
      const missing = Math.max(0, declared(s.testFile) - own.passed - own.failed - own.skipped);
      own.failed += Math.max(missing, errors);
    }
    for (const k in count) count[k] += own[k];
  }
  return count;
}
