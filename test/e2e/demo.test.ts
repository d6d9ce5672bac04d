// The demo page (demo/index.html) in Chromium against the real signaling server: two visitors find
// each other in the lobby, call with video, mute, chat, hang up; an offline user is unreachable; a
// user signed in twice rings twice; a refused camera is explained. Fake camera and microphone.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import type { JsongleServer } from '../../server/index.ts';
import {
  cleanup, clickPart, closePages, inbound, launchBrowser, openPage, prepareDemo, parseMetrics, partText, signIn,
  signInAndWait, startServer, typeInPart, until, untilMediaFlows, WAIT,
} from './helpers.ts';

const chatOf = (uid: string) => `#chats jsongle-chat[with="${uid}"]`;
const callState = (page: Page) => page.evaluate(() => {
  const el = document.getElementById('call') as any;
  return { state: el.state as string, reason: (el.currentCall?.reason ?? '') as string };
});
const bothSides = (page: Page, who: string) =>
  until(page, `${who}: call active on both sides`, () => (document.getElementById('call') as any).currentCall?.reason === 'is-active-both-side');
const online = (page: Page, who: string, uid: string) =>
  until(page, `${who} sees ${uid} online`, (uid) => [...document.querySelectorAll<HTMLElement>('#people li')].some((li) => li.dataset.uid === uid), uid);
const history = (page: Page) => page.evaluate(() => (document.getElementById('dialer') as any).history as { peer: string; outcome: string; media: string; direction: string }[]);

/** Records, in the page, when the call first became active on both sides (Date.now()). */
const markActive = (page: Page) => page.evaluate(() => {
  document.getElementById('call')!.addEventListener('jsongle-call-change', (e: any) => {
    if (e.detail.state === 'active' && e.detail.reason === 'is-active-both-side') (window as any).activeAt ??= Date.now();
    if (e.detail.state === 'proceeded') (window as any).proceededAt ??= Date.now();
  });
  document.getElementById('dialer')!.addEventListener('jsongle-dial', () => { (window as any).dialAt = Date.now(); });
});

