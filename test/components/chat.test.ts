// <jsongle-chat>: two (or three) chats in one page, serverless over the in-memory pair, or through the real server (./server.ts).
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/index.ts';
import './french.ts';
import type { JsongleChat } from '../../components/chat/chat.ts';
import type { JSONgle } from '../../src/client.ts';
import type { MemoryTransport } from '../../src/transport/memory.ts';
import { clientPair, nextClientEvent, nextEvent, until } from '../media/helpers.ts';
import { startServer } from './server.ts';

const part = (el: HTMLElement, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
const parts = (el: HTMLElement, name: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];
const text = (el: HTMLElement, name: string) => part(el, name)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const input = (el: HTMLElement) => part(el, 'input') as HTMLTextAreaElement;
/** The rendered message whose text is `body`. */
const bubble = (el: HTMLElement, body: string) => parts(el, 'message').find((m) => m.querySelector('[part="text"]')!.textContent === body) ?? null;
const shown = (el: HTMLElement, body: string, ms = 3000) => until(() => bubble(el, body), ms, `"${body.slice(0, 40)}" shown in <${el.id}>`);
const stateOf = (el: JsongleChat, body: string) => el.messages.find((m) => m.own && m.text === body)?.state;
/** The reaction of a reaction chip (its text without the count). */
const reactionOf = (chip: HTMLElement) => chip.textContent!.trim().replace(/\s*\d+$/, '');
const lines = (el: HTMLElement, kind: string) => parts(el, `system-${kind}`).map((l) => l.querySelector('span')!.textContent);
/** Two animation frames and a little more: what an IntersectionObserver needs to report. */
const settle = async (ms = 150) => {
  for (let i = 0; i < 2; i++) await new Promise((r) => requestAnimationFrame(r));
  await new Promise((r) => setTimeout(r, ms));
};
/** Every `ack` event the client receives: [type, mid]. */
function acks(client: JSONgle) {
  const seen: { type: string; mid: string; from: string }[] = [];
  client.on('event', (e: any, from: string) => { if (e.event === 'ack') seen.push({ type: e.description.type, mid: e.description.mid, from }); });
  return seen;
}
/** Types into a chat's composer as a user would (the element handles the real input events). */
async function type(el: HTMLElement, keys: string) {
  input(el).focus();
  await sendKeys({ type: keys });
}
async function press(el: HTMLElement, key: string) {
  input(el).focus();
  await sendKeys({ press: key });
}

const cleanups: (() => void)[] = [];
afterEach(() => { for (const c of cleanups.splice(0)) c(); });

async function twoChats(extraA = {}, extraB = {}) {
  const { alice, bob, ta, tb, close } = clientPair();
  cleanups.push(close);
  const root = await fixture<HTMLDivElement>(html`
    <div>
      <jsongle-chat id="a" with="bob" .client=${alice} .names=${{ bob: 'Bob' }} style="--jsongle-chat-log-max-height: 140px"></jsongle-chat>
      <jsongle-chat id="b" with="alice" .client=${bob} .names=${{ alice: 'Alice' }} style="--jsongle-chat-log-max-height: 140px"></jsongle-chat>
    </div>`);
  const a = root.querySelector<JsongleChat>('#a')!;
  const b = root.querySelector<JsongleChat>('#b')!;
  Object.assign(a, extraA);
  Object.assign(b, extraB);
  await Promise.all([a.updateComplete, b.updateComplete]);
  return { a, b, alice, bob, ta, tb, root };
}

describe('<jsongle-chat> 1:1', () => {
  it('sends both ways from the composer and send(), with sender, time and delivery state', async () => {
    const { a, b } = await twoChats();
    expect(text(a, 'empty')).to.equal('No messages yet');
    const incoming = nextEvent(b, 'jsongle-message');
    const id = a.send('Hello Bob');
    expect(id).to.be.a('string');
    await a.updateComplete;
    expect(stateOf(a, 'Hello Bob')).to.equal('sending');
    expect(text(a, 'status')).to.equal('Sending…');
    const { message } = (await incoming).detail;
    expect(message).to.include({ id, from: 'alice', address: 'alice', own: false, text: 'Hello Bob', state: null });
    expect(Object.isFrozen(message)).to.equal(true);
    const got = await shown(b, 'Hello Bob');
    expect(got.querySelector('[part="sender"]')!.textContent).to.equal('Alice');
    expect(got.querySelector('time')!.getAttribute('datetime')).to.equal(message.sent);
    expect(got.querySelector('time')!.textContent).to.match(/\d\d:\d\d/);
    expect(got.querySelector('[part="status"]')).to.equal(null); // delivery state is for own messages
    expect(part(b, 'empty')).to.equal(null);
    // Bob's log is at its end and on screen: delivered, then read.
    await until(() => stateOf(a, 'Hello Bob') === 'read', 3000, 'read');
    await a.updateComplete;
    expect(bubble(a, 'Hello Bob')!.querySelector('[part="status"]')!.getAttribute('data-state')).to.equal('read');
    expect(bubble(a, 'Hello Bob')!.querySelector('[part="sender"]')!.textContent).to.equal('You');

    // Bob answers from the composer: Shift+Enter is a new line, Enter sends, the composer empties.
    await type(b, 'Hi');
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ up: 'Shift' });
    await type(b, 'Alice');
    expect(input(b).value).to.equal('Hi\nAlice');
    expect(b.messages.filter((m) => m.own)).to.have.length(0);
    await press(b, 'Enter');
    expect(input(b).value).to.equal('');
    const reply = await shown(a, 'Hi\nAlice');
    expect(reply.querySelector('[part="sender"]')!.textContent).to.equal('Bob');
    expect(a.messages.map((m) => [m.own, m.text])).to.deep.equal([[true, 'Hello Bob'], [false, 'Hi\nAlice']]);

    // Blank messages are not sent: the next message Alice receives is the one after them.
    await press(b, 'Enter');
    await type(b, '   ');
    await press(b, 'Enter');
    b.send('  \n ');
    b.send('after blanks');
    await shown(a, 'after blanks');
    expect(a.messages.map((m) => m.text)).to.deep.equal(['Hello Bob', 'Hi\nAlice', 'after blanks']);
    await expect(a).to.be.accessible();
    await expect(b).to.be.accessible();
  });

  it('walks sending → delivered → read only once the message is scrolled into view while the page is visible, and reads once', async () => {
    const { a, b, alice } = await twoChats();
    const seen = acks(alice);
    // Bob fills his small log with his own messages (they need no receipt), then scrolls to the top.
    for (let i = 0; i < 12; i++) b.send(`filler ${i}`);
    await b.updateComplete;
    await shown(a, 'filler 11');
    const log = part(b, 'log')!;
    expect(log.scrollHeight).to.be.above(log.clientHeight * 2);
    // At the end of the log, a new message is scrolled into view and read at once.
    const atEnd = () => log.scrollHeight - log.scrollTop - log.clientHeight <= 1;
    expect(atEnd()).to.equal(true);
    a.send('While at the end');
    await shown(b, 'While at the end');
    expect(atEnd()).to.equal(true);
    await until(() => stateOf(a, 'While at the end') === 'read', 3000, 'read at the end');
    log.scrollTop = 0;
    await settle();

    const id = a.send('Out of view')!;
    await a.updateComplete;
    expect(stateOf(a, 'Out of view')).to.equal('sending');
    await until(() => stateOf(a, 'Out of view') === 'delivered', 3000, 'delivered');
    const row = await shown(b, 'Out of view');
    await settle();
    // Received and rendered below the visible part of the log: not read.
    expect(log.scrollTop).to.equal(0);
    expect(row.getBoundingClientRect().top).to.be.above(log.getBoundingClientRect().bottom);
    expect(b.messages.find((m) => m.id === id)!.read).to.equal(false);
    expect(seen.filter((x) => x.mid === id).map((x) => x.type)).to.deep.equal(['received']);
    expect(stateOf(a, 'Out of view')).to.equal('delivered');
    await a.updateComplete;
    expect(bubble(a, 'Out of view')!.querySelector('[part="status"]')!.textContent).to.equal('Delivered');

    // Scrolled into view while the page is hidden: still not read.
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    try {
      document.dispatchEvent(new Event('visibilitychange'));
      log.scrollTop = log.scrollHeight;
      await settle();
      expect(row.getBoundingClientRect().bottom).to.be.at.most(log.getBoundingClientRect().bottom + 1);
      expect(stateOf(a, 'Out of view')).to.equal('delivered');
      expect(seen.filter((x) => x.type === 'read' && x.mid === id)).to.have.length(0);
    } finally {
      delete (document as any).visibilityState;
    }
    // The page becomes visible with the message on screen: read.
    document.dispatchEvent(new Event('visibilitychange'));
    await until(() => stateOf(a, 'Out of view') === 'read', 3000, 'read');
    await a.updateComplete;
    expect(bubble(a, 'Out of view')!.querySelector('[part="status"]')!.textContent).to.equal('Read');
    // Once: scrolling away and back, or the page hiding and showing again, sends no second receipt.
    log.scrollTop = 0;
    await settle();
    log.scrollTop = log.scrollHeight;
    document.dispatchEvent(new Event('visibilitychange'));
    await settle();
    b.send('sentinel');
    await shown(a, 'sentinel');
    expect(seen.filter((x) => x.type === 'read' && x.mid === id)).to.have.length(1);
    expect(seen.filter((x) => x.type === 'read' && x.from !== 'bob')).to.have.length(0);
  });

  it('shows the typing indicator, and clears it after a pause, on an emptied composer and on send', async () => {
    const { a, b } = await twoChats({ typingPause: 300 });
    expect(text(b, 'typing')).to.equal('');
    expect(part(b, 'typing')!.getAttribute('role')).to.equal('status');
    await type(a, 'Hel');
    await until(() => text(b, 'typing') === 'Alice is typing…', 3000, 'typing shown');
    expect(b.matches(':state(typing)')).to.equal(true);
    await expect(b).to.be.accessible();
    // The pause (300 ms here) sends `active`.
    await until(() => text(b, 'typing') === '', 3000, 'cleared after the pause');
    expect(b.matches(':state(typing)')).to.equal(false);
    // Typing again shows it again; emptying the composer clears it at once.
    a.typingPause = 60_000;
    await type(a, 'lo');
    await until(() => text(b, 'typing') === 'Alice is typing…', 3000, 'typing shown again');
    for (let i = 0; i < 5; i++) await press(a, 'Backspace');
    expect(input(a).value).to.equal('');
    await until(() => text(b, 'typing') === '', 3000, 'cleared when the composer is emptied');
    // Sending clears it (the pause is a minute now, so it is the message that does it).
    await type(a, 'Hello');
    await until(() => text(b, 'typing') === 'Alice is typing…', 3000, 'typing shown a third time');
    await press(a, 'Enter');
    await shown(b, 'Hello');
    await until(() => text(b, 'typing') === '', 3000, 'cleared on send');
    // Bob's own typing is not shown to himself.
    expect(text(a, 'typing')).to.equal('');
  });

  it('adds and removes reactions on both sides; one reaction per user, click yours to remove it', async () => {
    const { a, b } = await twoChats();
    a.send('React to me');
    const atB = await shown(b, 'React to me');
    const chips = (el: JsongleChat) => [...bubble(el, 'React to me')!.querySelectorAll<HTMLButtonElement>('[part~="reaction"]')]
      .map((c) => `${reactionOf(c)} ${c.querySelector('[part="reaction-count"]')!.textContent}${c.getAttribute('part')!.includes('reaction-mine') ? ' mine' : ''}`);
    const chip = (el: JsongleChat, reaction: string) => [...bubble(el, 'React to me')!.querySelectorAll<HTMLButtonElement>('[part~="reaction"]')]
      .find((c) => reactionOf(c) === reaction)!;
    const pick = async (el: JsongleChat, reaction: string) => {
      bubble(el, 'React to me')!.querySelector<HTMLButtonElement>('[part="reaction-add"]')!.click();
      await el.updateComplete;
      const picker = bubble(el, 'React to me')!.querySelector('[part="reaction-picker"]')!;
      [...picker.querySelectorAll<HTMLButtonElement>('button')].find((x) => x.textContent === reaction)!.click();
      await el.updateComplete;
    };
    // Bob picks 👍.
    atB.querySelector<HTMLButtonElement>('[part="reaction-add"]')!.click();
    await b.updateComplete;
    expect(atB.querySelector('[part="reaction-add"]')!.getAttribute('aria-expanded')).to.equal('true');
    await expect(b).to.be.accessible();
    [...atB.querySelectorAll<HTMLButtonElement>('[part="reaction-choice"]')].find((x) => x.textContent === '👍')!.click();
    await b.updateComplete;
    expect(atB.querySelector('[part="reaction-picker"]')).to.equal(null);
    expect(chips(b)).to.deep.equal(['👍 1 mine']);
    await until(() => chips(a).join() === '👍 1', 3000, 'bob\'s 👍 at alice');
    // Alice adds the same: 2 on both sides.
    chip(a, '👍').click();
    await a.updateComplete;
    expect(chips(a)).to.deep.equal(['👍 2 mine']);
    await until(() => chips(b).join() === '👍 2 mine', 3000, 'two 👍 at bob');
    expect(chip(b, '👍').getAttribute('aria-pressed')).to.equal('true');
    // Bob clicks his: removed.
    chip(b, '👍').click();
    await b.updateComplete;
    expect(chips(b)).to.deep.equal(['👍 1']);
    await until(() => chips(a).join() === '👍 1 mine', 3000, 'bob\'s 👍 removed at alice');
    // Alice picks ❤️: it replaces her 👍.
    await pick(a, '❤️');
    expect(chips(a)).to.deep.equal(['❤️ 1 mine']);
    await until(() => chips(b).join() === '❤️ 1', 3000, 'alice\'s reaction replaced at bob');
    // And removes it.
    chip(a, '❤️').click();
    await a.updateComplete;
    expect(chips(a)).to.deep.equal([]);
    await until(() => chips(b).length === 0, 3000, 'no reaction left at bob');
    expect(a.messages[0].reactions).to.deep.equal({});
  });
});

