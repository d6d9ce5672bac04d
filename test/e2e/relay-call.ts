// The relay-only call of the TURN tests: two demo pages in Chromium calling with
// iceTransportPolicy 'relay', and what the tests read of them (route, frames, recovery events).
import type { Browser, Page } from 'puppeteer-core';
import type { Coturn } from './coturn.ts';
import { clickPart, inbound, openPage, signInAndWait, typeInPart, until, untilMediaFlows } from './helpers.ts';

export const RECOVERY = 40_000;
/** Relay-only: our end is a relay; the peer's is its relay too, seen first as peer-reflexive when its check beats its candidate. */
export const RELAYED = /^relay\/(relay|prflx)$/;

/** The candidate types of the selected pair of the call element's peer connection. */
export const selectedRoute = (page: Page) => page.evaluate(async () => {
  const pc = (document.getElementById('call') as any).mediaSession.pc as RTCPeerConnection;
  const stats = await pc.getStats();
  let pair: any;
  stats.forEach((s: any) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
  return pair ? `${stats.get(pair.localCandidateId)?.candidateType}/${stats.get(pair.remoteCandidateId)?.candidateType}` : 'none';
});

/** Records in the page every call state change and every `reconnecting` of the media session. */
export const watch = (page: Page) => page.evaluate(() => {
  const el = document.getElementById('call') as any;
  const w = window as any;
  w.states = [];
  w.reconnecting = [];
  w.errors = [];
  el.addEventListener('jsongle-call-change', (e: any) => w.states.push(e.detail.state));
  el.addEventListener('jsongle-error', (e: any) => w.errors.push(`${Date.now()} ${e.detail.error.message}`));
  el.mediaSession.on('reconnecting', (on: boolean) => w.reconnecting.push({ on, at: Date.now() }));
});

/** Two demo pages signed in as `caller` and `callee`, relay-only, in a video call with media flowing both ways. */
export async function relayCall(browser: Browser, url: string, caller: string, callee: string) {
  const a = await openPage(browser, url);
  const b = await openPage(browser, url);
  await signInAndWait(a.page, caller);
  await signInAndWait(b.page, callee);
  for (const { page } of [a, b]) await page.evaluate(() => { (document.getElementById('call') as any).rtcConfiguration = { iceTransportPolicy: 'relay' }; });
  await typeInPart(a.page, '#dialer', 'input', callee);
  await clickPart(a.page, '#dialer', 'video-call');
  await until(b.page, `${callee} rings`, () => (document.getElementById('call') as any).shadowRoot.querySelector('[part~="accept"]'));
  await clickPart(b.page, '#call', 'accept');
  for (const [page, who] of [[a.page, caller], [b.page, callee]] as const) {
    await until(page, `${who}: call active on both sides`, () => (document.getElementById('call') as any).currentCall?.reason === 'is-active-both-side', undefined, 30_000);
    await untilMediaFlows(page, who, 30_000);
  }
  return { a, b };
}

/** Waits until the call element of `page` decodes more than `past` + 5 frames. */
export async function framesAgain(page: Page, who: string, past: number, turn: Coturn) {
  const end = Date.now() + RECOVERY;
  for (;;) {
    const now = (await inbound(page)).framesDecoded;
    if (now > past + 5) return;
    if (Date.now() > end) {
      const seen = await page.evaluate(() => {
        const el = document.getElementById('call') as any;
        const w = window as any;
        return { state: el.state, cause: el.currentCall?.cause, transport: (document.getElementById('connection') as any).client?.transport.state, errors: w.errors, reconnecting: w.reconnecting };
      });
      throw new Error(`${who} decodes frames again: not within ${RECOVERY} ms (${now} frames, ${past} before); the page: ${JSON.stringify(seen)}; coturn: ${turn.log().slice(-600)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

