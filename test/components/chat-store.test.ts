// <jsongle-chat> with the real server's message store: a reload shows the conversation as it was,
// a message nobody could receive shows "Not sent" with Retry, and a missed call shows after a return.
import { expect, fixture, html } from '@open-wc/testing';
import '../../components/index.ts';
import type { JsongleChat } from '../../components/chat/chat.ts';
import type { JSONgle } from '../../src/client.ts';
import { nextClientEvent, nextEvent, until } from '../media/helpers.ts';
import { startServer, type TestServer } from './server.ts';

const part = (el: HTMLElement, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
const parts = (el: HTMLElement, name: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];
const bubble = (el: HTMLElement, body: string) => parts(el, 'message').find((m) => m.querySelector('[part="text"]')!.textContent === body) ?? null;
const shown = (el: HTMLElement, body: string, ms = 10_000) => until(() => bubble(el, body), ms, `"${body}" shown in <${el.id}>`);
const registered = (...clients: JSONgle[]) => until(() => clients.every((c) => c.registered), 10_000, 'clients registered');
/** What a person sees of each message: text, whose, delivery state, read. */
const view = (el: JsongleChat) => el.messages.map((m) => `${m.own ? 'me' : m.from}: ${m.text} [${m.state ?? (m.read ? 'read' : 'unread')}]`);

let server: TestServer;
beforeEach(async () => { server = await startServer(); });
afterEach(async () => { await server.close(); });

async function chat(client: JSONgle, attrs: { with?: string; room?: string }, id: string) {
  const el = await fixture<JsongleChat>(html`<jsongle-chat id=${id} with=${attrs.with ?? ''} room=${attrs.room ?? ''} .client=${client}
    style="--jsongle-chat-log-max-height: 160px"></jsongle-chat>`);
  return el;
}

describe('<jsongle-chat> with the message store', () => {
  it('a reload mid-conversation shows the same messages with the same delivery states', async () => {
    const alice = server.connect('alice', 'Alice');
    const bob = server.connect('bob', 'Bob');
    await registered(alice, bob);
    const a = await chat(alice, { with: 'bob' }, 'a');
    const b = await chat(bob, { with: 'alice' }, 'b');
    a.send('one');
    await shown(b, 'one');
    b.send('two');
    await shown(a, 'two');
    a.send('three');
    await shown(b, 'three');
    // Read on screen at b: alice sees "Read"; "two" read by alice (visible in her log).
    await until(() => a.messages.find((m) => m.text === 'three')?.state === 'read', 10_000, 'three read');
    await until(() => b.messages.find((m) => m.text === 'two')?.state === 'read', 10_000, 'two read');
    const before = view(a);
    expect(before).to.deep.equal(['me: one [read]', 'bob: two [read]', 'me: three [read]']);

    // The page reloads: a new client, a new element, nothing kept in the page.
    a.remove();
    alice.close();
    const again = server.connect('alice', 'Alice');
    await registered(again);
    const reloaded = await chat(again, { with: 'bob' }, 'a2');
    await until(() => reloaded.messages.length === 3, 10_000, 'history loaded');
    expect(view(reloaded)).to.deep.equal(before);
    await reloaded.updateComplete;
    expect(parts(reloaded, 'status').map((s) => s.textContent)).to.deep.equal(['Read', 'Read']);
  });

  it('a message nobody can receive shows "Not sent" with Retry; Retry once they are back delivers it once', async () => {
    const alice = server.connect('alice', 'Alice');
    const bob = server.connect('bob', 'Bob');
    await registered(alice, bob);
    const a = await chat(alice, { room: 'pair' }, 'a');
    let b = await chat(bob, { room: 'pair' }, 'b');
    await until(() => a.matches(':state(joined)') && b.matches(':state(joined)'), 10_000, 'both in the room');
    b.remove(); // bob leaves the room
    await until(() => a.members.length === 0, 10_000, 'bob left');

    const failed = nextEvent(a, 'jsongle-message-failed', 10_000);
    const id = a.send('are you there?')!;
    const { message, error } = (await failed).detail;
    expect(message).to.include({ id, text: 'are you there?', state: 'failed' });
    expect(error.detail.errorCode).to.equal(404003);
    await a.updateComplete;
    const row = bubble(a, 'are you there?')!;
    expect(row.querySelector('[part~="status"]')!.textContent).to.equal('Not sent');
    const retry = row.querySelector<HTMLButtonElement>('[part~="retry"]')!;
    expect(retry.textContent).to.equal('Retry');
    // No protocol text anywhere in the element.
    expect(a.shadowRoot!.textContent).not.to.match(/404003|jsongle answered|session-error/);
    expect(part(a, 'error')).to.equal(null);

    const got: string[] = [];
    bob.on('messagereceived', (j) => got.push(j.description.content));
    b = await chat(bob, { room: 'pair' }, 'b2');
    await until(() => b.matches(':state(joined)') && a.members.length === 1, 10_000, 'bob back');
    retry.click();
    await shown(b, 'are you there?');
    await until(() => ['delivered', 'read'].includes(a.messages.find((m) => m.id === id)!.state!), 10_000, 'delivered after retry');
    await new Promise((r) => setTimeout(r, 300));
    expect(got).to.deep.equal(['are you there?']);
    expect(b.messages.filter((m) => m.text === 'are you there?')).to.have.length(1);
    await a.updateComplete;
    expect(bubble(a, 'are you there?')!.querySelector('[part~="retry"]')).to.equal(null);
  });

  it('a call missed while away shows in the chat after coming back; older pages load on scroll to the top', async () => {
    const alice = server.connect('alice', 'Alice');
    await registered(alice);
    for (let i = 0; i < 60; i++) alice.send('bob', `m${i}`);
    await until(() => alice.pendingMessages.length === 0, 10_000, 'sixty stored');
    const ended = nextClientEvent(alice, 'callended');
    alice.call('bob');
    await ended; // nobody to ring: a missed call for bob

    const bob = server.connect('bob', 'Bob');
    let delivered = 0;
    bob.on('messagereceived', () => delivered++);
    await registered(bob);
    // The chat opens after the stored messages came (delivered on the hello): it shows them from history.
    await until(() => delivered === 60, 10_000, 'the sixty delivered to bob');
    const b = await chat(bob, { with: 'alice' }, 'b');
    b.names = { alice: 'Alice' };
    await until(() => parts(b, 'system-missed').length === 1, 10_000, 'the missed call line');
    expect(parts(b, 'system-missed')[0].querySelector('span')!.textContent).to.equal('Missed call from Alice');
    // The last page: 50 entries, the missed call the newest of them.
    await until(() => b.messages.length === 49, 10_000, 'the last 49 messages and the call');
    expect(b.messages[0].text).to.equal('m11');

    // Scrolled to the top: the older ones come above ("Loading…" meanwhile), and what was on screen stays there.
    const log = part(b, 'log')!;
    await b.updateComplete;
    log.scrollTop = 0;
    const top = bubble(b, 'm11')!.getBoundingClientRect().top;
    log.dispatchEvent(new Event('scroll'));
    await b.updateComplete;
    expect(part(b, 'history-status')?.textContent).to.equal('Loading…');
    await until(() => b.messages.length === 60, 10_000, 'the older page');
    await b.updateComplete;
    expect(b.messages[0].text).to.equal('m0');
    expect(part(b, 'history-status')).to.equal(null);
    expect(Math.abs(bubble(b, 'm11')!.getBoundingClientRect().top - top)).to.be.below(2);
  });
});