describe('<jsongle-chat> rooms (the real server)', () => {
  const registered = (client: JSONgle) => until(() => client.registered, 3000, `${client.id} registered`);

  it('joins a multi-user room of three: names, joined/left lines, delivery through the server, typing of several', async () => {
    const relay = await startServer();
    cleanups.push(() => void relay.close());
    const alice = relay.connect('alice', 'Alice');
    const bob = relay.connect('bob', 'Bob');
    const carol = relay.connect('carol', 'Carol');
    await Promise.all([alice, bob, carol].map(registered));
    expect(alice.server).to.equal(relay.sn);

    // The listener is in the template: the join may be answered before fixture() resolves.
    const memberChanges: string[][] = [];
    const onMembers = (e: CustomEvent<{ members: { uid: string; name: string }[] }>) => memberChanges.push(e.detail.members.map((m) => `${m.uid}:${m.name}`));
    const root = await fixture<HTMLDivElement>(html`<div>
      <jsongle-chat id="a" room="team" multi-user .client=${alice} @jsongle-members-change=${onMembers} style="--jsongle-chat-log-max-height: 120px"></jsongle-chat>
    </div>`);
    const a = root.querySelector<JsongleChat>('#a')!;
    await until(() => a.matches(':state(joined)'), 3000, 'alice joined');
    const add = async (id: string, client: JSONgle) => {
      const el = document.createElement('jsongle-chat');
      Object.assign(el, { id, room: 'team', multiUser: true, client });
      el.style.setProperty('--jsongle-chat-log-max-height', '120px');
      root.append(el);
      await until(() => el.matches(':state(joined)'), 3000, `${id} joined`);
      return el;
    };
    const b = await add('b', bob);
    await until(() => lines(a, 'joined').join() === 'Bob joined', 3000, 'Bob joined at alice');
    const c = await add('c', carol);
    await until(() => lines(a, 'joined').join() === 'Bob joined,Carol joined', 3000, 'Carol joined at alice');
    await until(() => lines(b, 'joined').join() === 'Carol joined', 3000, 'Carol joined at bob');
    expect(lines(c, 'joined')).to.deep.equal([]); // they were there before her: she learned them from the join result
    expect(c.members).to.deep.equal([{ uid: 'alice', name: 'Alice' }, { uid: 'bob', name: 'Bob' }]);
    expect(memberChanges).to.deep.equal([[], ['bob:Bob'], ['bob:Bob', 'carol:Carol']]);
    expect(relay.where((m) => m.jsongle.query === 'muc-join').map((m) => m.from)).to.deep.equal(['alice', 'bob', 'carol']);

    // Carol writes while the relay holds what goes to Alice and Bob: `sent` (server-received) only.
    relay.hold('alice');
    relay.hold('bob');
    c.send('Hi team');
    await c.updateComplete;
    expect(stateOf(c, 'Hi team')).to.equal('sending');
    await until(() => stateOf(c, 'Hi team') === 'sent', 3000, 'sent (server-received)');
    await settle(100);
    expect(stateOf(c, 'Hi team')).to.equal('sent');
    await c.updateComplete;
    expect(text(c, 'status')).to.equal('Sent');
    relay.release('alice');
    relay.release('bob');
    for (const el of [a, b]) {
      const row = await shown(el, 'Hi team');
      expect(row.querySelector('[part="sender"]')!.textContent).to.equal('Carol');
      expect(el.messages.at(-1)).to.include({ from: 'carol', address: 'team/carol' });
    }
    await until(() => stateOf(c, 'Hi team') === 'read', 3000, 'read in the room');
    // Names from the join result (Carol joined last) and from joined events (Alice).
    a.send('Welcome');
    expect((await shown(c, 'Welcome')).querySelector('[part="sender"]')!.textContent).to.equal('Alice');
    b.send('Hello');
    expect((await shown(c, 'Hello')).querySelector('[part="sender"]')!.textContent).to.equal('Bob');
    expect((await shown(a, 'Hello')).querySelector('[part="sender"]')!.textContent).to.equal('Bob');

    // Alice and Bob type: Carol sees both names.
    for (const el of [a, b]) {
      input(el).value = 'typing…';
      input(el).dispatchEvent(new Event('input'));
    }
    await until(() => text(c, 'typing') === 'Alice and Bob are typing…', 3000, 'two typists');
    expect(text(a, 'typing')).to.equal('Bob is typing…');
    await expect(c).to.be.accessible();

    // Carol's element is removed: it leaves the room, the others see it.
    c.remove();
    await until(() => lines(a, 'left').join() === 'Carol left', 3000, 'Carol left at alice');
    await until(() => lines(b, 'left').join() === 'Carol left', 3000, 'Carol left at bob');
    expect(memberChanges.at(-1)).to.deep.equal(['bob:Bob']);
    expect(a.members).to.deep.equal([{ uid: 'bob', name: 'Bob' }]);
    expect(relay.where((m) => m.jsongle.query === 'session-leave').map((m) => [m.from, m.jsongle.description.rid])).to.deep.equal([['carol', 'team']]);
    await expect(a).to.be.accessible();
  });

  it('joins a 1:1 room with session-join: messages come from the room and are shown as the other member', async () => {
    const relay = await startServer();
    cleanups.push(() => void relay.close());
    const alice = relay.connect('alice', 'Alice');
    const bob = relay.connect('bob', 'Bob');
    await Promise.all([alice, bob].map(registered));
    // Each chat finds its client through its <jsongle-connection> (context).
    const root = await fixture<HTMLDivElement>(html`<div>
      <jsongle-connection .client=${alice}><jsongle-chat id="a" room="pair-1"></jsongle-chat></jsongle-connection>
      <jsongle-connection .client=${bob}><jsongle-chat id="b" room="pair-1"></jsongle-chat></jsongle-connection>
    </div>`);
    const a = root.querySelector<JsongleChat>('#a')!;
    const b = root.querySelector<JsongleChat>('#b')!;
    await until(() => a.matches(':state(joined)') && b.matches(':state(joined)'), 3000, 'both joined');
    expect(relay.where((m) => m.jsongle.query === 'session-join')).to.have.length(2);
    // The composer holds nothing back once joined: Enter sends.
    await type(b, 'in the room');
    await press(b, 'Enter');
    const row = await shown(a, 'in the room');
    expect(row.querySelector('[part="sender"]')!.textContent).to.equal('Bob');
    expect(a.messages[0]).to.include({ from: 'bob', address: 'pair-1' });
    await until(() => stateOf(b, 'in the room') === 'read', 3000, 'read through the room');
    expect(relay.where((m) => m.jsongle.event === 'ack' && m.jsongle.description.type === 'read')[0].to).to.equal('pair-1');
    expect(a.client).to.equal(alice);
  });

  it('joins the room again after the connection comes back, and only then sends what the composer held, once', async () => {
    const relay = await startServer();
    cleanups.push(() => void relay.close());
    const alice = relay.connect('alice', 'Alice');
    const bob = relay.connect('bob', 'Bob');
    await Promise.all([alice, bob].map(registered));
    const root = await fixture<HTMLDivElement>(html`<div>
      <jsongle-chat id="a" room="team" multi-user .client=${alice}></jsongle-chat>
      <jsongle-chat id="b" room="team" multi-user .client=${bob}></jsongle-chat>
    </div>`);
    const a = root.querySelector<JsongleChat>('#a')!;
    const b = root.querySelector<JsongleChat>('#b')!;
    await until(() => a.matches(':state(joined)') && b.matches(':state(joined)'), 3000, 'both joined');
    const joins = () => relay.where((m) => m.jsongle.query === 'muc-join' && m.from === 'alice').length;
    expect(joins()).to.equal(1);
    const arrivals = lines(b, 'joined').length;
    relay.disconnect('alice'); // the server sees the connection close, and forgets its rooms
    await until(() => lines(b, 'left').join() === 'Alice left', 3000, 'Alice left at bob');
    await until(() => a.matches(':state(offline)') && !a.matches(':state(joined)'), 3000, 'offline');
    await type(a, 'held while away');
    await press(a, 'Enter');
    expect(a.matches(':state(pending)')).to.equal(true);
    expect(a.messages).to.have.length(0);
    relay.reconnect('alice');
    await shown(b, 'held while away');
    expect(joins()).to.equal(2);
    expect(a.matches(':state(joined)')).to.equal(true);
    b.send('sentinel');
    await shown(a, 'sentinel');
    expect(relay.where((m) => m.jsongle.action === 'session-text' && m.from === 'alice').map((m) => m.jsongle.description.content)).to.deep.equal(['held while away']);
    expect(lines(b, 'joined')).to.have.length(arrivals + 1);
    expect(b.members.map((m) => m.uid)).to.deep.equal(['alice']);
  });
});

