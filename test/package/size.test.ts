// What a page downloads stays as small as it is: each figure of dist/sizes.json (written by the build)
// is what its files weigh (gzip -9), and none exceeds its ceiling (scripts/bundles.mjs). The budgets of
// issue 18 sit below today's figures (see bench/README.md): the ceilings hold the line meanwhile.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
// @ts-expect-error: plain ES module of the build, no type declarations
import { CEILINGS, coreBundled } from '../../scripts/bundles.mjs';

type Figure = { files: string[]; gzip: number; brotli: number; budget: number };
const sizes = JSON.parse(readFileSync('dist/sizes.json', 'utf8')) as { budgets: Record<'cdn' | 'autoloaderCall' | 'core', Figure> };
const ceilings = CEILINGS as Record<string, number>;

describe('size', () => {
  for (const name of ['cdn', 'autoloaderCall', 'core'] as const) {
    test(`${name}: its figure is what it weighs, and it is within its ceiling`, async () => {
      const b = sizes.budgets[name];
      const weighed = name === 'core'
        ? (await coreBundled()).gzip
        : b.files.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
      assert.equal(b.gzip, weighed, `${name}: dist/sizes.json says ${b.gzip} B, the files weigh ${weighed} B`);
      assert.ok(b.gzip <= ceilings[name], `${name} is ${b.gzip} B gzip, over its ceiling of ${ceilings[name]} B (budget ${b.budget} B): make it smaller, or say why it must grow`);
    });
  }
});
