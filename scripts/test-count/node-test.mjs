// `node:test` as the test files see it under scripts/test.mjs: the same functions, except that
// test()/it() first append a line `<file>\t<name>` to $JSONGLE_TEST_PLAN. Suites run their bodies
// when declared, so the plan is complete once the file is loaded: a file that dies later cannot
// take its missing tests out of the count. A skipped suite is one entry (its tests never report).
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as real from 'node:test';

const plan = process.env.JSONGLE_TEST_PLAN;
const file = resolve(process.argv[1] ?? '');
let quiet = 0; // inside the body of a skipped suite, should it run

const nameOf = (args) => (typeof args[0] === 'string' ? args[0] : args.find((a) => typeof a === 'function')?.name || '<anonymous>');
function note(args) {
  if (plan && quiet === 0) appendFileSync(plan, `${file}\t${nameOf(args).replace(/\s+/g, ' ')}\n`);
}

/** test(), it() and their variants: one entry each. */
const leaf = (fn) => (...args) => { note(args); return fn(...args); };

/** describe(): its tests count themselves; a skipped or todo suite counts once, its body silenced. */
const group = (fn, skipped = false) => (...args) => {
  const options = args.find((a) => a && typeof a === 'object') ?? {};
  if (!skipped && !options.skip && !options.todo) return fn(...args);
  note(args);
  const i = args.findIndex((a) => typeof a === 'function');
  if (i >= 0) {
    const body = args[i];
    args[i] = function (...a) { quiet++; try { return body.apply(this, a); } finally { quiet--; } };
  }
  return fn(...args);
};

const variants = (make, base, skipping) => Object.assign(make(base), {
  only: make(base.only), skip: make(base.skip, skipping), todo: make(base.todo, skipping),
});

export const it = variants(leaf, real.it);
export const describe = variants(group, real.describe, true);
export const suite = describe;
export const test = Object.assign(variants(leaf, real.test), { ...real.test, it, describe, suite, only: leaf(real.test.only), skip: leaf(real.test.skip), todo: leaf(real.test.todo) });
export const { before, after, beforeEach, afterEach, mock, run } = real;
export const only = test.only;
export const skip = test.skip;
export const todo = test.todo;
export default test;