describe('demo page with the signaling server', { timeout: 180_000 }, () => {
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

  test('two visitors: lobby, video call by name, mute, chat with receipts and typing, hang-up, recent calls, /metrics', { timeout: 60_000 }, async (t) => {
    const a = await openPage(browser, url);
    const b = await openPage(browser, url);
    await signInAndWait(a.page, 'alice');
    await signInAndWait(b.page, 'bob');
    assert.equal((await a.page.$eval('#state', (el) => el.textContent)), 'Connected');
    await online(a.page, 'alice', 'bob');
    await online(b.page, 'bob', 'alice');
    await Promise.all([markActive(a.page), markActive(b.page)]);

    // A calls B by name, with video, from the dialer.
    await typeInPart(a.page, '#dialer', 'input', 'bob');
    await clickPart(a.page, '#dialer', 'video-call');
    await until(b.page, 'bob rings', () => {
      const el = document.getElementById('call') as any;
      return el.state === 'ringing' && el.shadowRoot.querySelector('[part~="accept"]');
    });
    assert.equal(await partText(b.page, '#call', 'state'), 'Incoming video call');
    assert.equal(await partText(b.page, '#call', 'alert-region'), 'alice is calling you (video)');
    await clickPart(b.page, '#call', 'accept');
    await bothSides(a.page, 'alice');
    await bothSides(b.page, 'bob');
    const dialAt = await a.page.evaluate(() => (window as any).dialAt as number);
    const activeAt = Math.max(await a.page.evaluate(() => (window as any).activeAt), await b.page.evaluate(() => (window as any).activeAt));
    const answeredAt = await b.page.evaluate(() => (window as any).proceededAt as number);

    // Media flows both ways: video frames decoded, audio packets received.
    for (const [page, who] of [[a.page, 'alice'], [b.page, 'bob']] as const) {
      await untilMediaFlows(page, who);
    }
    const flowingAt = Date.now();
    const [statsA, statsB] = [await inbound(a.page), await inbound(b.page)];
    t.diagnostic(`dial → active on both sides: ${activeAt - dialAt} ms (answer → active: ${activeAt - answeredAt} ms); frames decoded alice/bob ${statsA.framesDecoded}/${statsB.framesDecoded}, audio packets ${statsA.audioPackets}/${statsB.audioPackets} (${flowingAt - activeAt} ms after active)`);
    assert.equal(await partText(a.page, '#call', 'name'), 'bob');
    // The built bundle's icons keep their shapes (a minifier that dropped the self-closing slash
    // nested the microphone's <path> inside its <rect>, which draws nothing).
    const icons = await a.page.evaluate(() => [...(document.getElementById('call') as any).shadowRoot.querySelectorAll('svg.icon')]
      .map((svg: SVGElement) => ({ shapes: svg.querySelectorAll(':scope > :is(path, rect, circle)').length, nested: svg.querySelectorAll(':is(path, rect, circle) *').length })));
    assert.ok(icons.length >= 4, `the active call's buttons have icons (${icons.length})`);
    assert.deepEqual(icons.filter((i) => i.shapes === 0 || i.nested > 0), [], 'every icon draws its shapes side by side');
    const mic = await a.page.evaluate(() => (document.getElementById('call') as any).shadowRoot.querySelector('[part~="mute-audio"] svg').children.length);
    assert.equal(mic, 2, "the microphone's body and its stand");

    // The page's microphone picker moves the call to another microphone, and audio still flows.
    const mics = await a.page.$$eval('#microphone option', (options) => options.map((o) => (o as HTMLOptionElement).value));
    assert.ok(mics.length > 1, `the picker lists the fake microphones (${mics.length})`);
    const other = mics.at(-1)!;
    await a.page.select('#microphone', other);
    await until(a.page, 'alice on the other microphone', (id) => (document.getElementById('call') as any).mediaSession.pc.getSenders()
      .some((s: RTCRtpSender) => s.track?.kind === 'audio' && s.track.getSettings().deviceId === id), other);
    const packets = (await inbound(b.page)).audioPackets;
    for (const deadline = Date.now() + WAIT; (await inbound(b.page)).audioPackets <= packets + 10;) {
      assert.ok(Date.now() < deadline, 'bob still hears alice after the switch');
      await new Promise((r) => setTimeout(r, 100));
    }

    // A mutes the microphone; B is told.
    await clickPart(a.page, '#call', 'mute-audio');
    await until(b.page, 'bob sees alice muted', () => (document.getElementById('call') as any).remoteMuted.audio === true);
    assert.equal(await partText(b.page, '#call', 'remote-muted'), 'Muted');
    assert.equal(await partText(b.page, '#call', 'live-region'), 'alice muted their microphone');
    assert.equal(await a.page.$eval('#call', (el) => el.matches(':state(audio-muted)')), true);

    // Chat beside the call, both ways: typing, delivery, read receipt.
    assert.equal(await a.page.$eval(chatOf('bob'), (el) => !(el as HTMLElement).hidden), true, 'the chat with the callee is shown');
    await typeInPart(a.page, chatOf('bob'), 'input', 'Hello Bob');
    await until(b.page, 'bob sees alice typing', (sel) => document.querySelector(sel)?.shadowRoot?.querySelector('[part~="typing"]')?.textContent?.includes('alice is typing'), chatOf('alice'));
    await a.page.keyboard.press('Enter');
    await until(b.page, 'bob receives the message', (sel) => (document.querySelector(sel) as any)?.messages.some((m: any) => m.text === 'Hello Bob' && !m.own), chatOf('alice'));
    await until(a.page, "alice sees bob's read receipt", (sel) => (document.querySelector(sel) as any)?.messages.some((m: any) => m.text === 'Hello Bob' && m.state === 'read'), chatOf('bob'));
    assert.equal(await a.page.$eval(`${chatOf('bob')} >>> [part~="status"][data-state]`, (el) => el.textContent), 'Read');

    await typeInPart(b.page, chatOf('alice'), 'input', 'Hi Alice <img src=x onerror="window.pwned=1">');
    await b.page.keyboard.press('Enter');
    await until(a.page, 'alice receives the reply', (sel) => (document.querySelector(sel) as any)?.messages.some((m: any) => m.text.startsWith('Hi Alice') && !m.own), chatOf('bob'));
    const shown = await a.page.$eval(chatOf('bob'), (el) => {
      const texts = [...el.shadowRoot!.querySelectorAll('[part~="text"]')].map((p) => p.textContent);
      return { texts, img: !!el.shadowRoot!.querySelector('[part~="text"] img'), pwned: typeof (window as any).pwned };
    });
    assert.deepEqual(shown, { texts: ['Hello Bob', 'Hi Alice <img src=x onerror="window.pwned=1">'], img: false, pwned: 'undefined' }, 'network text stays text');
    await until(b.page, "bob sees alice's read receipt", (sel) => (document.querySelector(sel) as any)?.messages.some((m: any) => m.own && m.state === 'read'), chatOf('alice'));

    // B hangs up: both ended, both have a recent call and a call line in the chat.
    await clickPart(b.page, '#call', 'hangup');
    for (const [page, who, peer] of [[a.page, 'alice', 'bob'], [b.page, 'bob', 'alice']] as const) {
      await until(page, `${who}: ended`, () => (document.getElementById('call') as any).state === 'ended');
      assert.deepEqual(await callState(page), { state: 'ended', reason: 'terminated' });
      assert.equal(await partText(page, '#call', 'state'), 'Call ended');
      await until(page, `${who}: a recent call`, () => (document.getElementById('dialer') as any).history.length > 0);
      const [entry] = await history(page);
      assert.equal(entry.peer, peer);
      assert.equal(entry.outcome, 'answered');
      assert.equal(entry.media, 'video');
      assert.equal(entry.direction, who === 'alice' ? 'outgoing' : 'incoming');
      assert.match(await page.$eval('#dialer >>> [part~="history-entry"]', (el) => el.textContent ?? ''), new RegExp(peer));
      await until(page, `${who}: the call in the chat`, (sel) => document.querySelector(sel)?.shadowRoot?.querySelector('[part~="system-call"]'), chatOf(peer));
    }

    // The server relayed all of it.
    const metrics = parseMetrics(await (await fetch(`${server.url}/metrics`)).text());
    const relayed = (action: string) => metrics.get(`jsongle_messages_relayed_total{action="${action}"}`) ?? 0;
    t.diagnostic(`relayed: ${['session-propose', 'session-proceed', 'session-initiate', 'session-accept', 'transport-info', 'session-info', 'session-text', 'session-event', 'session-terminate'].map((x) => `${x} ${relayed(x)}`).join(', ')}`);
    for (const action of ['session-propose', 'session-proceed', 'session-initiate', 'session-accept', 'session-terminate']) assert.ok(relayed(action) >= 1, `${action} relayed`);
    assert.ok(relayed('transport-info') >= 2, 'candidates relayed');
    assert.ok(relayed('session-info') >= 2, 'ringing, active and mute relayed');
    assert.ok(relayed('session-text') >= 2, 'both messages relayed');
    assert.ok(relayed('session-event') >= 4, 'joined, typing and receipts relayed');
    assert.deepEqual([...a.errors, ...b.errors], []);
  });

  test('calling a user who is offline: unreachable; names typed by others are shown as text', { timeout: 60_000 }, async () => {
    const c = await openPage(browser, url);
    // The name is checked before anything is sent.
    await signIn(c.page, 'carol smith');
    assert.equal(await c.page.$eval('#name-error', (el) => el.textContent), 'A name cannot contain spaces.');
    assert.equal(await c.page.$eval('#connection', (el) => (el as HTMLElement).hidden), true);
    // (The input's maxlength stops typing at 64; the script checks anyway.)
    await c.page.$eval('#name', (input) => { (input as HTMLInputElement).value = 'x'.repeat(65); });
    await c.page.locator('#sign-in button[type="submit"]').click();
    assert.equal(await c.page.$eval('#name-error', (el) => el.textContent), 'A name has at most 64 characters.');
    await signInAndWait(c.page, 'carol');

    await typeInPart(c.page, '#dialer', 'input', 'nobody-home');
    await clickPart(c.page, '#dialer', 'audio-call');
    await until(c.page, 'carol: the call ends', () => (document.getElementById('call') as any).state === 'ended');
    assert.deepEqual(await callState(c.page), { state: 'ended', reason: 'unreachable' });
    assert.equal(await partText(c.page, '#call', 'state'), 'nobody-home cannot be reached');
    await until(c.page, 'carol: a recent call', () => (document.getElementById('dialer') as any).history.length > 0);
    assert.equal((await history(c.page))[0].outcome, 'unreachable');

    // Someone picks a name that looks like markup: it is listed as text.
    const m = await openPage(browser, url);
    await signInAndWait(m.page, '<b>eve<b>');
    await online(c.page, 'carol', '<b>eve<b>');
    assert.deepEqual(await c.page.$eval('#people', (ul) => ({ text: ul.querySelector('.person')?.textContent, markup: !!ul.querySelector('b') })),
      { text: '<b>eve<b>', markup: false });
    await m.page.close();
    await until(c.page, 'carol sees eve leave', () => document.querySelectorAll('#people li').length === 0);
  });

  test('a user signed in on two pages rings on both; answering on one stops the other', { timeout: 60_000 }, async () => {
    const d1 = await openPage(browser, url);
    const d2 = await openPage(browser, url);
    const e = await openPage(browser, url);
    await signInAndWait(d1.page, 'dave');
    // The second page is told the name is online already, and the visitor says it is them.
    await signIn(d2.page, 'dave');
    await until(d2.page, 'dave (2) is told the name is taken', () => !document.getElementById('name-taken')!.hidden);
    assert.equal(await d2.page.$eval('#name-error', (el) => el.textContent), '“dave” is already online. Pick another name.');
    await d2.page.locator('#name-shared').click();
    await until(d2.page, 'dave (2) registered', () => (document.getElementById('connection') as any)?.client?.registered);
    await signInAndWait(e.page, 'erin');
    await online(e.page, 'erin', 'dave');
    assert.equal(await e.page.$$eval('#people li', (lis) => lis.length), 1, 'dave is listed once');

    // Erin calls from the list of who is online.
    await e.page.locator('#people li[data-uid="dave"] button.audio').click();
    for (const [page, who] of [[d1.page, 'dave (1)'], [d2.page, 'dave (2)']] as const) {
      await until(page, `${who} rings`, () => (document.getElementById('call') as any).matches(':state(incoming)'));
    }
    await clickPart(d2.page, '#call', 'accept');
    await until(d1.page, 'dave (1) stops ringing', () => (document.getElementById('call') as any).state === 'ended');
    assert.deepEqual(await callState(d1.page), { state: 'ended', reason: 'retracted' });
    assert.equal(await d1.page.evaluate(() => (document.getElementById('call') as any).ticket?.endedReason), 'answered-elsewhere');
    assert.equal(await d1.page.evaluate(() => (document.getElementById('call') as any).shadowRoot.querySelector('[part~="state"]')?.textContent?.trim()), 'Answered on another device');
    await until(d1.page, 'dave (1) is told', () => document.getElementById('notice-text')?.textContent?.includes('answered in another tab'));
    await bothSides(d2.page, 'dave (2)');
    await bothSides(e.page, 'erin');
    await until(e.page, 'erin receives audio', async () => {
      const pc = (document.getElementById('call') as any).mediaSession?.pc as RTCPeerConnection;
      let packets = 0;
      (await pc.getStats()).forEach((s: any) => { if (s.type === 'inbound-rtp' && s.kind === 'audio') packets += s.packetsReceived ?? 0; });
      return packets > 0;
    });
    assert.equal(await callState(d1.page).then((s) => s.state), 'ended', 'the other page stays out of the call');

    await clickPart(e.page, '#call', 'hangup');
    await until(d2.page, 'dave (2): ended', () => (document.getElementById('call') as any).state === 'ended');
    await until(e.page, 'erin: ended', () => (document.getElementById('call') as any).state === 'ended');
  });

  test('a refused camera is explained', { timeout: 60_000 }, async () => {
    // This page's browser refuses the camera (as when the visitor clicks "Block").
    const f = await openPage(browser, url, {
      beforeLoad: (page) => page.evaluateOnNewDocument(() => {
        const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
        navigator.mediaDevices.getUserMedia = (constraints) => constraints?.video
          ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError'))
          : original(constraints);
      }),
    });
    const g = await openPage(browser, url);
    await signInAndWait(f.page, 'frank');
    await signInAndWait(g.page, 'grace');
    await online(f.page, 'frank', 'grace');
    await f.page.locator('#people li[data-uid="grace"] button.video').click();
    await until(f.page, 'frank is told', () => !document.getElementById('notice')!.hidden);
    assert.match(await f.page.$eval('#notice-text', (el) => el.textContent ?? ''), /^Access to the camera was refused\. Allow it for this site/);
    assert.equal(await partText(f.page, '#call', 'error'), 'Access to the camera was refused.');
    // The devices are opened before anyone is rung: nothing was proposed, nobody has a missed call.
    assert.equal(await f.page.evaluate(() => (document.getElementById('call') as any).state), 'idle');
    await new Promise((r) => setTimeout(r, 300)); // time for a wrong propose to arrive
    assert.equal(await g.page.evaluate(() => (document.getElementById('call') as any).state), 'idle', 'grace never rang');
  });
});