describe('<jsongle-chat> safety', () => {
  const payloads = [
    '<img src=x onerror="window.__pwned=1">',
    '<script>window.__pwned=2</script>',
    'javascript:window.__pwned=3',
    '[click me](javascript:window.__pwned=4)',
    '"><svg onload="window.__pwned=5"></svg>',
    "' onmouseover='window.__pwned=6' x='",
    '<a href="javascript:window.__pwned=7">link</a>',
    '<iframe srcdoc="<script>parent.__pwned=8</script>"></iframe>',
    '${window.__pwned=9}{{constructor.constructor("window.__pwned=10")()}}',
  ];

  it('shows hostile text, names and reactions literally; no markup is created and no script runs', async () => {
    const { a, b, alice } = await twoChats();
    (window as any).__pwned = undefined;
    b.names = { alice: '<img src=x onerror="window.__pwned=11">Alice' };
    for (const p of payloads) alice.send('bob', p);
    await until(() => b.messages.length === payloads.length, 3000, 'every payload received');
    await b.updateComplete;
    const texts = parts(b, 'text');
    expect(texts.map((t) => t.textContent)).to.deep.equal(payloads);
    expect(texts.every((t) => t.children.length === 0)).to.equal(true);
    expect(text(b, 'sender')).to.equal('<img src=x onerror="window.__pwned=11">Alice');
    // A hostile reaction and a hostile typist name.
    alice.reactToMessage(b.messages[0].id, '<img src=x onerror=__pwned=12>', 'bob');
    await until(() => parts(b, 'reaction').length === 1, 3000, 'the reaction');
    expect(reactionOf(part(b, 'reaction')!)).to.equal('<img src=x onerror=__pwned=12>');
    alice.isTyping(true, 'bob');
    await until(() => text(b, 'typing') !== '', 3000, 'typing');
    expect(text(b, 'typing')).to.equal('<img src=x onerror="window.__pwned=11">Alice is typing…');
    // (The reaction buttons' own icons are the only SVG allowed.)
    const dangerous = b.shadowRoot!.querySelectorAll('img, script, svg:not([part="reaction-add"] > svg), iframe, a, object, embed');
    expect(dangerous.length).to.equal(0);
    const withHandlers = [...b.shadowRoot!.querySelectorAll('*')].filter((e) => [...e.attributes].some((x) => /^on/i.test(x.name) || /javascript:/i.test(x.value)));
    expect(withHandlers).to.deep.equal([]);
    // Give an image error or a load handler the time to fire, had one been created.
    await settle(200);
    expect((window as any).__pwned).to.equal(undefined);
    // Alice's own copy is literal too.
    a.send(payloads[0]);
    await a.updateComplete;
    expect(bubble(a, payloads[0])!.querySelector('[part="text"]')!.children.length).to.equal(0);
  });

  it('wraps long words inside the bubble', async () => {
    const { b, alice } = await twoChats();
    const word = 'W'.repeat(2000);
    alice.send('bob', word);
    const row = await shown(b, word);
    const log = part(b, 'log')!;
    const textEl = row.querySelector<HTMLElement>('[part="text"]')!;
    expect(textEl.getBoundingClientRect().width).to.be.at.most(log.clientWidth);
    expect(log.scrollWidth).to.be.at.most(log.clientWidth);
  });
});

