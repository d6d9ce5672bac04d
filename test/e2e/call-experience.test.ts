// A call in the demo as a person sees it, in Chromium against the real server: a screenshot of each
// state at 1280 × 800 and 390 × 844 (in the folder printed), axe-core with zero violations in each,
// and the call placed, answered, muted, chatted beside and ended with the keyboard alone, focus
// never left on <body>. Two pages are reused across the states.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import type { JsongleServer } from '../../server/index.ts';
import { cleanup, launchBrowser, openPage, prepareDemo, signInAndWait, startServer, until, untilMediaFlows } from './helpers.ts';
import { axe, callOf, focused, part, SHOTS, shoot, tabTo } from './look.ts';

describe('a call in the demo', { timeout: 150_000 }, () => {
  let server: JsongleServer;
  let browser: Browser;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await prepareDemo();
    server = await startServer();
    browser = await launchBrowser();
  });
  after(cleanup);

  test('every call state: screenshots, axe, and a call placed, answered, muted and ended with the keyboard alone', { timeout: 120_000 }, async (t) => {
    t.diagnostic(`screenshots: ${SHOTS}`);
    const url = `${server.url}/`;
    const a = await openPage(browser, url);
    const b = await openPage(browser, url);
    const long = 'bartholomew-featherstonehaugh'; // 29 characters
    await signInAndWait(b.page, long);
    await signInAndWait(a.page, 'alice');
    await until(a.page, `alice sees ${long}`, (uid) => !!document.querySelector(`#people li[data-uid="${uid}"]`), long);
    // Alice places a video call with the keyboard alone, from the list (just above the dialer).
    const tabsToVideo = await tabTo(a.page, 'button.video', { back: true });
    await a.page.keyboard.press('Enter');
    await until(b.page, 'bob rings', () => (document.getElementById('call') as any).matches(':state(incoming)'));
    assert.equal(await focused(a.page), 'button.video', 'after placing the call, focus stays on its button');
    assert.equal(await part(b.page, '#call', 'name'), 'alice');
    assert.equal(await part(b.page, '#call', 'state'), 'Incoming video call');
    assert.equal(await b.page.$eval('#call >>> [part~="alert-region"]', (el) => el.textContent), 'alice is calling you (video)');
    // The ringtone plays (Web Audio) on the callee's side, the ringback on the caller's.
    await until(b.page, 'the ringtone', () => (document.getElementById('call') as any).ringtonePlaying === 'ringtone');
    await until(a.page, 'the ringback', () => (document.getElementById('call') as any).ringtonePlaying === 'ringback');
    assert.equal(await focused(b.page), 'button[accept]', 'focus moved to Accept');
    await axe(b.page, 'incoming');
    await shoot(b.page, '04-incoming');
    await axe(a.page, 'calling');
    await shoot(a.page, '05-calling');

    // Bob answers with Enter: focus goes to Hang up.
    await b.page.keyboard.press('Enter');
    for (const page of [a.page, b.page]) await until(page, 'active on both sides', () => (document.getElementById('call') as any).currentCall?.reason === 'is-active-both-side');
    await untilMediaFlows(a.page, 'alice');
    await untilMediaFlows(b.page, 'bob');
    await until(b.page, 'focus on Hang up', () => {
      const el = document.getElementById('call')!;
      return el.shadowRoot!.activeElement?.getAttribute('part') === 'hangup';
    });
    assert.equal(await b.page.evaluate(() => (document.getElementById('call') as any).ringtonePlaying), null, 'the ringtone stopped');
    assert.equal(await a.page.evaluate(() => !document.getElementById('devices')!.hidden), true, 'device pickers during the call');
    await axe(a.page, 'in call');
    await shoot(a.page, '06-in-call');
    // The dark theme, for a visitor who prefers it: the demo allows it (color-scheme), the elements follow.
    await a.page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    assert.equal(await a.page.$eval('#call >>> [part~="base"]', (el) => getComputedStyle(el).backgroundColor), 'rgb(22, 27, 34)', 'the dark card');
    // The chat and the dialer beside it follow, as one theme (their own defaults, no page CSS).
    for (const [el, part] of [['#chats jsongle-chat:not([hidden])', 'base'], ['#dialer', 'base'], ['#chats jsongle-chat:not([hidden])', 'input']]) {
      const dark = part === 'input' ? 'rgb(13, 17, 23)' : 'rgb(22, 27, 34)';
      assert.equal(await a.page.$eval(`${el} >>> [part~="${part}"]`, (e) => getComputedStyle(e).backgroundColor), dark, `${el} ${part} dark`);
    }
    await axe(a.page, 'in call, dark');
    await (await a.page.$('#call'))!.screenshot({ path: `${SHOTS}/06-in-call-dark.png` });
    await shoot(a.page, '06-in-call-dark-page');
    await a.page.emulateMediaFeatures([]);

    // Bob mutes with Space (from Hang up back to the microphone).
    const tabsToMute = await tabTo(b.page, 'button[mute-audio]', { back: true });
    assert.equal(await b.page.$eval('#call >>> [part~="mute-audio"]', (el) => el.getAttribute('aria-label')), 'Microphone on');
    await b.page.keyboard.press(' ');
    await until(b.page, 'bob muted', () => (document.getElementById('call') as any).localMuted.audio);
    assert.deepEqual(await b.page.$eval('#call >>> [part~="mute-audio"]', (el) => [el.getAttribute('aria-pressed'), el.getAttribute('aria-label')]), ['true', 'Microphone off']);
    assert.equal(await focused(b.page), 'button[mute-audio]');
    // Bob turns his camera off: alice sees his avatar with the badges, not a black box.
    await b.page.evaluate(() => (document.getElementById('call') as any).toggleVideo());
    await until(a.page, 'alice sees bob muted', () => {
      const el = document.getElementById('call') as any;
      return el.remoteMuted.audio && el.remoteMuted.video;
    });
    assert.deepEqual(await a.page.$$eval('#call >>> [part~="remote-muted"]', (els) => els.map((el) => el.textContent!.trim())), ['Muted', 'Camera off']);
    assert.equal(await a.page.$eval('#call >>> [part~="remote-video"]', (el) => (el as HTMLElement).hidden), true);
    assert.ok(await a.page.$('#call >>> [part~="placeholder"] [part~="avatar"]'), 'the avatar stands in for the video');
    await axe(a.page, 'remote camera off');
    await shoot(a.page, '07-remote-camera-off');
    await b.page.evaluate(() => (document.getElementById('call') as any).toggleVideo());

    // Alice sends a chat message with the keyboard alone.
    const tabsToComposer = await tabTo(a.page, 'textarea[input]');
    await a.page.keyboard.type('Can you hear me? This is a long message to see how the bubbles wrap at phone width.');
    await a.page.keyboard.press('Enter');
    assert.equal(await focused(a.page), 'textarea[input]');
    await until(b.page, 'bob receives it', () => (document.querySelector('#chats jsongle-chat:not([hidden])') as any)?.messages.length > 0);
    await b.page.evaluate(() => (document.querySelector('#chats jsongle-chat:not([hidden])') as any).send('Loud and clear 👍'));
    await until(a.page, 'alice receives the reply', () => (document.querySelector('#chats jsongle-chat:not([hidden])') as any)?.messages.length > 1);
    await axe(a.page, 'chat with messages');
    await shoot(a.page, '08-chat');

    // Alice hangs up with the keyboard: focus goes to the element's main action (Call again).
    const tabsToHangup = await tabTo(a.page, 'button[hangup]', { back: true });
    await a.page.keyboard.press('Enter');
    for (const page of [a.page, b.page]) await until(page, 'ended', () => (document.getElementById('call') as any).state === 'ended');
    assert.deepEqual(await callOf(a.page), { state: 'ended', reason: 'terminated' });
    await until(a.page, 'focus on Call again', () => document.getElementById('call')!.shadowRoot!.activeElement?.getAttribute('part') === 'call-again');
    assert.equal(await a.page.evaluate(() => document.getElementById('devices')!.hidden), true, 'no device pickers after the call');
    await until(a.page, 'the call line in the chat', () => !!document.querySelector('#chats jsongle-chat:not([hidden])')?.shadowRoot?.querySelector('[part~="system-call"]'));
    await axe(a.page, 'ended');
    await shoot(a.page, '09-ended');
    t.diagnostic(`Tabs: ${tabsToVideo} Shift+Tab from the dialer to Video call, 0 to Accept and then to Hang up, ${tabsToMute} Shift+Tab from Hang up to the microphone, ${tabsToComposer} from the list to the composer, ${tabsToHangup} Shift+Tab from the composer to Hang up`);
    assert.deepEqual([...a.errors, ...b.errors], []);
  });
});

