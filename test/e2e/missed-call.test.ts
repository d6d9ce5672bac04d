// The demo (demo/index.html) in Chromium against the real server: a call missed while the callee's
// page was closed shows, once the callee comes back, in the chat with the caller, and still after a
// reload (from the stored history); his dialer's recent calls list it once. Set JSONGLE_SCREENSHOT_DIR to keep a screenshot of the callee's page.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import type { JsongleServer } from '../../server/index.ts';
import { cleanup, clickPart, closePages, launchBrowser, openPage, prepareDemo, signInAndWait, startServer, typeInPart, until } from './helpers.ts';

const CHAT = '#chats jsongle-chat[with="alice"]';
/** What bob's chat with alice shows: its system lines, and whether it is the chat on screen. */
const chatWithAlice = (page: Page) => page.evaluate((sel) => {
  const chat = document.querySelector<HTMLElement>(sel);
  return {
    shown: !!chat && !chat.hidden,
    lines: [...chat?.shadowRoot?.querySelectorAll('[part~="system"]') ?? []].map((li) => li.querySelector('span')?.textContent ?? ''),
    title: document.getElementById('chat-title')?.textContent,
  };
}, CHAT);

describe('demo: a missed call', { timeout: 120_000 }, () => {
  let server: JsongleServer;
  let browser: Browser;
  let url: string;

  before(async () => {
    await prepareDemo();
    server = await startServer();
    url = `${server.url}/`;
    browser = await launchBrowser();
  });
  afterEach(closePages);
  after(cleanup);

  test("bob was away when alice called: back, his chat with alice shows the missed call, also after a reload", { timeout: 90_000 }, async () => {
    const a = await openPage(browser, url);
    await signInAndWait(a.page, 'alice');
    // Bob has no page open: the call cannot ring anywhere.
    await typeInPart(a.page, '#dialer', 'input', 'bob');
    await clickPart(a.page, '#dialer', 'audio-call');
    await until(a.page, 'alice: the call ends', () => (document.getElementById('call') as any).state === 'ended');
    assert.equal(await a.page.evaluate(() => (document.getElementById('call') as any).currentCall?.reason ?? ''), 'unreachable');

    const b = await openPage(browser, url);
    await signInAndWait(b.page, 'bob');
    await until(b.page, "bob: the chat with alice shows the missed call", (sel) => {
      const chat = document.querySelector<HTMLElement>(sel);
      return chat && !chat.hidden && [...chat.shadowRoot?.querySelectorAll('[part~="system-missed"]') ?? []].length > 0;
    }, CHAT);
    const seen = await chatWithAlice(b.page);
    assert.deepEqual(seen, { shown: true, lines: ['Missed call from alice'], title: 'Chat with alice' }, 'one line, in the chat on screen');
    // His recent calls list it too, as the calls he took himself are.
    const recent = () => b.page.evaluate(() => (document.getElementById('dialer') as any).history.map((e: any) => `${e.peer} ${e.direction} ${e.outcome}`));
    assert.deepEqual(await recent(), ['alice incoming missed']);
    const dir = process.env.JSONGLE_SCREENSHOT_DIR;
    if (dir) await b.page.screenshot({ path: join(dir, 'missed-call-bob.png') });

    // A reload: the line comes back from the stored history, once.
    await b.page.reload({ waitUntil: 'load' });
    // The tab keeps its name across the reload: it signs in by itself.
    await until(b.page, 'bob registered again', () => (document.getElementById('connection') as any)?.client?.registered);
    await until(b.page, 'bob, reloaded: the missed call again', (sel) => {
      const chat = document.querySelector<HTMLElement>(sel);
      return chat && [...chat.shadowRoot?.querySelectorAll('[part~="system-missed"]') ?? []].length > 0;
    }, CHAT);
    assert.deepEqual((await chatWithAlice(b.page)).lines, ['Missed call from alice']);
    assert.deepEqual(await recent(), ['alice incoming missed'], 'once in the recent calls');
    assert.deepEqual([...a.errors, ...b.errors], []);
  });
});
