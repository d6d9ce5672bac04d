// Chromium ↔ Firefox ESR through the demo and the real server: Debian's firefox-esr driven by
// puppeteer-core over WebDriver BiDi (fake media prefs). Both sides active with decoded remote
// video, mute seen both ways, chat with read receipts in Firefox. One test: Firefox is slow to start.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import {
  cleanup, clickPart, inbound, launchBrowser, onCleanup, openPage, partText, prepareDemo, signInAndWait, startServer, typeInPart,
  until, untilMediaFlows, within,
} from './helpers.ts';

const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
const chatOf = (uid: string) => `#chats jsongle-chat[with="${uid}"]`;

async function launchFirefox(): Promise<Browser> {
  const dir = await mkdtemp(join(tmpdir(), 'jsongle-e2e-firefox-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX, headless: true, protocolTimeout: 60_000, userDataDir: dir, timeout: 60_000,
    extraPrefsFirefox: { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true, 'media.autoplay.default': 0 },
  });
  onCleanup(async () => {
    const proc = browser.process();
    try { await within(browser.close(), 10_000, 'firefox.close'); } catch { proc?.kill('SIGKILL'); }
  });
  return browser;
}

describe('Chromium ↔ Firefox ESR', { timeout: 180_000 }, () => {
  let url: string;
  let chromium: Browser;
  let firefox: Browser;

  before(async () => {
    await prepareDemo();
    const server = await startServer();
    url = `${server.url}/`;
    [chromium, firefox] = await Promise.all([launchBrowser(), launchFirefox()]);
  });
  after(cleanup);

  test('a video call from Chromium answered in Firefox: remote video decoded both ways, mute both ways, chat with read receipts', { timeout: 150_000 }, async (t) => {
    const a = await openPage(chromium, url);
    const page: Page = await firefox.newPage();
    page.setDefaultTimeout(30_000);
    const ffErrors: string[] = [];
    page.on('pageerror', (e) => ffErrors.push(String((e as Error)?.message ?? e)));
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    t.diagnostic(`Firefox: ${await firefox.version()}`);
    await signInAndWait(a.page, 'chromium');
    await signInAndWait(page, 'firefox');

    await typeInPart(a.page, '#dialer', 'input', 'firefox');
    await clickPart(a.page, '#dialer', 'video-call');
    await until(page, 'Firefox rings', () => (document.getElementById('call') as any).shadowRoot.querySelector('[part~="accept"]'), undefined, 30_000);
    await clickPart(page, '#call', 'accept');
    for (const [p, who] of [[a.page, 'Chromium'], [page, 'Firefox']] as const) {
      await until(p, `${who}: active on both sides`, () => (document.getElementById('call') as any).currentCall?.reason === 'is-active-both-side', undefined, 30_000);
      await untilMediaFlows(p, who, 30_000);
    }
    const [fa, fb] = [await inbound(a.page), await inbound(page)];
    t.diagnostic(`frames decoded Chromium/Firefox ${fa.framesDecoded}/${fb.framesDecoded}, audio packets ${fa.audioPackets}/${fb.audioPackets}`);
    // Both listed "renegotiate" in propose/proceed.
    assert.deepEqual(await page.evaluate(() => (document.getElementById('call') as any).currentCall.remoteFeatures), ['renegotiate']);

    // Mute seen both ways.
    await clickPart(a.page, '#call', 'mute-audio');
    await until(page, 'Firefox sees Chromium muted', () => (document.getElementById('call') as any).remoteMuted.audio === true);
    assert.equal(await partText(page, '#call', 'remote-muted'), 'Muted');
    await clickPart(page, '#call', 'mute-video');
    await until(a.page, 'Chromium sees Firefox camera off', () => (document.getElementById('call') as any).remoteMuted.video === true);
    assert.equal(await a.page.evaluate(() => (document.getElementById('call') as any).remoteMuted.video), true);

    // Chat in Firefox, with read receipts both ways.
    await typeInPart(page, chatOf('chromium'), 'input', 'Hello from Firefox');
    await page.keyboard.press('Enter');
    await until(a.page, 'Chromium receives the message', (sel) => (document.querySelector(sel) as any)?.messages.some((m: any) => m.text === 'Hello from Firefox' && !m.own), chatOf('firefox'));
    await until(page, "Firefox sees Chromium's read receipt", (sel) => (document.querySelector(sel) as any)?.messages.some((m: any) => m.text === 'Hello from Firefox' && m.state === 'read'), chatOf('chromium'), 30_000);
    await typeInPart(a.page, chatOf('firefox'), 'input', 'Hello from Chromium');
    await a.page.keyboard.press('Enter');
    await until(page, 'Firefox receives the reply', (sel) => (document.querySelector(sel) as any)?.messages.some((m: any) => m.text === 'Hello from Chromium' && !m.own), chatOf('chromium'));
    await until(a.page, "Chromium sees Firefox's read receipt", (sel) => (document.querySelector(sel) as any)?.messages.some((m: any) => m.own && m.state === 'read'), chatOf('firefox'), 30_000);

    await clickPart(page, '#call', 'hangup');
    await until(a.page, 'Chromium: ended', () => (document.getElementById('call') as any).state === 'ended');
    await until(page, 'Firefox: ended', () => (document.getElementById('call') as any).state === 'ended');
    assert.deepEqual([...a.errors, ...ffErrors], []);
  });
});
