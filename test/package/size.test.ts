// The size budgets of issue 18 (scripts/bundles.mjs): the build wrote what each budget counts into
// dist/sizes.json; this test measures those files again and fails when one is over its budget.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BUDGETS, coreBundled, sizeOf } from '../../scripts/bundles.mjs';

const { budgets } = JSON.parse(readFileSync('dist/sizes.json', 'utf8')) as {
  budgets: Record<keyof typeof BUDGETS, { files: string[]; gzip: number; budget: number }>;
};

describe('size budgets (gzip -9)', () => {
  it('the build recorded every budget, with the budgets of scripts/bundles.mjs', () => {
    assert.deepEqual(Object.keys(budgets).sort(), Object.keys(BUDGETS).sort());
    for (const [name, b] of Object.entries(budgets)) assert.equal(b.budget, BUDGETS[name as keyof typeof BUDGETS]);
  });

  it(`the one CDN file: at most ${BUDGETS.cdn} B`, async () => {
    const { gzip } = await sizeOf(budgets.cdn.files);
    assert.ok(gzip <= BUDGETS.cdn, `dist/jsongle-elements.min.js is ${gzip} B gzip, ${gzip - BUDGETS.cdn} B over its budget`);
  });

  it(`<jsongle-connection> + <jsongle-call> through the autoloader: at most ${BUDGETS.autoloaderCall} B for all they download`, async () => {
    const { files } = budgets.autoloaderCall;
    assert.ok(files.includes('dist/autoloader.js') && files.some((f) => /jsongle-call-/.test(f)) && files.some((f) => /jsongle-connection-/.test(f)));
    const { gzip } = await sizeOf(files);
    assert.ok(gzip <= BUDGETS.autoloaderCall, `${files.length} files, ${gzip} B gzip: ${gzip - BUDGETS.autoloaderCall} B over the budget`);
  });

  it(`the core bundled with eventemitter3 and uuid: at most ${BUDGETS.core} B`, async () => {
    const { gzip } = await coreBundled();
    assert.ok(gzip <= BUDGETS.core, `the core is ${gzip} B gzip, ${gzip - BUDGETS.core} B over its budget`);
  });
});
