// What the experience suites share: screenshots in both sizes, axe-core in the page, the focused
// element seen through shadow roots, Tab until something has the focus.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'puppeteer-core';

export const SHOTS = resolve(process.env.JSONGLE_SCREENSHOTS ?? '.test-build/screenshots');
export const AXE = readFileSync(resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');
export const SIZES = [{ name: 'desktop', width: 1280, height: 800 }, { name: 'phone', width: 390, height: 844 }] as const;

export const callOf = (page: Page) => page.evaluate(() => {
  const el = document.getElementById('call') as any;
  return { state: el.state as string, reason: (el.currentCall?.reason ?? '') as string };
});

/** The focused element, inside shadow roots: `tag[part]` or `tag#id`, and 'body' when nothing has it. */
export const focused = (page: Page) => page.evaluate(() => {
  let el: Element | null = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  if (!el || el === document.body) return 'body';
  const part = el.getAttribute('part');
  return `${el.localName}${part ? `[${part}]` : el.id ? `#${el.id}` : el.className ? `.${String(el.className).split(' ')[0]}` : ''}`;
});

/** axe-core in the page (its shadow roots included): the violations, any impact. */
export async function axe(page: Page, what: string) {
  // Through the DevTools protocol, once per page: the page's CSP does not apply.
  if (!await page.evaluate(() => 'axe' in window)) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n: any) => n.target.join(' ')).join(' | ')}`);
  });
  assert.deepEqual(violations, [], `axe, ${what}`);
}

/** A screenshot of `page` in both sizes (the page is left at the desktop size). */
export async function shoot(page: Page, name: string) {
  for (const size of SIZES) {
    await page.setViewport({ width: size.width, height: size.height });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: `${SHOTS}/${name}-${size.name}.png` as `${string}.png` });
  }
  await page.setViewport({ width: 1280, height: 800 });
}

/** Presses Tab (Shift+Tab with `back`) until `target` (a `focused()` string) has the focus; the number of presses. */
export async function tabTo(page: Page, target: string, { back = false, max = 30 } = {}): Promise<number> {
  for (let n = 1; n <= max; n++) {
    if (back) await page.keyboard.down('Shift');
    await page.keyboard.press('Tab');
    if (back) await page.keyboard.up('Shift');
    const now = await focused(page);
    assert.notEqual(now, 'body', `Tab ${n} towards ${target} left the focus on <body>`);
    if (now === target) return n;
  }
  throw new Error(`${target} not reached in ${max} Tabs (at ${await focused(page)})`);
}

export const part = (page: Page, selector: string, name: string) => page.evaluate((selector, name) =>
  document.querySelector(selector)?.shadowRoot?.querySelector(`[part~="${name}"]`)?.textContent?.trim() ?? null, selector, name);
