// A signaling outage during a relay-only call (test/e2e/turn.test.ts has the set-up): the server is
// stopped and coturn restarted while it is away, so the media path breaks with no way to signal an
// ICE restart. The media session waits for the server, which comes back on the same port; the
// restart then brings frames back in the same call, and a message sent meanwhile goes out.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import type { JsongleServer } from '../../server/index.ts';
import { disposeCoturn, startCoturn, type Coturn } from './coturn.ts';
import { cleanup, clickPart, inbound, launchBrowser, onCleanup, prepareDemo, startServer, until } from './helpers.ts';
import { framesAgain, RECOVERY, relayCall, RELAYED, selectedRoute, watch } from './relay-call.ts';

describe('TURN (coturn) and ICE recovery with the signaling down', { timeout: 240_000 }, () => {
  let turn: Coturn;
  let browser: Browser;
  let url: string;
  let server: JsongleServer;

  before(async () => {
    await prepareDemo();
    turn = await startCoturn();
    onCleanup(() => disposeCoturn(turn));
    server = await startServer({ turnUrls: [turn.url], turnSecret: turn.secret });
    url = `${server.url}/`;
    browser = await launchBrowser();
  });
  after(cleanup);

  test('signaling server stopped and coturn restarted while it is away: the ICE restart waits for the server, then frames come back; a message queued meanwhile goes out', { timeout: 150_000 }, async (t) => {
    const { a, b } = await relayCall(browser, url, 'alice', 'bob');
    const sid = await a.page.evaluate(() => (document.getElementById('call') as any).currentCall.id);
    await Promise.all([watch(a.page), watch(b.page)]);
    const restarts = [0, 0];
    await a.page.evaluate(() => {
      // What the server says of the message sent during the outage: stored or relayed
      // (server-received), or refused by name (404003). Either way it went out after reconnect.
      const w = window as any;
      w.outcome = [];
      const client = (document.getElementById('connection') as any).client;
      client.on('event', (e: any) => { if (e.event === 'ack' && e.description.mid === w.sentId) w.outcome.push(e.description.type); });
      client.on('error', (e: any) => { if (e.detail.errorCode === 404003) w.outcome.push('404003'); });
    });
    const port = server.port;
    const downAt = Date.now();
    await server.close();
    await until(a.page, 'alice sees the signaling down', () => (document.getElementById('connection') as any).client.transport.state !== 'open');
    await turn.stop();
    await turn.start();
    const seen = await Promise.all([a, b].map(({ page }) => page.evaluate(() => (window as any).reconnecting.length)));
    await until(a.page, 'alice reconnecting (media)', (n) => (window as any).reconnecting.length > n && (window as any).reconnecting.at(-1).on, seen[0], RECOVERY);
    await until(b.page, 'bob reconnecting (media)', (n) => (window as any).reconnecting.length > n && (window as any).reconnecting.at(-1).on, seen[1], RECOVERY);
    const during = [(await inbound(a.page)).framesDecoded, (await inbound(b.page)).framesDecoded];
    await a.page.evaluate(() => { (window as any).sentId = (document.getElementById('connection') as any).client.send('bob', 'sent while the server was down'); });
    // No restart offer can go out while the server is away: none is counted.
    assert.equal(await a.page.evaluate(() => (document.getElementById('call') as any).currentCall.restarts), restarts[0]);
    const downFor = Date.now() - downAt;
    server = await startServer({ port, turnUrls: [turn.url], turnSecret: turn.secret });
    const upAt = Date.now();
    await framesAgain(a.page, 'alice', during[0], turn);
    await framesAgain(b.page, 'bob', during[1], turn);
    t.diagnostic(`signaling down ${downFor} ms; server back → frames decoded again on both sides after ${Date.now() - upAt} ms`);
    await until(a.page, 'the message queued during the outage went out to the new server', () => (window as any).outcome.length > 0, undefined, 30_000);
    t.diagnostic(`the message queued during the outage: ${await a.page.evaluate(() => (window as any).outcome.join(', '))}`);
    for (const { page } of [a, b]) {
      assert.deepEqual(await page.evaluate(() => (window as any).states), []);
      assert.equal(await page.evaluate(() => (document.getElementById('call') as any).currentCall.id), sid);
    }
    const after = await Promise.all([a, b].map(({ page }) => page.evaluate(() => (document.getElementById('call') as any).currentCall.restarts as number)));
    assert.ok(after[0] + after[1] > restarts[0] + restarts[1], `ICE restarts after the server came back: ${after}`);
    assert.match(await selectedRoute(a.page), RELAYED);
    await clickPart(a.page, '#call', 'hangup');
    await until(a.page, 'alice ticket', () => (document.getElementById('call') as any).ticket?.state === 'ended');
    assert.equal(await a.page.evaluate(() => (document.getElementById('call') as any).ticket.restarts), after[0]);
  });
});
