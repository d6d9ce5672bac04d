// A page reloaded mid-call, with the demo and the real signaling server: the other page must not
// stay on frozen media; it ends the call within 2 s and says the peer left.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import type { JsongleServer } from '../../server/index.ts';
import { cleanup, clickPart, launchBrowser, openPage, partText, prepareDemo, signInAndWait, startServer, until } from './helpers.ts';

const bothSides = (page: Page, who: string) =>
  until(page, `${who}: call active on both sides`, () => (document.getElementById('call') as any).currentCall?.reason === 'is-active-both-side');

describe('peer gone (demo page, signaling server)', { timeout: 60_000 }, () => {
  let server: JsongleServer;
  let browser: Browser;

  before(async () => {
    await prepareDemo();
    server = await startServer();
    browser = await launchBrowser();
  });
  after(cleanup);

  test('a page reloaded mid-call: the other page ends within 2 s with "left the call"', { timeout: 50_000 }, async () => {
    const url = `${server.url}/`;
    const h = await openPage(browser, url);
    const i = await openPage(browser, url);
    await signInAndWait(h.page, 'hana');
    await signInAndWait(i.page, 'ivan');
    await until(h.page, 'hana sees ivan online', () => !!document.querySelector('#people li[data-uid="ivan"]'));
    await h.page.locator('#people li[data-uid="ivan"] button.audio').click();
    await until(i.page, 'ivan rings', () => (document.getElementById('call') as any).matches(':state(incoming)'));
    await clickPart(i.page, '#call', 'accept');
    await bothSides(h.page, 'hana');
    await bothSides(i.page, 'ivan');
    // The reload is not awaited: the other page must end while this one is still loading.
    const reloaded = h.page.reload({ waitUntil: 'load' });
    await until(i.page, 'ivan: the call ends', () => (document.getElementById('call') as any).state === 'ended', undefined, 2000);
    assert.equal(await partText(i.page, '#call', 'state'), 'hana left the call');
    assert.equal(await i.page.evaluate(() => (document.getElementById('call') as any).ticket?.endedReason), 'gone');
    await reloaded;
  });
});
