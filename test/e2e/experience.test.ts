// How the demo looks before a call, in Chromium against the real server: screenshots at 1280 × 800
// and 390 × 844 (in the folder printed, for a person to look at), axe-core with zero violations,
// focus never left on <body>; a long name in the list, a name already online refused.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import type { JsongleServer } from '../../server/index.ts';
import { cleanup, launchBrowser, openPage, prepareDemo, signInAndWait, startServer, until } from './helpers.ts';
import { axe, focused, SHOTS, shoot } from './look.ts';

describe('the demo before a call', { timeout: 150_000 }, () => {
  let server: JsongleServer;
  let browser: Browser;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await prepareDemo();
    server = await startServer();
    browser = await launchBrowser();
  });
  after(cleanup);

  test('signed out, signed in, a name already online: screenshots, axe, focus', { timeout: 120_000 }, async (t) => {
    t.diagnostic(`screenshots: ${SHOTS}`);
    const url = `${server.url}/`;
    const a = await openPage(browser, url);
    const b = await openPage(browser, url);
    const long = 'bartholomew-featherstonehaugh'; // 29 characters
    // Signed out.
    await until(a.page, 'the page script ready', () => (window as any).demo);
    await axe(a.page, 'signed out');
    await shoot(a.page, '01-signed-out');

    // Signed in, the other person listed; focus went on (to the dialer), not to <body>.
    await signInAndWait(b.page, long);
    await signInAndWait(a.page, 'alice');
    assert.equal(await focused(a.page), 'input[input]', 'after signing in, focus is in the dialer');
    await until(a.page, `alice sees ${long}`, (uid) => !!document.querySelector(`#people li[data-uid="${uid}"]`), long);
    const row = await a.page.$eval(`#people li[data-uid="${long}"]`, (li) => {
      const [who, audio, video] = [...li.querySelectorAll('button')].map((x) => x.getBoundingClientRect());
      const card = document.getElementById('call')!.getBoundingClientRect();
      return { who: who.right, audio: [audio.left, audio.right], video: video.right, card: card.left, title: li.querySelector('.person')!.getAttribute('title') };
    });
    assert.ok(row.video <= row.card, `the Audio/Video buttons stay left of the call card (${JSON.stringify(row)})`);
    assert.equal(row.title, long, 'the whole name in a tooltip');
    await axe(a.page, 'signed in');
    await shoot(a.page, '02-signed-in');

    // A name already online is refused, with a way to share it on purpose.
    const c = await openPage(browser, url);
    await until(c.page, 'the page script ready', () => (window as any).demo);
    await c.page.locator('#name').fill('alice');
    await c.page.locator('#sign-in button[type="submit"]').click();
    await until(c.page, 'the name is refused', () => document.getElementById('name-error')?.textContent?.includes('already online'));
    assert.equal(await c.page.$eval('#sign-in', (f) => (f as HTMLElement).hidden), false);
    assert.equal(await focused(c.page), 'input#name');
    await until(c.page, 'the page says it is not connected', () => document.getElementById('state')?.textContent === 'Not connected', undefined, 3000)
      .catch(async (e) => { throw new Error(`${e.message}: ${await c.page.evaluate(() => [document.getElementById('state')?.textContent, (document.getElementById('connection') as any).state, (document.getElementById('connection') as any).user].join(' / '))}`); });
    await axe(c.page, 'a name already online');
    await shoot(c.page, '03-name-taken');
    await c.page.close();

    assert.deepEqual([...a.errors, ...b.errors], []);
  });
});
