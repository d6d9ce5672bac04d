// demo/serverless.html in two windows of one browser: the tabs find each other, call with video and
// chat through a BroadcastChannel. Only static files are served (no signaling server, no WebSocket).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import {
  cleanup, clickPart, closePages, inbound, LOADERS, launchBrowser, openPage, prepareDemo, partText, signInAndWait, startStaticServer, typeInPart, until, untilMediaFlows,
} from './helpers.ts';

const state = (page: Page) => page.evaluate(() => (document.getElementById('call') as any).state as string);

describe('serverless demo page', { timeout: 120_000 }, () => {
  let browser: Browser;
  let site: Awaited<ReturnType<typeof startStaticServer>>;

  before(async () => {
    await prepareDemo();
    site = await startStaticServer();
    browser = await launchBrowser();
  });
  after(cleanup);

  for (const loader of LOADERS) test(`two tabs call each other (video) and chat with no server running (${loader.name})`, { timeout: 60_000 }, async (t) => {
    await closePages();
    const url = `${site.url}/${loader.prefix}serverless.html`;
    const a = await openPage(browser, url);
    const b = await openPage(browser, url);
    await signInAndWait(a.page, 'ann');
    await signInAndWait(b.page, 'ben');
    assert.equal(await a.page.$eval('#state', (el) => el.textContent), 'Ready (no server)');
    for (const [page, who, other] of [[a.page, 'ann', 'ben'], [b.page, 'ben', 'ann']] as const) {
      await until(page, `${who} sees ${other}'s tab`, (uid) => !!document.querySelector(`#people li[data-uid="${uid}"]`), other);
    }

    const started = Date.now();
    await a.page.locator('#people li[data-uid="ben"] button.video').click();
    await until(b.page, 'ben rings', () => (document.getElementById('call') as any).matches(':state(incoming)'));
    assert.equal(await partText(b.page, '#call', 'alert-region'), 'ann is calling you (video)');
    await clickPart(b.page, '#call', 'accept');
    for (const [page, who] of [[a.page, 'ann'], [b.page, 'ben']] as const) {
      await until(page, `${who}: active on both sides`, () => (document.getElementById('call') as any).currentCall?.reason === 'is-active-both-side');
    }
    const active = Date.now();
    for (const [page, who] of [[a.page, 'ann'], [b.page, 'ben']] as const) {
      await untilMediaFlows(page, who);
    }
    const [sa, sb] = [await inbound(a.page), await inbound(b.page)];
    t.diagnostic(`click → active on both sides (incl. answering): ${active - started} ms; frames decoded ${sa.framesDecoded}/${sb.framesDecoded}, audio packets ${sa.audioPackets}/${sb.audioPackets}`);

    await typeInPart(a.page, '#chats jsongle-chat[with="ben"]', 'input', 'Hi Ben, no server here');
    await a.page.keyboard.press('Enter');
    await until(b.page, 'ben receives the message', () => (document.querySelector('#chats jsongle-chat[with="ann"]') as any)?.messages.some((m: any) => m.text === 'Hi Ben, no server here'));
    await until(a.page, "ann sees ben's read receipt", () => (document.querySelector('#chats jsongle-chat[with="ben"]') as any)?.messages.some((m: any) => m.own && m.state === 'read'));

    await clickPart(b.page, '#call', 'hangup');
    await until(a.page, 'ann: ended', () => (document.getElementById('call') as any).state === 'ended');
    assert.equal(await state(b.page), 'ended');
    assert.equal((await a.page.evaluate(() => (document.getElementById('dialer') as any).history[0]?.outcome)), 'answered');

    // Nothing but static files: no WebSocket was opened, none was even attempted.
    assert.deepEqual([...a.websockets, ...b.websockets], []);
    assert.equal(site.upgrades(), 0);
    assert.deepEqual([...a.errors, ...b.errors], []);
  });
});
