// Issue 14 in the browser, real WebRTC between two <jsongle-call> elements of one page: adding video
// to an audio call (perfect negotiation, both sides at once too), screen share where the browser
// can, the live quality indicator, ice-servers from <jsongle-connection>, and a call whose peer
// cannot renegotiate (no mid-call offers, no buttons for them).
import { expect, fixture, html } from '@open-wc/testing';
import '../../components/index.ts';
import type { JsongleCall } from '../../components/call/call.ts';
import type { JsongleConnection } from '../../components/connection/connection.ts';
import { clientPair, nextEvent, received, until } from '../media/helpers.ts';

const part = (el: HTMLElement, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
const cleanups: (() => void)[] = [];
afterEach(() => { for (const c of cleanups.splice(0)) c(); });

async function twoCalls(bobFeatures?: string[]) {
  const { alice, bob, close } = clientPair(bobFeatures);
  cleanups.push(close);
  const root = await fixture<HTMLDivElement>(html`
    <div>
      <jsongle-call id="a" to="bob" media="audio" .client=${alice}></jsongle-call>
      <jsongle-call id="b" auto-answer .client=${bob}></jsongle-call>
    </div>`);
  const a = root.querySelector<JsongleCall>('#a')!;
  const b = root.querySelector<JsongleCall>('#b')!;
  cleanups.push(() => { a.hangup(); });
  await Promise.all([a.updateComplete, b.updateComplete]);
  a.call();
  await Promise.all([a, b].map((el) => until(() => el.state === 'active' && el.currentCall?.reason === 'is-active-both-side' && el.mediaSession?.connectionState === 'connected', 10000, `<${el.id}> active`)));
  return { a, b, alice, bob };
}

const videoFrames = async (el: JsongleCall) => (await received(el.mediaSession!.pc)).framesDecoded;

describe('<jsongle-call> media changes mid-call (issue 14)', () => {
  it('addVideo(): an audio call gains the camera, the peer decodes it and shows a video; jsongle-media-change on both sides', async () => {
    const { a, b, alice } = await twoCalls();
    await a.updateComplete;
    expect(part(a, 'add-video'), 'the add-video button').to.exist;
    expect(part(b, 'remote-video')).to.equal(null);
    const sent: string[] = [];
    alice.on('offerreceived', (d) => sent.push(d.type));
    const remoteChange = nextEvent(b, 'jsongle-media-change', 10000, (e) => e.detail.remote.video);
    const localChange = nextEvent(a, 'jsongle-media-change', 10000, (e) => e.detail.local.video);
    const started = performance.now();
    part(a, 'add-video')!.click();
    expect((await localChange).detail).to.deep.equal({ local: { audio: true, video: true, screen: false }, remote: { audio: true, video: false } });
    expect((await remoteChange).detail.remote).to.deep.equal({ audio: true, video: true });
    await until(async () => (await videoFrames(b)) > 0, 10000, 'bob decodes alice\'s video');
    await b.updateComplete;
    const video = part(b, 'remote-video') as HTMLVideoElement;
    expect(video, 'bob shows a remote video').to.exist;
    await until(() => video.videoWidth > 0, 10000, 'the remote video plays');
    console.log(`[measure] addVideo() → remote video decoded and shown: ${Math.round(performance.now() - started)} ms`);
    expect(sent).to.deep.equal(['answer']); // one offer from alice, bob's answer: the call stayed active
    expect(a.state).to.equal('active');
    expect(b.state).to.equal('active');
    await a.updateComplete;
    expect(part(a, 'add-video')).to.equal(null);
    expect(part(a, 'local-video')).to.exist;
    // The added camera can be turned off again; the peer is told.
    const told = nextEvent(b, 'jsongle-mute-change', 5000, (e) => e.detail.side === 'remote' && e.detail.remote.video);
    part(a, 'mute-video')!.click();
    await told;
    expect(a.localStream!.getVideoTracks()[0].enabled).to.equal(false);
    expect(b.remoteMuted.video).to.equal(true);
  });

  it('both sides add video at once (glare): perfect negotiation settles it, each decodes the other, no error', async () => {
    const { a, b } = await twoCalls();
    const errors: unknown[] = [];
    for (const el of [a, b]) el.addEventListener('jsongle-error', (e) => errors.push(e.detail.error.message));
    await Promise.all([a.addVideo(), b.addVideo()]);
    await until(async () => (await videoFrames(a)) > 0 && (await videoFrames(b)) > 0, 15000, 'both decode video');
    expect(a.mediaSession!.pc.signalingState).to.equal('stable');
    expect(errors).to.deep.equal([]);
    expect(a.mediaSession!.media.remote.video && b.mediaSession!.media.remote.video).to.equal(true);
  });

  it('shareScreen() where the browser can (else the button is hidden), stopScreenShare() brings the camera back', async function () {
    const { a, b } = await twoCalls();
    await a.addVideo();
    await until(async () => (await videoFrames(b)) > 0, 10000, 'bob decodes alice\'s camera');
    await a.updateComplete;
    if (typeof navigator.mediaDevices.getDisplayMedia !== 'function') {
      expect(part(a, 'share-screen')).to.equal(null);
      return;
    }
    expect(part(a, 'share-screen')).to.exist;
    const camera = a.localStream!.getVideoTracks()[0];
    try {
      await a.shareScreen();
    } catch (e) {
      // Headless Chromium without a picker refuses getDisplayMedia: the error says so, the call goes on.
      expect((e as any).code).to.equal('media');
      expect(a.state).to.equal('active');
      console.log(`[measure] getDisplayMedia refused here: ${(e as Error).message}`);
      return;
    }
    console.log('[measure] getDisplayMedia granted (fake screen)');
    await a.updateComplete;
    expect(a.matches(':state(sharing-screen)')).to.equal(true);
    expect(part(a, 'stop-screen-share')).to.exist;
    expect(a.mediaSession!.pc.getSenders().some((s) => s.track && s.track !== camera && s.track.kind === 'video')).to.equal(true);
    await a.stopScreenShare();
    expect(a.mediaSession!.pc.getSenders().some((s) => s.track === camera)).to.equal(true);
    expect(a.mediaSession!.media.local.screen).to.equal(false);
  });

  it('shows 1–5 quality bars with a text label, fires jsongle-quality-change, and stops polling getStats at the end', async () => {
    const { a, b } = await twoCalls();
    const change = await nextEvent(a, 'jsongle-quality-change', 10000);
    const d = change.detail;
    expect(d.bars).to.be.within(1, 5);
    expect(d.route).to.equal('host');
    for (const k of ['mos', 'rtt', 'jitter', 'packetLoss'] as const) expect(d[k]).to.be.a('number');
    await until(() => a.mediaSession?.quality && a.mediaSession.quality.bars === 5, 10000, 'five bars on a clean loopback call');
    console.log(`[measure] quality on a clean loopback call: MOS ${a.mediaSession!.quality!.mos}, ${a.mediaSession!.quality!.bars} bars, rtt ${a.mediaSession!.quality!.rtt.toFixed(1)} ms`);
    await a.updateComplete;
    const quality = part(a, 'quality')!;
    expect(quality.getAttribute('role')).to.equal('img');
    expect(quality.getAttribute('aria-label')).to.equal('Call quality: 5 of 5');
    expect(quality.querySelectorAll('.lit').length).to.equal(5);
    await expect(a).to.be.accessible();
    // Polled at most once a second, and not after the end.
    const pc = a.mediaSession!.pc;
    let calls = 0;
    const original = pc.getStats.bind(pc);
    (pc as any).getStats = (...args: any[]) => { calls++; return original(...args); };
    await new Promise((r) => setTimeout(r, 2500));
    expect(calls).to.be.within(1, 3);
    const ended = nextEvent(a, 'jsongle-call-end', 5000);
    a.hangup();
    await ended;
    calls = 0;
    await new Promise((r) => setTimeout(r, 1500));
    expect(calls).to.equal(0);
    expect(part(a, 'quality')).to.equal(null);
    void b;
  });

  it('a peer that lists no "renegotiate": no add-video button, addVideo() says why, no mid-call offers', async () => {
    const { a, b, bob } = await twoCalls([]);
    await a.updateComplete;
    expect(part(a, 'add-video')).to.equal(null);
    const offers: string[] = [];
    bob.on('offerreceived', (d) => offers.push(d.type));
    let error: any;
    try { await a.addVideo(); } catch (e) { error = e; }
    expect(error?.code).to.equal('invalid-state');
    expect(error?.message).to.match(/renegotiate/);
    a.mediaSession!.pc.restartIce(); // even a negotiationneeded of its own sends nothing
    await new Promise((r) => setTimeout(r, 500));
    expect(offers).to.deep.equal([]);
    expect(b.state).to.equal('active');
  });
});

describe('<jsongle-connection ice-servers>', () => {
  it('reaches every call inside it; a call\'s own ice-servers wins', async () => {
    const { alice, bob, close } = clientPair();
    cleanups.push(close);
    const servers = [{ urls: 'turn:127.0.0.1:9?transport=udp', username: 'u', credential: 'p' }];
    const root = await fixture<HTMLDivElement>(html`<div>
      <jsongle-connection id="conn" .client=${alice} ice-servers=${JSON.stringify(servers)}>
        <section><jsongle-call id="inside" to="bob"></jsongle-call></section>
      </jsongle-connection>
      <jsongle-call id="b" auto-answer .client=${bob} ice-servers='[{"urls":"stun:127.0.0.1:9"}]'></jsongle-call>
    </div>`);
    const conn = root.querySelector<JsongleConnection>('#conn')!;
    expect(conn.iceServers).to.deep.equal(servers);
    const inside = root.querySelector<JsongleCall>('#inside')!;
    const b = root.querySelector<JsongleCall>('#b')!;
    await inside.updateComplete;
    inside.call();
    await until(() => inside.mediaSession && b.mediaSession, 3000, 'both sessions');
    const urls = (el: JsongleCall) => el.mediaSession!.pc.getConfiguration().iceServers!.map((s) => [s.urls].flat()[0]);
    expect(urls(inside)).to.deep.equal(['turn:127.0.0.1:9?transport=udp']);
    expect(inside.mediaSession!.pc.getConfiguration().iceServers![0].username).to.equal('u');
    expect(urls(b)).to.deep.equal(['stun:127.0.0.1:9']);
    inside.hangup();
  });
});
