// <jsongle-connection>: building, providing and closing the client; and a whole call over a
// BroadcastChannel, each side's <jsongle-call> finding its client through the connection.
import { expect, fixture, html } from '@open-wc/testing';
import '../../components/index.ts';
import './french.ts';
import type { JsongleCall } from '../../components/call/call.ts';
import type { JsongleConnection } from '../../components/connection/connection.ts';
import { clientPair, nextEvent, received, until } from '../media/helpers.ts';

const part = (el: HTMLElement, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
const channelName = () => `wtr-${crypto.randomUUID()}`;

describe('<jsongle-connection>', () => {
  it('builds a BroadcastChannel client from its attributes, shows its status, closes it when removed', async () => {
    const change = nextEvent(document, 'jsongle-connection-change');
    const el = await fixture<JsongleConnection>(html`<jsongle-connection transport="broadcast-channel" channel=${channelName()} user="alice" display-name="Alice"></jsongle-connection>`);
    const client = el.client!;
    expect(client).to.exist;
    expect(client.id).to.equal('alice');
    expect(client.transport.name).to.equal('broadcast-channel');
    expect(el.state).to.equal('open');
    expect((await change).detail.state).to.equal('open');
    expect(el.matches(':state(open)')).to.equal(true);
    expect(part(el, 'status-text')!.textContent).to.equal('Connected');
    expect(part(el, 'status')!.hidden).to.equal(false);
    await expect(el).to.be.accessible();
    el.withoutStatus = true;
    await el.updateComplete;
    expect(getComputedStyle(part(el, 'status')!).display).to.equal('none');
    el.remove();
    await until(() => client.transport.state === 'closed', 1000, 'the client closed');
    expect(el.client).to.equal(null);
  });

  it('waits idle until it has what it needs, and rebuilds the client when its settings change', async () => {
    const el = await fixture<JsongleConnection>(html`<jsongle-connection lang="fr" transport="broadcast-channel" channel=${channelName()}></jsongle-connection>`);
    expect(el.client).to.equal(null);
    expect(el.state).to.equal('idle');
    expect(part(el, 'status-text')!.textContent).to.equal('Non connecté');
    const opened = nextEvent(el, 'jsongle-connection-change', 2000, (e) => e.detail.state === 'open');
    el.user = 'alice';
    await opened;
    const first = el.client!;
    expect(first.id).to.equal('alice');
    el.user = 'carol';
    await el.updateComplete;
    expect(el.client).to.not.equal(first);
    expect(el.client!.id).to.equal('carol');
    expect(first.transport.state).to.equal('closed');
  });

  it('gives its client to descendants (context) and to elements that name it with connection="id"', async () => {
    const { alice, bob, close } = clientPair();
    try {
      const root = await fixture<HTMLDivElement>(html`<div>
        <jsongle-connection id="conn" .client=${alice}>
          <section><jsongle-call id="inside"></jsongle-call></section>
        </jsongle-connection>
        <jsongle-call id="outside" connection="conn"></jsongle-call>
        <jsongle-call id="own" connection="conn" .client=${bob}></jsongle-call>
      </div>`);
      const conn = root.querySelector<JsongleConnection>('#conn')!;
      const inside = root.querySelector<JsongleCall>('#inside')!;
      const outside = root.querySelector<JsongleCall>('#outside')!;
      const own = root.querySelector<JsongleCall>('#own')!;
      expect(inside.client).to.equal(alice);
      expect(outside.client).to.equal(alice);
      expect(own.client).to.equal(bob); // its own property wins
      // A new client reaches every one of them; the page's client is not closed by the element.
      const { alice: alice2, close: close2 } = clientPair();
      try {
        conn.client = alice2;
        expect(inside.client).to.equal(alice2);
        expect(outside.client).to.equal(alice2);
        expect(own.client).to.equal(bob);
        expect(alice.transport.state).to.equal('open');
        conn.remove();
        await new Promise((r) => setTimeout(r, 0));
        expect(alice2.transport.state).to.equal('open');
      } finally {
        close2();
      }
    } finally {
      close();
    }
  });

  it('carries a whole video call over a BroadcastChannel, found through the connection, answered by auto-answer', async () => {
    const channel = channelName();
    const root = await fixture<HTMLDivElement>(html`<div>
      <jsongle-connection transport="broadcast-channel" channel=${channel} user="alice">
        <jsongle-call id="a" to="bob" media="video"></jsongle-call>
      </jsongle-connection>
      <jsongle-connection transport="broadcast-channel" channel=${channel} user="bob">
        <jsongle-call id="b" auto-answer></jsongle-call>
      </jsongle-connection>
    </div>`);
    const a = root.querySelector<JsongleCall>('#a')!;
    const b = root.querySelector<JsongleCall>('#b')!;
    expect(a.client!.transport.name).to.equal('broadcast-channel');
    const incoming = nextEvent(b, 'jsongle-incoming-call');
    const started = performance.now();
    a.call();
    expect((await incoming).detail.from).to.equal('alice');
    const active = (el: JsongleCall) => until(() => el.state === 'active' && el.currentCall?.reason === 'is-active-both-side', 10000, `<${el.id}> active`);
    await Promise.all([active(a), active(b)]);
    console.log(`[measure] BroadcastChannel <jsongle-call>: call() → both active in ${Math.round(performance.now() - started)} ms (auto-answer)`);
    for (const el of [a, b]) {
      await until(async () => { const r = await received(el.mediaSession!.pc); return r.framesDecoded > 0 && r.audioPackets > 0; }, 10000, `media at <${el.id}>`);
    }
    const tracks = [a.localStream!, b.localStream!].flatMap((s) => s.getTracks());
    const endA = nextEvent(a, 'jsongle-call-end');
    const endB = nextEvent(b, 'jsongle-call-end');
    a.hangup();
    const [ea, eb] = await Promise.all([endA, endB]);
    expect(ea.detail.reason).to.equal('terminated');
    expect(eb.detail.reason).to.equal('terminated');
    expect(eb.detail.ticket!.metrics.route).to.equal('host');
    expect(eb.detail.ticket!.metrics.mos).to.be.a('number');
    expect(tracks.every((t) => t.readyState === 'ended')).to.equal(true);
  });
});

describe('<jsongle-connection> over the network transports', () => {
  it('opens a WebSocket client for `url` and reconnects by itself while the server is away', async () => {
    // Nothing listens on port 9: the transport fails and retries with backoff, on its own.
    const el = await fixture<JsongleConnection>(html`<jsongle-connection url="ws://127.0.0.1:9/" token="t0k" user="alice"></jsongle-connection>`);
    const client = el.client!;
    expect(client.transport.name).to.equal('websocket');
    await until(() => el.state === 'reconnecting', 5000, 'reconnecting');
    await el.updateComplete;
    expect(part(el, 'status-text')!.textContent).to.equal('Reconnecting…');
    expect(el.client).to.equal(client); // the transport retries; the element keeps its client
    el.remove();
    await until(() => client.transport.state === 'closed', 1000, 'closed on removal');
  });

  it('reports what is missing or wrong as jsongle-error', async () => {
    const errors: string[] = [];
    const listener = (e: Event) => errors.push((e as CustomEvent).detail.error.message);
    document.addEventListener('jsongle-error', listener);
    try {
      const io = await fixture<JsongleConnection>(html`<jsongle-connection transport="socket.io" url="http://127.0.0.1:9/" user="alice"></jsongle-connection>`);
      expect(io.client).to.equal(null);
      expect(io.state).to.equal('closed');
      expect(errors.at(-1)).to.match(/socket\.io-client/);
      const bad = await fixture<JsongleConnection>(html`<jsongle-connection url="ftp://example.org/" user="alice"></jsongle-connection>`);
      expect(bad.client).to.equal(null);
      expect(errors).to.have.length(2);
    } finally {
      document.removeEventListener('jsongle-error', listener);
    }
  });
});
