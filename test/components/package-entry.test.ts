// The built package entry (dist/index.js: elements + core, lit as an import, as npm users get it)
// in a page of its own: it defines the four elements, and two connections chat and call through a
// BroadcastChannel with the elements it defined. (The CDN file is driven by the end-to-end tests:
// the demo page loads it.)
import { expect, fixture, html } from '@open-wc/testing';
import { nextEvent, until } from '../media/helpers.ts';

const part = (el: Element, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);

describe('the built package entry (dist/index.js)', () => {
  it('defines the four elements, which chat and call through a BroadcastChannel', async () => {
    const entry = '../../dist/index.js';
    const pkg = await import(/* @vite-ignore */ entry);
    for (const [tag, name] of [['jsongle-connection', 'JsongleConnection'], ['jsongle-call', 'JsongleCall'], ['jsongle-chat', 'JsongleChat'], ['jsongle-dialer', 'JsongleDialer']]) {
      expect(customElements.get(tag), tag).to.equal(pkg[name]);
    }
    expect(pkg.JSONgle).to.be.a('function');
    const channel = `pkg-${crypto.randomUUID()}`;
    const page = await fixture<HTMLDivElement>(html`<div>
      <jsongle-connection transport="broadcast-channel" channel=${channel} user="alice">
        <jsongle-call id="a" to="bob"></jsongle-call><jsongle-chat with="bob"></jsongle-chat>
      </jsongle-connection>
      <jsongle-connection transport="broadcast-channel" channel=${channel} user="bob">
        <jsongle-call id="b" auto-answer></jsongle-call><jsongle-chat with="alice"></jsongle-chat>
      </jsongle-connection>
    </div>`);
    const [aliceChat, bobChat] = page.querySelectorAll<HTMLElement & { send(text: string): string }>('jsongle-chat');
    await until(() => !!(aliceChat as unknown as { client: unknown }).client, 2000, 'the chat found its connection');
    const shown = nextEvent(bobChat, 'jsongle-message');
    aliceChat.send('<b>hello</b>');
    expect((await shown).detail.message.text).to.equal('<b>hello</b>');
    await (bobChat as unknown as { updateComplete: Promise<unknown> }).updateComplete;
    expect(part(bobChat, 'text')!.textContent).to.equal('<b>hello</b>'); // text, never HTML
    const a = page.querySelector<HTMLElement & { call(): void; hangup(): void; state: string }>('#a')!;
    const b = page.querySelector<HTMLElement & { state: string }>('#b')!;
    a.call();
    await until(() => a.state === 'active' && b.state === 'active', 15000, 'both calls active');
    const ended = nextEvent(b, 'jsongle-call-end', 5000);
    a.hangup();
    expect((await ended).detail.reason).to.equal('terminated');
  });
});
