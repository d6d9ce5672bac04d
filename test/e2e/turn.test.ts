// TURN and ICE recovery for real: Debian's coturn (test/e2e/coturn.ts) with the TURN REST secret,
// the signaling server handing out credentials (iq-get turn-credentials), two demo pages in
// Chromium calling relay-only. coturn is then restarted mid-call: its allocations are gone, the
// media path breaks, and the ICE restart (session-initiate/accept in the same sid, the call active
// throughout) brings decoded frames back. Set JSONGLE_ICE_ROUNDS=10 to measure the median break →
// frames time (each round is logged). test/e2e/turn-outage.test.ts breaks it with the server down.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import { disposeCoturn, startCoturn, type Coturn } from './coturn.ts';
import { cleanup, clickPart, inbound, launchBrowser, onCleanup, partText, prepareDemo, startServer, until } from './helpers.ts';
import { framesAgain, RECOVERY, relayCall, RELAYED, selectedRoute, watch } from './relay-call.ts';

const ROUNDS = Math.max(1, Number(process.env.JSONGLE_ICE_ROUNDS) || 1);

describe('TURN (coturn) and ICE recovery', { timeout: 240_000 }, () => {
  let turn: Coturn;
  let browser: Browser;
  let url: string;

  before(async () => {
    await prepareDemo();
    turn = await startCoturn();
    onCleanup(() => disposeCoturn(turn));
    const server = await startServer({ turnUrls: [turn.url], turnSecret: turn.secret });
    url = `${server.url}/`;
    browser = await launchBrowser();
  });
  after(cleanup);

  test('a relay-only call through coturn with the server\'s credentials; coturn restarted mid-call: the ICE restart brings frames back', { timeout: 200_000 }, async (t) => {
    const { a, b } = await relayCall(browser, url, 'alice', 'bob');
    assert.match(await selectedRoute(a.page), RELAYED);
    assert.match(await selectedRoute(b.page), RELAYED);
    // coturn accepted the server's credentials (username expiry:uid) for both users.
    assert.match(turn.log(), /user <\d+:alice>/);
    assert.match(turn.log(), /user <\d+:bob>/);
    const sid = await a.page.evaluate(() => (document.getElementById('call') as any).currentCall.id);
    await Promise.all([watch(a.page), watch(b.page)]);

    const times: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const frozen = [(await inbound(a.page)).framesDecoded, (await inbound(b.page)).framesDecoded];
      const brokeAt = Date.now();
      await turn.stop(); // every allocation is lost with the process
      await turn.start();
      // Media breaks: the session says it is reconnecting, the element says so in words.
      await until(a.page, `round ${round}: alice reconnecting`, (n) => (window as any).reconnecting.filter((r: any) => r.on).length >= n, round, RECOVERY);
      await until(a.page, `round ${round}: alice's call says Reconnecting…`, () =>
        (document.getElementById('call') as any).shadowRoot.querySelector('[part~="state"]')?.textContent.trim() === 'Reconnecting…' ||
        (window as any).reconnecting.at(-1)?.on === false);
      assert.equal((await a.page.evaluate(() => (window as any).reconnecting.at(-1))).on, true, 'still reconnecting when the text was read');
      const during = [(await inbound(a.page)).framesDecoded, (await inbound(b.page)).framesDecoded];
      // Frames decoded again on both sides, past what they were when the path broke.
      await framesAgain(a.page, `round ${round}: alice`, Math.max(frozen[0], during[0]), turn);
      await framesAgain(b.page, `round ${round}: bob`, Math.max(frozen[1], during[1]), turn);
      const ms = Date.now() - brokeAt;
      times.push(ms);
      const marks = await a.page.evaluate(() => (window as any).reconnecting.slice(-2).map((r: any) => `${r.on ? 'reconnecting' : 'connected'} +${r.at}`));
      t.diagnostic(`round ${round}: TURN restarted → frames decoded again on both sides after ${ms} ms (alice: ${marks.map((m: string) => m.replace(/\+(\d+)/, (_, at) => `+${Number(at) - brokeAt} ms`)).join(', ')})`);
      await until(a.page, `round ${round}: alice no longer reconnecting`, () => (window as any).reconnecting.at(-1)?.on === false, undefined, RECOVERY);
      assert.match(await partText(a.page, '#call', 'state') ?? '', /^\d+:\d\d/); // the call's clock again
    }
    const sorted = [...times].sort((x, y) => x - y);
    t.diagnostic(`break → frames again over ${times.length} round(s): median ${sorted[Math.floor((sorted.length - 1) / 2)]} ms, all ${JSON.stringify(times)}`);

    // The same call throughout: same sid, never left `active`, still relayed.
    for (const { page } of [a, b]) {
      assert.deepEqual(await page.evaluate(() => (window as any).states), []);
      assert.equal(await page.evaluate(() => (document.getElementById('call') as any).currentCall.id), sid);
    }
    assert.match(await selectedRoute(a.page), RELAYED);
    const restarts = await Promise.all([a, b].map(({ page }) => page.evaluate(() => (document.getElementById('call') as any).currentCall.restarts as number)));
    assert.ok(restarts[0] + restarts[1] >= ROUNDS, `ICE restarts made: ${restarts}`);

    await clickPart(a.page, '#call', 'hangup');
    await until(a.page, 'alice ticket', () => (document.getElementById('call') as any).ticket?.state === 'ended');
    assert.equal(await a.page.evaluate(() => (document.getElementById('call') as any).ticket.restarts), restarts[0]);
  });
});
