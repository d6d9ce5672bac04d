// The elements driven the way frameworks drive custom elements: created with document.createElement
// (or parsed from a template string) BEFORE the definitions load, properties set before and after
// upgrade (React 19, Vue, Svelte set properties), attributes (Angular templates, plain HTML), and
// listeners added with addEventListener for the DOM events (React 19's `onjsongle-…`, Vue's @, Svelte's on…).
// This file must not import components/ statically: the definitions load halfway through (type-only
// imports are erased). The chat and dialer elements are built by `before`, while nothing is defined.
import { expect } from '@open-wc/testing';
import type { JsongleCall } from '../../components/call/call.ts';
import type { JsongleChat } from '../../components/chat/chat.ts';
import type { JsongleConnection } from '../../components/connection/connection.ts';
import type { JsongleDialer } from '../../components/dialer/dialer.ts';
import type { RoomMember } from '../../components/events.ts';
import type { ChatMessage } from '../../src/chat/conversation.ts';
import type { JSONgle } from '../../src/client.ts';
import { clientPair, nextClientEvent, nextEvent, until } from '../media/helpers.ts';
import { startServer } from './server.ts';

const loadDefinitions = () => import('../../components/index.ts');
const part = (el: HTMLElement, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
const parts = (el: HTMLElement, name: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];
const registered = (...clients: JSONgle[]) => until(() => clients.every((c) => c.registered), 3000, 'clients registered');

/** Three users on the real server and three chats, configured while `<jsongle-chat>` is not defined. */
async function earlyChats() {
  const relay = await startServer();
  const alice = relay.connect('alice', 'Alice');
  const bob = relay.connect('bob', 'Bob');
  const carol = relay.connect('carol', 'Carol');
  const host = document.createElement('div');
  document.body.append(host);
  const seen = { send: [] as string[], messages: [] as ChatMessage[], data: [] as { content: unknown; from: string }[], members: [] as RoomMember[][] };
  // React 19 / Vue / Svelte: createElement, properties (objects too), listeners; connected at once.
  const a = document.createElement('jsongle-chat') as JsongleChat;
  a.client = alice;
  a.with = 'bob';
  a.names = { bob: 'Bobby' };
  a.addEventListener('jsongle-send', (e) => {
    seen.send.push(e.detail.text);
    e.detail.text = e.detail.text.toUpperCase();
  });
  a.addEventListener('jsongle-message', (e) => seen.messages.push(e.detail.message));
  a.addEventListener('jsongle-data', (e) => seen.data.push(e.detail));
  host.append(a);
  // Angular / plain HTML: a template with attributes; the connection gets a page-built client as a property.
  host.insertAdjacentHTML('beforeend', '<jsongle-connection id="fw-chat-conn" without-status></jsongle-connection>'
    + '<jsongle-chat id="fw-chat-b" connection="fw-chat-conn" with="alice" placeholder="Say it" typing-pause="1234"></jsongle-chat>');
  const connection = host.querySelector('#fw-chat-conn') as JsongleConnection;
  connection.client = bob;
  const b = host.querySelector('#fw-chat-b') as JsongleChat;
  // Configured now, connected only after the definitions (a framework rendering later): a multi-user room.
  const room = document.createElement('jsongle-chat') as JsongleChat;
  room.client = carol;
  room.setAttribute('room', 'fw-lobby');
  room.setAttribute('multi-user', '');
  room.addEventListener('jsongle-members-change', (e) => seen.members.push(e.detail.members));
  return { relay, alice, bob, carol, host, a, b, connection, room, seen, close() { host.remove(); room.remove(); relay.close(); } };
}

/** A phone (`<jsongle-call>`) after a decoy, and two dialers, configured while nothing is defined. */
async function earlyDialers() {
  const relay = await startServer();
  const alice = relay.connect('alice', 'Alice');
  const bob = relay.connect('bob', 'Bob');
  const other = clientPair();
  localStorage.removeItem('jsongle-dialer-history:alice');
  const host = document.createElement('div');
  document.body.append(host);
  const seen = { dials: [] as { to: string; media: string }[], inputs: 0, errors: [] as string[], ends: [] as string[] };
  // The decoy comes first: a dialer that lost its `call` would place its call there.
  const decoy = document.createElement('jsongle-call') as JsongleCall;
  decoy.client = other.alice;
  const phone = document.createElement('jsongle-call') as JsongleCall;
  phone.id = 'fw-phone';
  phone.client = alice;
  phone.addEventListener('jsongle-call-end', (e) => seen.ends.push(e.detail.reason));
  host.append(decoy, phone);
  // React 19 / Vue / Svelte: created and configured now, connected only after the definitions load.
  const d1 = document.createElement('jsongle-dialer') as JsongleDialer;
  d1.call = 'fw-phone';
  d1.value = 'bob';
  d1.addEventListener('jsongle-dial', (e) => seen.dials.push(e.detail));
  // Angular / plain HTML: attributes in a form, connected at once; the client is a property.
  host.insertAdjacentHTML('beforeend', '<form id="fw-form"><jsongle-dialer id="fw-d2" name="callee" value="bob" call="fw-nowhere"'
    + ' required with-keypad with-history></jsongle-dialer></form>');
  const form = host.querySelector('#fw-form') as HTMLFormElement;
  const d2 = host.querySelector('#fw-d2') as JsongleDialer;
  d2.client = alice;
  d2.addEventListener('input', () => seen.inputs++);
  d2.addEventListener('jsongle-error', (e) => seen.errors.push(e.detail.error.message));
  return {
    relay, alice, bob, host, decoy, phone, d1, d2, form, seen,
    close() { host.remove(); d1.remove(); relay.close(); other.close(); localStorage.removeItem('jsongle-dialer-history:alice'); },
  };
}

describe('framework-style use of the elements', () => {
  let chats: Awaited<ReturnType<typeof earlyChats>>;
  let dialers: Awaited<ReturnType<typeof earlyDialers>>;
  before(async () => {
    for (const tag of ['jsongle-connection', 'jsongle-call', 'jsongle-chat', 'jsongle-dialer']) expect(customElements.get(tag)).to.equal(undefined);
    chats = await earlyChats();
    dialers = await earlyDialers();
  });
  after(() => {
    chats?.close();
    dialers?.close();
  });

  it('works when elements are created, configured and listened to before their definitions load', async () => {
    expect(customElements.get('jsongle-call')).to.equal(undefined);
    const { alice, bob, close } = clientPair();
    const host = document.createElement('div');
    document.body.append(host);
    try {
      // React 19 / Vue / Svelte: createElement, then properties (objects included) and listeners.
      const a = document.createElement('jsongle-call') as any;
      a.client = alice;
      a.to = 'bob';
      a.media = 'audio';
      const seenA: string[] = [];
      a.addEventListener('jsongle-call-change', (e: CustomEvent) => seenA.push(e.detail.state));
      // Angular / plain HTML: a template string with attributes, parsed before the upgrade.
      host.innerHTML = '<jsongle-connection id="conn-b" transport="broadcast-channel" without-status></jsongle-connection>'
        + '<jsongle-call id="b" connection="conn-b" auto-answer without-controls></jsongle-call>';
      const connection = host.querySelector('#conn-b') as any;
      connection.client = bob; // a page-built client, set before upgrade
      const b = host.querySelector('#b') as any;
      const ended: string[] = [];
      b.addEventListener('jsongle-call-end', (e: CustomEvent) => ended.push(e.detail.reason));
      host.append(a);

      await loadDefinitions();
      await customElements.whenDefined('jsongle-call');
      expect(a instanceof customElements.get('jsongle-call')!).to.equal(true);
      expect(b instanceof customElements.get('jsongle-call')!).to.equal(true);
      // Properties set before the upgrade were kept, not shadowed by the class's accessors.
      expect(a.client).to.equal(alice);
      expect(a.to).to.equal('bob');
      expect(a.media).to.equal('audio');
      expect(connection.client).to.equal(bob);
      expect(b.autoAnswer).to.equal(true);
      expect(b.withoutControls).to.equal(true);
      await Promise.all([a.updateComplete, b.updateComplete, connection.updateComplete]);

      // Properties and attributes set after the upgrade work too.
      a.setAttribute('media', 'video');
      expect(a.media).to.equal('video');
      a.media = 'audio';
      await a.updateComplete;
      expect(a.getAttribute('media')).to.equal('audio');

      // A whole call through them: a calls, b (found through connection="conn-b") answers by itself.
      const incoming = nextEvent(b, 'jsongle-incoming-call', 5000);
      a.call();
      expect((await incoming).detail.from).to.equal('alice');
      await until(() => a.state === 'active' && b.state === 'active', 10000, 'both active');
      expect(seenA).to.include.members(['ringing', 'active']);
      a.hangup();
      await until(() => ended.length === 1, 5000, "b's jsongle-call-end");
      expect(ended).to.deep.equal(['terminated']);
    } finally {
      host.remove();
      close();
    }
  });

  it('<jsongle-chat>: with, names and client set before the upgrade, attributes, and listeners added before it carry real conversations', async () => {
    const { relay, alice, bob, carol, host, a, b, connection, room, seen } = chats;
    await loadDefinitions();
    const Chat = customElements.get('jsongle-chat')!;
    expect(a instanceof Chat && b instanceof Chat).to.equal(true);
    expect(room instanceof Chat).to.equal(false); // not in the document yet: not upgraded
    // Properties set before the upgrade went through the class's accessors.
    expect(a.client).to.equal(alice);
    expect(a.with).to.equal('bob');
    expect(a.names).to.deep.equal({ bob: 'Bobby' });
    expect(connection.client).to.equal(bob);
    // Attributes parsed before the upgrade; b finds bob's client through connection="fw-chat-conn".
    expect(b.with).to.equal('alice');
    expect(b.placeholder).to.equal('Say it');
    expect(b.typingPause).to.equal(1234);
    expect(b.client).to.equal(bob);
    await registered(alice, bob, carol);
    await Promise.all([a.updateComplete, b.updateComplete]);
    expect(a.getAttribute('with')).to.equal('bob');
    expect(part(b, 'input')!.getAttribute('placeholder')).to.equal('Say it');

    // a's message is addressed to bob (the server routes by `to`), rewritten by the listener added before the upgrade.
    let carolGot = 0;
    carol.on('messagereceived', () => carolGot++);
    const atB = nextEvent(b, 'jsongle-message');
    const id = a.send('hello bob');
    expect(seen.send).to.deep.equal(['hello bob']);
    const { message } = (await atB).detail;
    expect(message).to.include({ id, from: 'alice', own: false, text: 'HELLO BOB' });
    expect(relay.where((m) => m.id === id).map((m) => m.to)).to.deep.equal(['bob']);

    // bob answers: a's listeners added before the upgrade hear it; the name set before it labels it.
    b.send('hi alice');
    await until(() => seen.messages.length === 1, 3000, "a's jsongle-message");
    expect(seen.messages[0]).to.include({ from: 'bob', own: false, text: 'hi alice' });
    await a.updateComplete;
    const line = parts(a, 'message').find((m) => m.querySelector('[part="text"]')!.textContent === 'hi alice')!;
    expect(line.querySelector('[part="sender"]')!.textContent).to.equal('Bobby');
    b.sendJSON({ score: 3 });
    await until(() => seen.data.length === 1, 3000, "a's jsongle-data");
    expect(seen.data[0]).to.deep.include({ content: { score: 3 }, from: 'bob' });

    // After the upgrade: a property reflects to its attribute and retargets the chat; an attribute sets the property.
    a.with = 'carol';
    await a.updateComplete;
    expect(a.getAttribute('with')).to.equal('carol');
    const atCarol = nextClientEvent(carol, 'messagereceived');
    a.send('hello carol');
    const [content, from] = await atCarol;
    expect(from).to.equal('alice');
    expect((content as any).description.content).to.equal('HELLO CAROL');
    expect(carolGot).to.equal(1);
    a.setAttribute('with', 'bob');
    expect(a.with).to.equal('bob');

    // The room chat, configured before the definitions, upgrades when connected and joins a multi-user room.
    host.append(room);
    expect(room instanceof Chat).to.equal(true);
    expect(room.client).to.equal(carol);
    expect(room.room).to.equal('fw-lobby');
    expect(room.multiUser).to.equal(true);
    await until(() => room.matches(':state(joined)'), 3000, 'carol in fw-lobby');
    expect(relay.where((m) => m.jsongle.query === 'muc-join' && m.jsongle.description.rid === 'fw-lobby').map((m) => m.from)).to.deep.equal(['carol']);
    await bob.request(relay.sn, 'muc-join', { rid: 'fw-lobby' });
    await until(() => seen.members.at(-1)?.some((m) => m.uid === 'bob'), 3000, 'jsongle-members-change with bob');
    const inRoom = nextEvent(room, 'jsongle-message');
    bob.sendMuc('fw-lobby', 'hello room');
    expect((await inRoom).detail.message).to.include({ from: 'bob', address: 'fw-lobby/bob', text: 'hello room' });
  });

  it('<jsongle-dialer>: call, value and client set before the upgrade, attributes, and listeners added before it place real calls', async () => {
    const { alice, bob, host, decoy, phone, d1, d2, form, seen } = dialers;
    await loadDefinitions();
    const Dialer = customElements.get('jsongle-dialer')!;
    expect(d2 instanceof Dialer).to.equal(true);
    expect(d1 instanceof Dialer).to.equal(false);
    await registered(alice, bob);

    // d1: configured with properties before the definitions, upgraded when connected.
    host.append(d1);
    expect(d1 instanceof Dialer).to.equal(true);
    await d1.updateComplete; // lit applies the values set before the upgrade in the first update
    expect(d1.call).to.equal('fw-phone');
    expect(d1.value).to.equal('bob');
    expect(d1.getAttribute('call')).to.equal('fw-phone');
    part(d1, 'audio-call')!.click();
    expect(seen.dials).to.deep.equal([{ to: 'bob', media: 'audio' }]);
    await until(() => phone.currentCall, 5000, 'the call placed once the devices are open');
    expect(phone.currentCall?.callee).to.equal('bob');
    expect(phone.currentCall?.media).to.equal('audio');
    expect(decoy.state).to.equal('idle');
    await until(() => bob.currentCall?.state === 'ringing', 5000, 'bob ringing');
    expect(bob.currentCall!.caller).to.equal('alice');
    phone.hangup();
    await until(() => seen.ends.length === 1, 5000, "phone's jsongle-call-end");
    expect(seen.ends).to.deep.equal(['retracted']);

    // d2: attributes parsed before the definitions, in a form; its client was set as a property.
    expect(d2.client).to.equal(alice);
    expect([d2.name, d2.value, d2.call, d2.required, d2.withKeypad, d2.withHistory]).to.deep.equal(['callee', 'bob', 'fw-nowhere', true, true, true]);
    expect(new FormData(form).get('callee')).to.equal('bob');
    parts(d2, 'key').find((k) => k.textContent === '7')!.click();
    expect(seen.inputs).to.equal(1);
    expect(d2.value).to.equal('bob7');
    expect(new FormData(form).get('callee')).to.equal('bob7');
    // call="fw-nowhere" names no <jsongle-call>: the listener added before the upgrade hears why.
    expect(await d2.dial('audio')).to.equal(null);
    expect(seen.errors).to.have.length(1);
    expect(seen.errors[0]).to.match(/No <jsongle-call>/);
    expect(phone.currentCall?.state).to.equal('ended');

    // After the upgrade: an attribute and a property, then a video call through the phone.
    d2.setAttribute('call', 'fw-phone');
    expect(d2.call).to.equal('fw-phone');
    d2.value = 'bob';
    expect(new FormData(form).get('callee')).to.equal('bob');
    await d2.updateComplete;
    part(d2, 'video-call')!.click();
    await until(() => phone.currentCall?.media === 'video', 5000, 'the video call placed once the devices are open');
    expect(phone.currentCall?.callee).to.equal('bob');
    expect(phone.currentCall?.media).to.equal('video');
    const callId = phone.currentCall!.id;
    await until(() => bob.currentCall?.id === callId && bob.currentCall.state === 'ringing', 5000, 'bob ringing again');
    bob.decline();
    await until(() => seen.ends.length === 2, 5000, "phone's second jsongle-call-end");
    expect(seen.ends[1]).to.equal('declined');
    // with-history and the client set before the upgrade: both calls are in alice's recent calls.
    await until(() => d2.history.length === 2, 3000, 'two history entries');
    expect(d2.history.map((e) => [e.id, e.peer, e.media, e.outcome])).to.deep.equal([
      [callId, 'bob', 'video', 'declined'],
      [d2.history[1].id, 'bob', 'audio', 'cancelled'],
    ]);
    await d2.updateComplete;
    expect(parts(d2, 'history-entry')).to.have.length(2);
    expect(seen.dials).to.have.length(1); // d2's dials were not d1's
  });
});