describe('<jsongle-chat> connection and events', () => {
  it('keeps a message typed while the transport is down in the composer and delivers it exactly once when it is back', async () => {
    const { a, b, bob, ta } = await twoChats();
    const received: string[] = [];
    bob.on('messagereceived', (body) => received.push(body.description.content));
    ta.disconnect();
    await until(() => a.matches(':state(offline)'), 3000, 'offline');
    await type(a, 'queued hello');
    await press(a, 'Enter');
    await press(a, 'Enter'); // twice: still one message
    await a.updateComplete;
    expect(input(a).value).to.equal('queued hello');
    expect(a.matches(':state(pending)')).to.equal(true);
    expect(text(a, 'composer-status')).to.equal('Not connected: your message will be sent when the connection is back.');
    expect(a.messages).to.have.length(0);
    await settle(100);
    expect(received).to.deep.equal([]);
    ta.reconnect();
    await shown(b, 'queued hello');
    await a.updateComplete;
    expect(input(a).value).to.equal('');
    expect(a.matches(':state(pending)')).to.equal(false);
    expect(text(a, 'composer-status')).to.equal('');
    expect(a.messages.map((m) => m.text)).to.deep.equal(['queued hello']);
    // Anything sent twice would arrive before this one.
    a.send('sentinel');
    await shown(b, 'sentinel');
    expect(received).to.deep.equal(['queued hello', 'sentinel']);
    await until(() => stateOf(a, 'queued hello') === 'read', 3000, 'read after the reconnection');
  });

  it('fires jsongle-send (veto keeps the text, rewrite changes it), jsongle-message, and jsongle-data for custom JSON', async () => {
    const { a, b } = await twoChats();
    // Veto: nothing is sent, the composer keeps the text.
    const veto = (e: Event) => e.preventDefault();
    a.addEventListener('jsongle-send', veto);
    const vetoed = nextEvent(a, 'jsongle-send');
    await type(a, 'secret');
    await press(a, 'Enter');
    const ev = await vetoed;
    expect(ev.detail.text).to.equal('secret');
    expect(ev.cancelable && ev.bubbles && ev.composed).to.equal(true);
    expect(input(a).value).to.equal('secret');
    expect(a.messages).to.have.length(0);
    expect(a.send('also vetoed')).to.equal(null);
    a.removeEventListener('jsongle-send', veto);
    // Rewrite: the page changes the text (and adds additionalContent).
    const rewrite = (e: Event) => {
      const detail = (e as CustomEvent).detail;
      detail.text = detail.text.toUpperCase();
      detail.additionalContent = { rewritten: true };
    };
    document.addEventListener('jsongle-send', rewrite);
    try {
      const message = nextEvent(document, 'jsongle-message');
      await press(a, 'Enter');
      const got = (await message).detail.message;
      expect(got).to.include({ text: 'SECRET', own: false });
      expect(got.additionalContent).to.deep.equal({ rewritten: true });
      expect((await message).target).to.equal(b);
      expect(input(a).value).to.equal('');
      expect(a.messages[0]).to.include({ text: 'SECRET', own: true });
    } finally {
      document.removeEventListener('jsongle-send', rewrite);
    }
    // Custom JSON: an event, not a line.
    const data = nextEvent(b, 'jsongle-data');
    const id = a.sendJSON({ presence: 'away', html: '<b>x</b>' });
    const d = (await data).detail;
    expect(d).to.deep.equal({ content: { presence: 'away', html: '<b>x</b>' }, from: 'alice', id });
    await b.updateComplete;
    expect(b.messages).to.have.length(1);
    expect(parts(b, 'message')).to.have.length(1);
    // messages is read-only.
    expect(() => (a.messages as unknown as unknown[]).push({})).to.throw();
    expect(() => { (a as any).messages = []; }).to.throw();
  });

  it('shows the outcome of calls with the same peer from their tickets: declined, missed, answered with duration', async () => {
    const { a, b, alice, bob } = await twoChats();
    // Alice calls, Bob declines.
    const ringing = (client: JSONgle) => until(() => client.currentCall?.state === 'ringing', 3000, 'ringing');
    alice.call('bob', 'audio');
    await ringing(bob);
    bob.decline();
    await until(() => lines(a, 'call').length === 1 && lines(b, 'call').length === 1, 3000, 'declined lines');
    expect(lines(a, 'call')).to.deep.equal(['Bob declined your call']);
    expect(lines(b, 'call')).to.deep.equal(['You declined a call from Alice']);
    // Alice calls and gives up: missed at Bob.
    alice.call('bob', 'video');
    await ringing(bob);
    alice.end();
    await until(() => lines(b, 'call').length === 2, 3000, 'missed line');
    expect(lines(b, 'call')[1]).to.equal('Missed call from Alice');
    expect(lines(a, 'call')[1]).to.equal('Call to Bob cancelled');
    // An answered call (signaling only): its duration.
    alice.call('bob', 'audio');
    await ringing(bob);
    const needed = nextClientEvent(alice, 'offerneeded');
    bob.proceed();
    await needed;
    alice.sendOffer({ type: 'offer', sdp: 'v=0\r\n' });
    await until(() => bob.currentCall?.remoteOffer, 3000, 'offer');
    bob.sendOffer({ type: 'answer', sdp: 'v=0\r\n' });
    await until(() => alice.currentCall?.remoteOffer, 3000, 'answer');
    alice.setAsActive();
    bob.setAsActive();
    await until(() => alice.currentCall?.state === 'active' && bob.currentCall?.state === 'active', 3000, 'active');
    bob.end();
    await until(() => lines(a, 'call').length === 3 && lines(b, 'call').length === 3, 3000, 'answered lines');
    expect(lines(a, 'call')[2]).to.equal('Audio call with Bob, 0:00');
    expect(lines(b, 'call')[2]).to.equal('Audio call with Alice, 0:00');
    // A call of Alice with someone else is not shown in her chat with Bob (Bob's client saw it ring: his line comes from Alice).
    alice.call('carol', 'audio');
    await ringing(bob);
    alice.end();
    await until(() => lines(b, 'call').length === 4, 3000, 'bob\'s ticket of the call to carol');
    await a.updateComplete;
    expect(lines(a, 'call')).to.have.length(3);
    await expect(a).to.be.accessible();
  });

  it('speaks French, honours placeholder and readonly, and explains what it needs', async () => {
    const { alice, close } = clientPair();
    cleanups.push(close);
    const el = await fixture<JsongleChat>(html`<jsongle-chat lang="fr" with="bob" placeholder="Votre message" .client=${alice}></jsongle-chat>`);
    expect(text(el, 'empty')).to.equal('Aucun message pour le moment');
    expect(input(el).placeholder).to.equal('Votre message');
    expect(input(el).getAttribute('aria-label')).to.equal('Message pour bob');
    expect(text(el, 'send-button')).to.equal('Envoyer');
    el.send('Bonjour');
    await el.updateComplete;
    expect(text(el, 'status')).to.equal('Envoi…');
    expect(text(el, 'sender')).to.equal('Vous');
    el.readonly = true;
    await el.updateComplete;
    expect(part(el, 'composer')).to.equal(null);
    expect(part(el, 'reaction-add')).to.equal(null);
    await expect(el).to.be.accessible();
    const lone = await fixture<JsongleChat>(html`<jsongle-chat with="bob"></jsongle-chat>`);
    expect(() => lone.send('x')).to.throw(/No JSONgle client/);
    lone.client = alice;
    lone.with = '';
    await lone.updateComplete;
    expect(() => lone.send('x')).to.throw(/set `with` or `room`/);
  });
});
