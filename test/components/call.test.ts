// <jsongle-call>: two elements in one page calling each other with real WebRTC (fake devices).
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { registerTranslation } from '../../components/index.ts';
import './french.ts';
import type { JsongleCall } from '../../components/call/call.ts';
import { callOutcome } from '../../src/chat/conversation.ts';
import {
  action, callMessage, clientPair, nextEvent, overrideGetUserMedia, received, refuseCamera, scriptedPeer, until, within,
} from '../media/helpers.ts';

const part = (el: HTMLElement, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
const text = (el: HTMLElement, name: string) => part(el, name)?.textContent?.trim() ?? '';
const click = (el: HTMLElement, name: string) => {
  const button = part(el, name);
  if (!button) throw new Error(`no [part=${name}] in <${el.localName}>`);
  button.click();
};
const states = (el: HTMLElement) => {
  const seen: string[] = [];
  el.addEventListener('jsongle-call-change', (e) => seen.push(e.detail.state));
  return seen;
};
/** Ends whatever is left and closes the clients, so one test never leaks into the next. */
const cleanups: (() => void)[] = [];
afterEach(() => { for (const c of cleanups.splice(0)) c(); });

async function twoCalls(mediaA: 'audio' | 'video' = 'video') {
  const { alice, bob, close } = clientPair();
  cleanups.push(close);
  const root = await fixture<HTMLDivElement>(html`
    <div>
      <jsongle-call id="a" to="bob" media=${mediaA} .client=${alice}></jsongle-call>
      <jsongle-call id="b" .client=${bob}></jsongle-call>
    </div>`);
  const a = root.querySelector<JsongleCall>('#a')!;
  const b = root.querySelector<JsongleCall>('#b')!;
  await Promise.all([a.updateComplete, b.updateComplete]);
  return { a, b, alice, bob };
}

const active = (el: JsongleCall) => until(() => el.state === 'active' && el.currentCall?.reason === 'is-active-both-side', 10000, `<${el.id}> active`);

describe('<jsongle-call>', () => {
  it('calls, answers, carries audio and video both ways, mutes, hangs up, and releases everything', async () => {
    const { a, b } = await twoCalls('video');
    const seenA = states(a);
    const incoming = nextEvent(b, 'jsongle-incoming-call');
    const started = performance.now();
    a.call();
    const ring = await incoming;
    expect(ring.detail.from).to.equal('alice');
    expect(ring.detail.media).to.equal('video');
    expect(ring.cancelable).to.equal(true);
    await b.updateComplete;
    expect(b.state).to.equal('ringing');
    expect(b.matches(':state(ringing)') && b.matches(':state(incoming)')).to.equal(true);
    expect(a.matches(':state(incoming)')).to.equal(false);
    // The ringing state: who, large; what kind of call; announced at once; focus on Accept.
    expect(text(b, 'name')).to.equal('alice');
    expect(text(b, 'state')).to.equal('Incoming video call');
    expect(text(b, 'alert-region')).to.equal('alice is calling you (video)');
    expect(part(b, 'alert-region')!.getAttribute('aria-live')).to.equal('assertive');
    expect(b.shadowRoot!.activeElement?.getAttribute('part')).to.equal('accept');
    expect(!!part(b, 'accept') && !!part(b, 'decline') && !part(b, 'hangup')).to.equal(true, 'Accept and Decline, no Hang up');
    await expect(b).to.be.accessible();

    const accepted = performance.now();
    click(b, 'accept');
    await Promise.all([active(a), active(b)]);
    const now = performance.now();
    console.log(`[measure] <jsongle-call>: call() → both active ${Math.round(now - started)} ms (ringing UI + axe check included); accept → both active ${Math.round(now - accepted)} ms`);
    expect(seenA).to.include.members(['new', 'ringing', 'proceeded', 'offering', 'active']);
    expect(seenA.indexOf('ringing')).to.be.below(seenA.indexOf('active'));

    // B has no media attribute (audio, for the calls it places) yet shows this video call on the
    // fixed video stage: the buttons do not move when the remote resolution changes.
    expect(b.media).to.equal('audio');
    for (const el of [a, b]) expect(getComputedStyle(part(el, 'stage')!).aspectRatio).to.equal('4 / 3');

    // The remote <video> shows B's camera at A and A's at B: frames decoded, audio packets in.
    for (const el of [a, b]) {
      await el.updateComplete;
      const video = part(el, 'remote-video') as HTMLVideoElement;
      expect(video.srcObject).to.equal(el.remoteStream);
      expect((part(el, 'local-video') as HTMLVideoElement).srcObject).to.equal(el.localStream);
      expect((part(el, 'local-video') as HTMLVideoElement).muted).to.equal(true);
      await until(async () => { const r = await received(el.mediaSession!.pc); return r.framesDecoded > 0 && r.audioPackets > 0; }, 10000, `media decoded at <${el.id}>`);
      await until(() => video.videoWidth > 0, 10000, `<${el.id}>'s remote video playing`);
    }
    expect(a.matches(':state(active)') && !a.matches(':state(ringing)')).to.equal(true);
    await until(() => /^\d+:\d\d$/.test(text(a, 'state')), 3000, 'the timer');
    expect(b.shadowRoot!.activeElement?.getAttribute('part')).to.equal('hangup', 'after Accept, focus on Hang up');
    await expect(a).to.be.accessible();

    // Mute on A: A's microphone track is disabled, B shows A as muted.
    const remoteMute = nextEvent(b, 'jsongle-mute-change');
    const localMute = nextEvent(a, 'jsongle-mute-change');
    click(a, 'mute-audio');
    expect(a.localStream!.getAudioTracks()[0].enabled).to.equal(false);
    expect(a.localStream!.getVideoTracks()[0].enabled).to.equal(true);
    expect((await localMute).detail).to.deep.include({ side: 'local', media: 'audio' });
    const change = await remoteMute;
    expect(change.detail.side).to.equal('remote');
    expect(change.detail.remote).to.deep.equal({ audio: true, video: false });
    expect(b.remoteMuted.audio).to.equal(true);
    await Promise.all([a.updateComplete, b.updateComplete]);
    expect(part(a, 'mute-audio')!.getAttribute('aria-pressed')).to.equal('true');
    expect(part(a, 'mute-audio')!.getAttribute('aria-label')).to.equal('Microphone off');
    expect(part(a, 'mute-video')!.getAttribute('aria-label')).to.equal('Camera on');
    expect(text(b, 'remote-muted')).to.equal('Muted');
    expect(text(b, 'live-region')).to.equal('alice muted their microphone');

    // Hang up from B: both end `terminated`, with a ticket carrying route and MOS; tracks stopped.
    const tracks = [a.localStream!, b.localStream!, a.remoteStream!, b.remoteStream!].flatMap((s) => s.getTracks());
    expect(tracks).to.have.length(8);
    const endA = nextEvent(a, 'jsongle-call-end');
    const endB = nextEvent(b, 'jsongle-call-end');
    click(b, 'hangup');
    const [ea, eb] = await Promise.all([endA, endB]);
    for (const [e, el] of [[ea, a], [eb, b]] as const) {
      expect(e.detail.reason).to.equal('terminated');
      expect(e.detail.ticket!.outcome).to.equal('terminated');
      expect(e.detail.ticket!.metrics.route).to.equal('host');
      expect(e.detail.ticket!.metrics.mos).to.be.within(1, 4.5);
      expect(e.detail.ticket!.duration).to.be.above(0);
      expect(el.ticket).to.deep.equal(e.detail.ticket);
      expect(el.state).to.equal('ended');
      await el.updateComplete;
      expect(text(el, 'state')).to.equal('Call ended');
      expect(part(el, 'hangup')).to.equal(null);
      expect(el.localStream).to.equal(null);
    }
    expect(tracks.filter((t) => t.readyState !== 'ended')).to.have.length(0);
    expect(text(a, 'live-region')).to.equal('Call ended');
  });

  it('declines: both sides end `declined`; the callee rang without touching camera or microphone', async () => {
    const { a, b } = await twoCalls('audio');
    // Every getUserMedia of the page, counted: the callee must make none before accepting.
    const original = navigator.mediaDevices.getUserMedia;
    let asked = 0;
    const restore = overrideGetUserMedia((c) => { asked++; return original.call(navigator.mediaDevices, c); });
    try {
      const incoming = nextEvent(b, 'jsongle-incoming-call');
      const started = performance.now();
      await a.call();
      console.log(`[measure] <jsongle-call>: call() → devices open and propose sent ${Math.round(performance.now() - started)} ms`);
      const callerAsked = asked;
      expect(callerAsked, 'the caller opened its devices before proposing').to.equal(1);
      await incoming;
      await until(() => a.state === 'ringing' && b.state === 'ringing', 5000, 'both ringing');
      await new Promise((r) => setTimeout(r, 100)); // time for a wrong getUserMedia to happen
      expect(asked, 'no getUserMedia on the callee while it rings').to.equal(callerAsked);
      expect(b.localStream).to.equal(null);
      const endA = nextEvent(a, 'jsongle-call-end');
      const endB = nextEvent(b, 'jsongle-call-end');
      await b.updateComplete;
      click(b, 'decline');
      const [ea, eb] = await Promise.all([endA, endB]);
      expect(ea.detail.reason).to.equal('declined');
      expect(eb.detail.reason).to.equal('declined');
      expect(ea.detail.ticket!.outcome).to.equal('declined');
      await Promise.all([a.updateComplete, b.updateComplete]);
      expect(text(a, 'state')).to.equal('Call declined');
      expect(text(b, 'state')).to.equal('Call declined');
      expect(part(b, 'accept')).to.equal(null);
      expect(asked).to.equal(callerAsked);
    } finally {
      restore();
    }
  });

  it('ring-timeout: nobody answers, the caller retracts with reason timeout; "no answer" and "missed call"', async () => {
    const { a, b } = await twoCalls('audio');
    a.setAttribute('ring-timeout', '1');
    const incoming = nextEvent(b, 'jsongle-incoming-call');
    const endA = nextEvent(a, 'jsongle-call-end');
    const endB = nextEvent(b, 'jsongle-call-end');
    await a.call();
    await incoming;
    const [ea, eb] = await Promise.all([endA, endB]);
    expect(ea.detail.ticket!.endedReason).to.equal('timeout');
    expect(eb.detail.ticket!.endedReason).to.equal('timeout');
    await Promise.all([a.updateComplete, b.updateComplete]);
    expect(text(a, 'state')).to.equal('No answer from bob');
    expect(text(b, 'state')).to.equal('Missed call from alice');
    b.lang = 'fr';
    await b.updateComplete;
    expect(text(b, 'state')).to.equal('Appel manqué de alice');
  });

  it('retracts while ringing: the callee stops ringing, both end `retracted`', async () => {
    const { a, b } = await twoCalls('audio');
    const incoming = nextEvent(b, 'jsongle-incoming-call');
    a.call();
    await incoming;
    await until(() => a.state === 'ringing', 5000, 'a ringing');
    await a.updateComplete;
    expect(text(a, 'state')).to.equal('Ringing…');
    expect(text(a, 'name')).to.equal('bob');
    const endB = nextEvent(b, 'jsongle-call-end');
    const endA = nextEvent(a, 'jsongle-call-end');
    click(a, 'hangup');
    const [ea, eb] = await Promise.all([endA, endB]);
    expect(ea.detail.reason).to.equal('retracted');
    expect(eb.detail.reason).to.equal('retracted');
    await b.updateComplete;
    expect(part(b, 'accept')).to.equal(null);
    expect(part(b, 'decline')).to.equal(null);
    expect(text(b, 'state')).to.equal('Call cancelled');
    expect(text(b, 'live-region')).to.equal('Call cancelled');
  });

  it('shows `unreachable` when the server says nobody can take the call', async () => {
    const peer = scriptedPeer('alice');
    cleanups.push(() => peer.client.close());
    const a = await fixture<JsongleCall>(html`<jsongle-call to="nobody" media="video" .client=${peer.client}></jsongle-call>`);
    const seen = states(a);
    const end = nextEvent(a, 'jsongle-call-end');
    a.call();
    const propose = await peer.sentWhere(action('session-propose'));
    await until(() => a.localStream, 5000, 'devices open');
    const tracks = a.localStream!.getTracks();
    peer.push(callMessage('server', 'alice', propose.jsongle.sid, 'session-info', { ended: new Date().toISOString() }, 'unreachable',
      { initiator: 'alice', responder: 'nobody' }));
    const e = await end;
    expect(e.detail.reason).to.equal('unreachable');
    expect(e.detail.ticket!.endedBy).to.equal('server');
    expect(seen).to.deep.equal(['new', 'ended']);
    await a.updateComplete;
    expect(text(a, 'state')).to.equal('nobody cannot be reached');
    expect(tracks.every((t) => t.readyState === 'ended')).to.equal(true);
  });

  it('camera refused as caller: nothing is proposed, and the element says which device and why', async () => {
    const restore = overrideGetUserMedia(refuseCamera(navigator.mediaDevices.getUserMedia));
    try {
      const peer = scriptedPeer('alice');
      cleanups.push(() => peer.client.close());
      const a = await fixture<JsongleCall>(html`<jsongle-call to="bob" media="video" .client=${peer.client}></jsongle-call>`);
      const error = nextEvent(a, 'jsongle-error');
      let rejected: any = null;
      await a.call().catch((e) => { rejected = e; });
      const err = (await error).detail.error;
      expect(rejected).to.equal(err);
      expect(err.code).to.equal('media');
      expect(err.detail).to.include({ device: 'camera', reason: 'denied' });
      expect(peer.sent.filter((m) => m.jsongle.sid), 'no call message at all').to.deep.equal([]);
      expect(peer.client.currentCall).to.equal(null);
      await a.updateComplete;
      expect(a.state).to.equal('idle');
      expect(text(a, 'error')).to.equal('Access to the camera was refused.');
      expect(part(a, 'error')!.getAttribute('role')).to.equal('alert');
      await expect(a).to.be.accessible();
    } finally {
      restore();
    }
  });

  it('camera refused as callee on a video call: the call goes on with audio only, and both sides are told', async () => {
    const { a, b } = await twoCalls('video');
    b.lang = 'fr';
    const restoreAfterPropose = () => overrideGetUserMedia(refuseCamera(navigator.mediaDevices.getUserMedia));
    const incoming = nextEvent(b, 'jsongle-incoming-call');
    await a.call();
    await incoming;
    const restore = restoreAfterPropose(); // the callee's camera is refused, not the caller's
    try {
      const error = nextEvent(b, 'jsongle-error');
      await b.updateComplete;
      click(b, 'accept');
      expect((await error).detail.error.detail).to.include({ device: 'camera', reason: 'denied' });
      await Promise.all([active(a), active(b)]);
      expect(b.localStream!.getTracks().map((t) => t.kind)).to.deep.equal(['audio']);
      await until(() => a.remoteMuted.video, 5000, 'the caller told that the camera is off');
      expect(b.localMuted.video).to.equal(true);
      await Promise.all([a.updateComplete, b.updateComplete]);
      expect(text(a, 'remote-muted')).to.equal('Camera off');
      expect(text(b, 'error')).to.equal('Accès refusé : caméra.');
      expect(b.state).to.equal('active');
      const end = nextEvent(b, 'jsongle-call-end');
      a.hangup();
      await end;
    } finally {
      restore();
    }
  });

  it('microphone refused as callee: declined with media-error, and both sides say it could not be answered', async () => {
    const { a, b } = await twoCalls('audio');
    const incoming = nextEvent(b, 'jsongle-incoming-call');
    await a.call();
    await incoming;
    const restore = overrideGetUserMedia(() => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')));
    try {
      const endA = nextEvent(a, 'jsongle-call-end');
      const endB = nextEvent(b, 'jsongle-call-end');
      await b.updateComplete;
      click(b, 'accept');
      const [ea, eb] = await Promise.all([endA, endB]);
      expect(ea.detail.ticket!.endedReason).to.equal('media-error');
      expect(eb.detail.ticket!.endedReason).to.equal('media-error');
      await Promise.all([a.updateComplete, b.updateComplete]);
      expect(text(a, 'state')).to.equal('bob could not answer (microphone unavailable)');
      expect(text(b, 'state')).to.equal('You could not answer (microphone unavailable)');
      expect(text(b, 'error')).to.equal('Access to the microphone was refused.');
    } finally {
      restore();
    }
  });

  /** The callee's getUserMedia, held until the test settles it (installed after the caller's devices are open). */
  function holdGetUserMedia() {
    const original = navigator.mediaDevices.getUserMedia;
    let settle!: (refused: 'nothing' | 'all' | 'camera') => void;
    const held = new Promise<'nothing' | 'all' | 'camera'>((resolve) => (settle = resolve));
    const restore = overrideGetUserMedia(async (c) => {
      const refused = await held;
      if (refused === 'all' || (refused === 'camera' && c?.video)) throw new DOMException('Permission denied', 'NotAllowedError');
      return original.call(navigator.mediaDevices, c);
    });
    return { release: () => settle('nothing'), refuse: (what: 'all' | 'camera' = 'all') => settle(what), restore };
  }

  /**
   * A call from A ringing on B, B's getUserMedia then held (holdGetUserMedia: restore it in a
   * finally), with B's states seen since before it rang.
   */
  async function ringingWithDevicesHeld(media: 'audio' | 'video') {
    const calls = await twoCalls(media);
    const seenB = states(calls.b);
    const incoming = nextEvent(calls.b, 'jsongle-incoming-call');
    await calls.a.call();
    await incoming;
    return { ...calls, seenB, devices: holdGetUserMedia() };
  }

  it('Accept: the proceed leaves at once and the answer is made while the devices open; their tracks join it without renegotiation', async () => {
    const { a, b, devices } = await ringingWithDevicesHeld('video');
    try {
      await b.updateComplete;
      click(b, 'accept');
      await until(() => a.currentCall?.state === 'offering', 5000, 'the caller proceeded and offered');
      // The callee's answer is made (and gathers) while its devices open, and sent once they are.
      await until(() => b.mediaSession?.pc.localDescription?.type === 'answer', 5000, 'the answer made');
      expect(b.localStream, 'the devices are still opening').to.equal(null);
      expect(a.currentCall!.times.offered, 'no answer sent before the devices are open').to.equal(undefined);
      devices.release();
      await Promise.all([active(a), active(b)]);
      // B's camera and microphone on the transceivers answered before they opened: no third one, no new offer.
      const pc = b.mediaSession!.pc;
      expect(pc.getTransceivers().map((t) => [t.receiver.track.kind, t.sender.track?.kind, t.currentDirection])).to.deep.equal([['audio', 'audio', 'sendrecv'], ['video', 'video', 'sendrecv']]);
      await until(async () => { const r = await received(a.mediaSession!.pc); return r.framesDecoded > 0 && r.audioPackets > 0; }, 10000, 'B\'s media decoded at A');
      const end = nextEvent(b, 'jsongle-call-end');
      a.hangup();
      await end;
    } finally {
      devices.restore();
    }
  });

  it('microphone refused after the proceed: ended with media-error on both sides, as a refusal on Accept was, never answered', async () => {
    const { a, b, seenB, devices } = await ringingWithDevicesHeld('audio');
    try {
      const endA = nextEvent(a, 'jsongle-call-end');
      const endB = nextEvent(b, 'jsongle-call-end');
      await b.updateComplete;
      click(b, 'accept');
      await until(() => b.mediaSession?.pc.localDescription?.type === 'answer', 5000, 'the answer made');
      expect(a.currentCall!.state).to.equal('offering');
      devices.refuse();
      const [ea, eb] = await Promise.all([endA, endB]);
      for (const e of [ea, eb]) {
        expect(e.detail.ticket!.endedReason).to.equal('media-error');
        expect(e.detail.ticket!.activeAt, 'never active').to.equal(undefined);
        expect(callOutcome(e.detail.ticket!), 'the conversation line').to.equal('media-error');
      }
      // The proceed had left: the callee ends it with a terminate (a decline is for a ringing call).
      expect(eb.detail.ticket!.outcome).to.equal('terminated');
      expect(seenB).to.deep.equal(['ringing', 'proceeded', 'offering', 'ended']);
      await Promise.all([a.updateComplete, b.updateComplete]);
      expect(text(a, 'state')).to.equal('bob could not answer (microphone unavailable)');
      expect(text(b, 'state')).to.equal('You could not answer (microphone unavailable)');
      expect(text(b, 'error')).to.equal('Access to the microphone was refused.');
    } finally {
      devices.restore();
    }
  });

  it('camera refused after the proceed: the call goes on with audio only, on the transceiver answered before, and the peer is told', async () => {
    const { a, b, devices } = await ringingWithDevicesHeld('video');
    try {
      await b.updateComplete;
      click(b, 'accept');
      await until(() => b.mediaSession?.pc.localDescription?.type === 'answer', 5000, 'the answer made');
      const error = nextEvent(b, 'jsongle-error');
      devices.refuse('camera');
      expect((await error).detail.error.detail).to.include({ device: 'camera', reason: 'denied' });
      await Promise.all([active(a), active(b)]);
      expect(b.localStream!.getTracks().map((t) => t.kind)).to.deep.equal(['audio']);
      await until(() => a.remoteMuted.video, 5000, 'the caller told that the camera is off');
      await until(async () => (await received(a.mediaSession!.pc)).audioPackets > 0, 10000, 'B\'s microphone heard at A');
      await a.updateComplete;
      expect(text(a, 'remote-muted')).to.equal('Camera off');
      const end = nextEvent(b, 'jsongle-call-end');
      a.hangup();
      await end;
    } finally {
      devices.restore();
    }
  });

  it('leaves the call to the page when jsongle-incoming-call is cancelled', async () => {
    const { a, b, bob } = await twoCalls('audio');
    b.addEventListener('jsongle-incoming-call', (e) => e.preventDefault(), { once: true });
    const ringing = until(() => bob.currentCall?.state === 'ringing', 5000, 'bob ringing');
    a.call();
    await ringing;
    await new Promise((r) => setTimeout(r, 100)); // let a media session start, if one wrongly would
    await b.updateComplete;
    expect(b.state).to.equal('idle');
    expect(b.currentCall).to.equal(null);
    expect(b.localStream).to.equal(null);
    expect(part(b, 'accept')).to.equal(null);
    const end = nextEvent(a, 'jsongle-call-end');
    bob.decline(); // the page's own handling
    expect((await end).detail.reason).to.equal('declined');
  });

  it('is operable from the keyboard and announces state changes', async () => {
    const { a, b } = await twoCalls('audio');
    await expect(a).to.be.accessible();
    expect(text(a, 'start')).to.equal('Call bob');
    part(a, 'start')!.focus();
    const incoming = nextEvent(b, 'jsongle-incoming-call');
    await sendKeys({ press: 'Enter' });
    await incoming;
    await b.updateComplete;
    // An incoming call is announced assertively, and focus is on Accept without a key pressed.
    expect(text(b, 'alert-region')).to.equal('alice is calling you');
    expect(part(b, 'alert-region')!.getAttribute('role')).to.equal('alert');
    expect(part(b, 'live-region')!.getAttribute('role')).to.equal('status');
    const accept = part(b, 'accept') as HTMLButtonElement;
    expect(accept.localName).to.equal('button');
    expect(document.activeElement === b && b.shadowRoot!.activeElement === accept).to.equal(true, 'focus on Accept');
    await sendKeys({ press: 'Space' });
    await Promise.all([active(a), active(b)]);
    await Promise.all([a.updateComplete, b.updateComplete]);
    expect(text(a, 'live-region')).to.equal('In call with bob');
    for (const name of ['mute-audio', 'hangup']) {
      const button = part(a, name) as HTMLButtonElement;
      expect(button.localName).to.equal('button');
      expect(button.textContent!.trim()).to.not.equal('');
    }
    expect(b.shadowRoot!.activeElement?.getAttribute('part')).to.equal('hangup', 'after Accept, focus on Hang up');
    part(a, 'mute-audio')!.focus();
    await sendKeys({ press: 'Enter' });
    expect(a.localMuted.audio).to.equal(true);
    await a.updateComplete;
    expect(a.shadowRoot!.activeElement?.getAttribute('part')).to.equal('mute-audio', 'the toggle keeps the focus');
    await expect(a).to.be.accessible();
    await expect(b).to.be.accessible();
    const end = nextEvent(b, 'jsongle-call-end');
    part(a, 'hangup')!.focus();
    await sendKeys({ press: 'Enter' });
    expect((await end).detail.reason).to.equal('terminated');
    await until(() => a.state === 'ended', 5000, 'a ended');
    await a.updateComplete;
    expect(document.activeElement === a && a.shadowRoot!.activeElement === part(a, 'start')).to.equal(true, 'after Hang up, focus on the main action');
    await expect(a).to.be.accessible();
  });

  it('answers by itself with auto-answer, and hides its buttons with without-controls', async () => {
    const { alice, bob, close } = clientPair();
    cleanups.push(close);
    const root = await fixture<HTMLDivElement>(html`<div>
      <jsongle-call id="a" .client=${alice}></jsongle-call>
      <jsongle-call id="b" auto-answer without-controls .client=${bob}><button slot="controls">Mine</button></jsongle-call>
    </div>`);
    const [a, b] = [root.querySelector<JsongleCall>('#a')!, root.querySelector<JsongleCall>('#b')!];
    a.call('bob', 'audio');
    await Promise.all([active(a), active(b)]);
    await b.updateComplete;
    expect(b.shadowRoot!.querySelectorAll('button')).to.have.length(0);
    expect(b.shadowRoot!.querySelector<HTMLSlotElement>('slot[name=controls]')!.assignedElements()[0].textContent).to.equal('Mine');
    expect(part(a, 'hangup')).to.exist;
    const end = nextEvent(a, 'jsongle-call-end');
    b.hangup();
    expect((await end).detail.reason).to.equal('terminated');
  });

  it('passes its ice-servers, device and constraint settings to the media session', async () => {
    const peer = scriptedPeer('alice');
    cleanups.push(() => peer.client.close());
    const cams = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput' && d.deviceId);
    const el = await fixture<JsongleCall>(html`<jsongle-call to="bob" media="video" .client=${peer.client}
      ice-servers='[{"urls":"turn:127.0.0.1:9","username":"u","credential":"p"}]'
      video-input=${cams[0]?.deviceId ?? ''} .constraints=${{ video: { width: 320, height: 240 } }}></jsongle-call>`);
    expect(el.iceServers).to.deep.equal([{ urls: 'turn:127.0.0.1:9', username: 'u', credential: 'p' }]);
    el.call();
    const stream = await until(() => el.localStream, 5000, 'devices open');
    const server = el.mediaSession!.pc.getConfiguration().iceServers![0];
    expect([[server.urls].flat()[0], server.username, server.credential]).to.deep.equal(['turn:127.0.0.1:9', 'u', 'p']);
    const settings = stream.getVideoTracks()[0].getSettings();
    expect([settings.width, settings.height]).to.deep.equal([320, 240]);
    if (cams[0]) expect(settings.deviceId).to.equal(cams[0].deviceId);
    const end = nextEvent(el, 'jsongle-call-end');
    el.hangup();
    expect((await end).detail.reason).to.equal('retracted');
  });

  it('moves a call in progress to another microphone, keeping its mute state; a missing device keeps the old one', async () => {
    const mics = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audioinput' && d.deviceId && d.deviceId !== 'default');
    expect(mics.length, 'the fake devices include two microphones').to.be.greaterThan(1);
    const { a, b } = await twoCalls('audio');
    a.audioInput = mics[0].deviceId;
    await a.updateComplete;
    b.autoAnswer = true;
    a.call();
    await Promise.all([active(a), active(b)]);
    const sender = () => a.mediaSession!.pc.getSenders().find((s) => s.track?.kind === 'audio')!;
    const first = sender().track!;
    expect(first.getSettings().deviceId).to.equal(mics[0].deviceId);
    a.toggleAudio(); // muted before the switch: still muted after it

    a.audioInput = mics[1].deviceId;
    await until(() => sender().track !== first, 5000, 'the sender carries the new microphone');
    const second = sender().track!;
    expect(second.getSettings().deviceId).to.equal(mics[1].deviceId);
    expect(second.enabled).to.equal(false);
    expect(first.readyState).to.equal('ended');
    expect(a.localStream!.getAudioTracks()).to.deep.equal([second]);
    expect(a.state).to.equal('active');
    a.toggleAudio();
    const before = (await received(b.mediaSession!.pc)).audioPackets;
    await until(async () => (await received(b.mediaSession!.pc)).audioPackets > before + 10, 5000, 'audio from the new microphone reaches bob');

    const error = nextEvent(a, 'jsongle-error');
    a.audioInput = 'no-such-microphone';
    expect((await error).detail.error.detail).to.include({ device: 'microphone', reason: 'overconstrained' });
    expect(sender().track).to.equal(second);
    expect(second.readyState).to.equal('live');
    expect(a.state).to.equal('active');
    a.hangup();
  });

  it('speaks English for a language it has no table for, and re-renders when one is registered', async () => {
    const { alice, close } = clientPair();
    cleanups.push(close);
    const el = await fixture<JsongleCall>(html`<jsongle-call lang="de-AT" to="bob" .client=${alice}></jsongle-call>`);
    expect(text(el, 'state')).to.equal('No call');
    registerTranslation('de', { 'call.idle': 'Kein Anruf' });
    await el.updateComplete;
    expect(text(el, 'state')).to.equal('Kein Anruf');
    expect(text(el, 'start')).to.equal('Call bob'); // a key the table lacks: English
  });

  it('speaks French with lang="fr"', async () => {
    const { alice, close } = clientPair();
    cleanups.push(close);
    const el = await fixture<JsongleCall>(html`<jsongle-call lang="fr" to="bob" .client=${alice}></jsongle-call>`);
    expect(text(el, 'state')).to.equal('Aucun appel');
    expect(text(el, 'start')).to.equal('Appeler bob');
    el.setAttribute('lang', 'en');
    await el.updateComplete;
    expect(text(el, 'state')).to.equal('No call');
  });

  it('throws a clear error when it has no client', async () => {
    const el = await fixture<JsongleCall>(html`<jsongle-call to="bob"></jsongle-call>`);
    expect(() => el.call()).to.throw(/No JSONgle client/);
    expect(part(el, 'start')).to.equal(null);
  });

  it('ends its call when it is removed from the page', async () => {
    const { a, b } = await twoCalls('audio');
    const incoming = nextEvent(b, 'jsongle-incoming-call');
    a.call();
    await incoming;
    await until(() => a.localStream, 5000, 'devices open');
    const tracks = a.localStream!.getTracks();
    const end = nextEvent(b, 'jsongle-call-end');
    a.remove();
    expect((await end).detail.reason).to.equal('retracted');
    await until(() => tracks.every((t) => t.readyState === 'ended'), 3000, 'tracks stopped');
  });

  it('takes only the calls it places when several call elements share one client', async () => {
    const { alice, bob, close } = clientPair();
    cleanups.push(close);
    const root = await fixture<HTMLDivElement>(html`
      <div>
        <jsongle-call id="a1" to="bob" .client=${alice}></jsongle-call>
        <jsongle-call id="a2" to="bob" .client=${alice}></jsongle-call>
        <jsongle-call id="b" auto-answer .client=${bob}></jsongle-call>
      </div>`);
    const [a1, a2, b] = ['#a1', '#a2', '#b'].map((id) => root.querySelector<JsongleCall>(id)!);
    a2.call();
    await until(() => a2.state === 'active' && b.state === 'active', 10000, 'a2 and b active');
    expect(a1.state).to.equal('idle');
    expect(a1.currentCall).to.equal(null);
    expect(a1.localStream).to.equal(null);
    a2.hangup();
    await until(() => b.state === 'ended', 5000, 'b ended');
    // A call placed by the page itself (client.call()) is shown by every call element of the client.
    alice.call('bob');
    await until(() => a1.state === 'active' && a2.state === 'active', 10000, 'both elements show the page-placed call');
    expect(a1.currentCall).to.equal(a2.currentCall);
    a1.hangup();
    await until(() => b.state === 'ended' && a2.state === 'ended', 5000, 'all ended');
  });
});
