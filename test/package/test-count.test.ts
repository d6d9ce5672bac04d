// npm test's count cannot shrink when a suite is cut short: deliberately broken fixture suites
// (test/fixtures/test-count) run through the same counting as the real suites.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: plain ES modules without types
import { runNodeSuite } from '../../scripts/test-count/index.mjs';
// @ts-expect-error: plain ES modules without types
import { countSessions, declaredIn } from '../../scripts/test-count/browser.mjs';

const fixture = (name: string) => `test/fixtures/test-count/${name}.fixture.mjs`;
async function count(names: string[], timeout = 60_000) {
  const out = mkdtempSync(join(tmpdir(), 'jsongle-count-'));
  try {
    const { passed, failed, skipped, missing } = await runNodeSuite(names.map(fixture), { out, stdio: 'pipe', timeout });
    return { passed, failed, skipped, missing };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

test('a suite that runs to the end is counted as it ran: passed, and skipped or todo (a skipped suite once)', async () => {
  assert.deepEqual(await count(['complete']), { passed: 4, failed: 0, skipped: 3, missing: 0 });
});

test('a file that dies mid-way: every test it declared and did not report counts as failed', async () => {
  // The runner hears nothing of a file that exits: all 5 of its tests are missing.
  assert.deepEqual(await count(['dies']), { passed: 0, failed: 5, skipped: 0, missing: 5 });
});

test('a suite out of time and a test out of time: cancelled and timed-out tests are failures', async () => {
  assert.deepEqual(await count(['cut-short']), { passed: 2, failed: 4, skipped: 0, missing: 0 });
});

test('a file killed at the runner\'s limit: its unreported tests count as failed', async () => {
  const c = await count(['overruns'], 2000);
  assert.equal(c.passed + c.failed, 4, `all 4 counted (${JSON.stringify(c)})`);
  assert.ok(c.failed >= 3, `the slow test and the two after it failed (${JSON.stringify(c)})`);
});

test('several files in one run: each keeps its own count', async () => {
  assert.deepEqual(await count(['complete', 'dies', 'cut-short']), { passed: 6, failed: 9, skipped: 3, missing: 5 });
});

describe('browser sessions', () => {
  const t = (name: string, passed: boolean, skipped = false) => ({ name, passed, skipped });
  const declared = (file: string) => ({ 'a.test.ts': 4, 'b.test.ts': 3, 'c.test.ts': 2 } as Record<string, number>)[file] ?? 0;

  test('a session that ran to its end counts as it reported', () => {
    const sessions = [{ testFile: 'a.test.ts', errors: [], testResults: { tests: [t('1', true)], suites: [{ tests: [t('2', true), t('3', false), t('4', false, true)], suites: [] }] } }];
    assert.deepEqual(countSessions(sessions, declared), { passed: 2, failed: 1, skipped: 1 });
  });

  test('a session that errored: its unreported tests are failures, and an error with none missing is one', () => {
    const sessions = [
      { testFile: 'a.test.ts', errors: [{ message: 'Browser tests did not finish within 300000ms' }], testResults: { tests: [t('1', true)], suites: [] } },
      { testFile: 'b.test.ts', errors: [{ message: 'Failed to load test file' }] },
      { testFile: 'c.test.ts', errors: [{ message: 'uncaught error after the tests' }], testResults: { tests: [t('1', true), t('2', true)], suites: [] } },
    ];
    assert.deepEqual(countSessions(sessions, declared), { passed: 3, failed: 3 + 3 + 1, skipped: 0 });
  });

  test('the declared tests of a browser file are its it() calls', () => {
    assert.equal(declaredIn("describe('x', () => {\n  it('a', () => {});\n  it.skip('b', () => {});\n  // it is not a test\n  it.only('c', async () => {});\n});"), 3);
  });
});
