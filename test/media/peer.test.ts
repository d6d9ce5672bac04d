// The media session with real RTCPeerConnections and Chromium's fake camera and microphone.
import { expect } from '@open-wc/testing';
import type { Call } from '../../src/call/call.ts';
import type { JsongleError } from '../../src/errors.ts';
import { MediaSession, attachMedia } from '../../src/media/peer.ts';
import {
  action, callMessage, clientPair, nextClientEvent, overrideGetUserMedia, received, refuseCamera, scriptedPeer, until, within,
} from './helpers.ts';

const CALL_EVENTS = ['offerneeded', 'offerreceived', 'candidatereceived', 'callended', 'callmuted', 'callunmuted', 'localcallmuted', 'localcallunmuted', 'callstatechanged'] as const;
const listeners = (client: { listenerCount(e: string): number }) => CALL_EVENTS.reduce((n, e) => n + client.listenerCount(e), 0);

/** Sessions of a client as they are created, and every error they emit (listened to from the start). */
function sessionsOf(client: Parameters<typeof attachMedia>[0]) {
  const list: MediaSession[] = [];
  const errors: JsongleError[] = [];
  const detach = attachMedia(client, {}, (s) => {
    list.push(s);
    s.on('error', (e) => errors.push(e));
  });
  return { list, errors, detach, next: () => until(() => list[0], 3000, 'a media session') };
}

describe('media session', () => {
  it('connects a video call end to end, mutes, and leaves nothing running at the end', async () => {
    const { alice, bob, close } = clientPair();
    const a = sessionsOf(alice);
    const b = sessionsOf(bob);
    const listenersBefore = listeners(alice) + listeners(bob);
    try {
      bob.on('call', () => queueMicrotask(() => bob.proceed()));
      const started = performance.now();
      const call = alice.call('bob', 'video');
      const [sa, sb] = [await a.next(), await b.next()];
      await until(() => call.state === 'active' && call.reason === 'is-active-both-side' && bob.currentCall?.reason === 'is-active-both-side', 10000, 'both sides active');
      console.log(`[measure] media session: call() → both active in ${Math.round(performance.now() - started)} ms`);
      expect(sa.connectionState).to.equal('connected');
      expect(sb.connectionState).to.equal('connected');
      // Media flows both ways: video frames decoded and audio packets received.
      const gotB = await until(async () => { const r = await received(sb.pc); return r.framesDecoded > 0 && r.audioPackets > 0 && r; }, 10000, 'media at bob');
      const gotA = await until(async () => { const r = await received(sa.pc); return r.framesDecoded > 0 && r.audioPackets > 0 && r; }, 10000, 'media at alice');
      expect(gotB.framesDecoded).to.be.above(0);
      expect(gotA.audioPackets).to.be.above(0);
      expect(sb.remoteStream!.getTracks().map((t) => t.kind).sort()).to.deep.equal(['audio', 'video']);

      // Mute: the track is disabled and the peer is told.
      const muted = nextClientEvent(bob, 'callmuted');
      sa.mute('audio');
      const audioA = sa.localStream!.getAudioTracks()[0];
      expect(audioA.enabled).to.equal(false);
      expect(sa.localStream!.getVideoTracks()[0].enabled).to.equal(true);
      expect((await muted)[1]).to.equal('audio');
      expect(sb.remoteMuted).to.deep.equal({ audio: true, video: false });
      const unmuted = nextClientEvent(bob, 'callunmuted');
      expect(sa.toggle('audio')).to.equal(false);
      await unmuted;
      expect(audioA.enabled).to.equal(true);
      expect(sb.remoteMuted.audio).to.equal(false);

      // The end: stats first, then everything released on both sides.
      const tracks = [...sa.localStream!.getTracks(), ...sb.localStream!.getTracks(), ...sa.remoteStream!.getTracks(), ...sb.remoteStream!.getTracks()];
      alice.end();
      const [summaryA, summaryB] = await within(Promise.all([sa.closed, sb.closed]), 5000, 'both sessions closed');
      expect(tracks.every((t) => t.readyState === 'ended')).to.equal(true);
      for (const s of [sa, sb]) {
        expect(s.pc.connectionState).to.equal('closed');
        expect(s.pc.signalingState).to.equal('closed');
        expect(s.isClosed).to.equal(true);
      }
      expect(listeners(alice) + listeners(bob)).to.equal(listenersBefore);
      for (const [summary, client] of [[summaryA, alice], [summaryB, bob]] as const) {
        expect(summary.metrics!.route).to.equal('host');
        expect(summary.metrics!.mos).to.be.within(1, 4.5);
        expect(summary.metrics!.duration).to.be.at.least(0);
        expect(summary.metrics).to.not.have.property('error');
        expect(summary.ticket!.outcome).to.equal('terminated');
        expect(summary.ticket!.metrics).to.deep.equal(summary.metrics);
        expect(client.ticket!.metrics).to.deep.equal(summary.metrics);
      }
    } finally {
      a.detach();
      b.detach();
      close();
    }
  });

  it('opens the caller\'s devices when the call is placed, the callee\'s only when asked (it rings without them)', async () => {
    const { alice, bob, close } = clientPair();
    const a = sessionsOf(alice);
    const b = sessionsOf(bob);
    try {
      const call = alice.call('bob', 'audio');
      const sa = await a.next();
      const sb = await b.next();
      await within(sa.ready, 5000, 'caller devices open');
      expect(bob.currentCall!.state).to.equal('ringing');
      expect(sb.localStream, 'a ringing callee has no devices open').to.equal(null);
      await within(sb.open(), 5000, 'callee devices open');
      // Nobody has answered: the caller is at most ringing, yet both sides have their media attached.
      expect(['new', 'trying', 'ringing']).to.include(call.state);
      for (const s of [sa, sb]) {
        expect(s.localStream!.getAudioTracks()).to.have.length(1);
        expect(s.localStream!.getVideoTracks()).to.have.length(0);
        expect(s.pc.getSenders().map((x) => x.track?.kind)).to.deep.equal(['audio']);
      }
      alice.end();
      await within(Promise.all([sa.closed, sb.closed]), 5000, 'sessions closed');
      expect(sa.localStream!.getTracks()[0].readyState).to.equal('ended');
      expect(sb.localStream!.getTracks()[0].readyState).to.equal('ended');
    } finally {
      a.detach();
      b.detach();
      close();
    }
  });

  it('makes the caller\'s offer and gathers while it rings, and sends them the moment the callee proceeds', async () => {
    const peer = scriptedPeer('alice'); // the test is bob
    const a = sessionsOf(peer.client);
    try {
      const call = peer.client.call('bob', 'audio');
      const session = await a.next();
      const roles = { initiator: 'alice', responder: 'bob' };
      peer.push(callMessage('bob', 'alice', call.id, 'session-info', { rang: new Date().toISOString() }, 'ringing', roles));
      await until(() => call.state === 'ringing', 3000, 'ringing');
      // Nobody has answered, yet the offer is set and its candidates are gathered...
      await until(() => session.pc.signalingState === 'have-local-offer' && session.pc.iceGatheringState === 'complete', 5000, 'the offer made and gathered while ringing');
      // ...and none of it went out: the protocol's order is propose, proceed, then the offer.
      expect(peer.sent.filter((m) => /session-initiate|transport-info/.test(m.jsongle.action))).to.have.length(0);
      expect(call.state).to.equal('ringing');
      peer.push(callMessage('bob', 'alice', call.id, 'session-proceed', { proceeded: new Date().toISOString() }, '', roles));
      const initiate = await peer.sentWhere(action('session-initiate'));
      const ufrag = (sdp: string) => sdp.match(/a=ice-ufrag:(\S+)/)?.[1];
      expect(ufrag(initiate.jsongle.description.offer.sdp), 'the offer made while ringing').to.equal(ufrag(session.pc.localDescription!.sdp));
      await peer.sentWhere(action('transport-info'));
      const after = peer.sent.slice(peer.sent.indexOf(initiate));
      expect(peer.sent.filter((m) => m.jsongle.action === 'transport-info').every((m) => after.includes(m)), 'every candidate after the offer').to.equal(true);
      peer.client.end();
      await within(session.closed, 5000, 'session closed');
    } finally {
      a.detach();
      peer.client.close();
    }
  });

  it('asks for TURN credentials while the call rings, without opening devices or holding back the proceed', async () => {
    const peer = scriptedPeer('bob');
    const b = sessionsOf(peer.client);
    try {
      peer.push({ id: 'h', from: 'sn-1', to: 'prov-1', jsongle: { action: 'iq-get', query: 'session-hello', transaction: 'tx-h', description: { sn: 'sn-1' } } } as any);
      await peer.sentWhere(action('iq-result'));
      peer.push({ id: 'k', from: 'sn-1', to: 'prov-1', jsongle: { action: 'ack', status: 'success', transaction: 'tx-h' } } as any);
      await until(() => peer.client.registered, 3000, 'registered');
      const sid = crypto.randomUUID();
      peer.push(callMessage('alice', 'bob', sid, 'session-propose', { initiated: new Date().toISOString(), media: 'audio' }));
      const session = await b.next();
      const ask = await peer.sentWhere((m) => m.jsongle.action === 'iq-get' && m.jsongle.query === 'turn-credentials');
      expect(peer.client.currentCall!.state).to.equal('ringing');
      expect(session.localStream, 'no device opened for it').to.equal(null);
      const ringing = peer.sent.findIndex(action('session-info', 'ringing'));
      expect(ringing, 'ringing goes first').to.be.within(0, peer.sent.indexOf(ask));
      // Left unanswered: the devices open and the callee proceeds all the same (open() waited for it before).
      await within(session.open(), 2000, 'devices open while the TURN request is unanswered');
      peer.client.proceed();
      await peer.sentWhere(action('session-proceed'));
      const iceServers = [{ urls: 'turn:127.0.0.1:9?transport=udp', username: 'u', credential: 'c' }];
      peer.push({ id: 'r', from: 'sn-1', to: 'bob', jsongle: { action: 'iq-result', query: 'turn-credentials', transaction: ask.jsongle.transaction, description: { iceServers } } } as any);
      await until(() => session.pc.getConfiguration().iceServers?.some((s) => String(s.urls).startsWith('turn:127.0.0.1:9')), 3000, 'the credentials set');
      peer.client.end();
      await within(session.closed, 5000, 'session closed');
    } finally {
      b.detach();
      peer.client.close();
    }
  });

  it('says `localstream` after what awaits ready(): a callee that proceeds then has done so before its preview renders', async () => {
    const peer = scriptedPeer('bob');
    const b = sessionsOf(peer.client);
    try {
      peer.push(callMessage('alice', 'bob', crypto.randomUUID(), 'session-propose', { initiated: new Date().toISOString(), media: 'audio' }));
      const session = await b.next();
      let state = '';
      session.on('localstream', () => { state ||= peer.client.currentCall!.state; });
      // What Accept does (<jsongle-call>.answer()): await the devices, then proceed.
      await session.open();
      peer.client.proceed();
      await until(() => state, 3000, 'localstream');
      expect(state).to.equal('proceeded');
      peer.client.end();
      await within(session.closed, 5000, 'session closed');
    } finally {
      b.detach();
      peer.client.close();
    }
  });

  it('keeps remote candidates that arrive before the offer and adds them once it is set', async () => {
    const peer = scriptedPeer('bob');
    const b = sessionsOf(peer.client);
    // The caller is a bare RTCPeerConnection driven by the test.
    const remote = new RTCPeerConnection();
    const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
    try {
      mic.getTracks().forEach((t) => remote.addTrack(t, mic));
      const candidates: RTCIceCandidateInit[] = [];
      remote.onicecandidate = ({ candidate }) => candidate?.candidate && candidates.push(candidate.toJSON());
      const offer = await remote.createOffer();
      await remote.setLocalDescription(offer);
      await until(() => remote.iceGatheringState === 'complete', 5000, 'gathering');
      expect(candidates.length).to.be.above(0);
      expect(offer.sdp).to.not.include('a=candidate'); // the offer alone does not say where to connect

      const sid = crypto.randomUUID();
      peer.push(callMessage('alice', 'bob', sid, 'session-propose', { initiated: new Date().toISOString(), media: 'audio' }));
      await peer.sentWhere(action('session-info', 'ringing'));
      const session = await b.next();
      peer.client.proceed();
      await peer.sentWhere(action('session-proceed'));
      const roles = { initiator: 'alice', responder: 'bob' };
      // Every candidate first, then the offer.
      for (const c of candidates) peer.push(callMessage('alice', 'bob', sid, 'transport-info', { establishing: new Date().toISOString(), candidate: c }, '', roles));
      await until(() => peer.client.currentCall!.remoteCandidates.length === candidates.length, 3000, 'candidates delivered');
      peer.push(callMessage('alice', 'bob', sid, 'session-initiate', { offering: new Date().toISOString(), offer: { type: 'offer', sdp: offer.sdp } }, '', roles));
      const accept = await peer.sentWhere(action('session-accept'));
      // The caller learns nothing of the callee's candidates: only the early ones can connect the call.
      const answer = String(accept.jsongle.description.answer.sdp).split('\r\n').filter((l) => !l.startsWith('a=candidate')).join('\r\n');
      await remote.setRemoteDescription({ type: 'answer', sdp: answer });
      await until(() => session.connectionState === 'connected', 10000, 'the callee connected with the early candidates');
      await peer.sentWhere(action('session-info', 'active'));
      expect(session.pc.remoteDescription!.sdp.match(/a=candidate/g)?.length ?? 0).to.be.at.least(1);
      peer.client.end();
      await within(session.closed, 5000, 'session closed');
    } finally {
      mic.getTracks().forEach((t) => t.stop());
      remote.close();
      b.detach();
      peer.client.close();
    }
  });

  it('with a peer that cannot renegotiate (no ICE restart): ends the call and labels the ticket `ice-failed` when the media connection fails', async function () {
    this.timeout(45000); // Chromium gives up on a silent peer after about 15 s of consent checks
    const { alice, bob, close } = clientPair([]);
    const a = sessionsOf(alice);
    const b = sessionsOf(bob);
    try {
      bob.on('call', () => queueMicrotask(() => bob.proceed()));
      const call = alice.call('bob', 'audio');
      const [sa, sb] = [await a.next(), await b.next()];
      await until(() => call.state === 'active' && call.reason === 'is-active-both-side', 10000, 'active');
      sb.pc.close(); // bob's side vanishes without a word
      const summary = await within(sa.closed, 40000, "alice's session closed after the failure");
      expect(a.errors.map((e) => e.detail.reason)).to.include('ice-failed');
      expect(call.reason).to.equal('terminated');
      expect(summary.metrics!.error).to.equal('ice-failed');
      expect(alice.ticket!.metrics.error).to.equal('ice-failed');
      expect(sa.localStream!.getTracks().every((t) => t.readyState === 'ended')).to.equal(true);
      await within(sb.closed, 5000, "bob's session closed by the terminate");
    } finally {
      a.detach();
      b.detach();
      close();
    }
  });

  it('between peers that renegotiate: a path that stays broken says "reconnecting", restarts ICE, and ends with connectivity-error', async function () {
    this.timeout(40000);
    const { alice, bob, close } = clientPair();
    const sessions: MediaSession[] = [];
    const errors: JsongleError[] = [];
    const detach = attachMedia(alice, { recovery: { restartAfter: 300, retryEvery: 1000, giveUpAfter: 5000 } }, (s) => {
      sessions.push(s);
      s.on('error', (e) => errors.push(e));
    });
    const b = sessionsOf(bob);
    try {
      bob.on('call', () => queueMicrotask(() => bob.proceed()));
      const call = alice.call('bob', 'audio');
      const sa = await until(() => sessions[0], 3000, 'a media session');
      const sb = await b.next();
      await until(() => call.state === 'active' && call.reason === 'is-active-both-side', 10000, 'active');
      const reconnecting: boolean[] = [];
      sa.on('reconnecting', (on) => reconnecting.push(on));
      const offers: string[] = [];
      bob.on('offerreceived', (d) => offers.push(d.type));
      sb.pc.close(); // bob's side goes silent: no ICE restart can succeed
      const summary = await within(sa.closed, 35000, "alice's session closed after giving up");
      expect(reconnecting).to.deep.equal([true]);
      expect(offers.length, 'restart offers that reached bob').to.be.at.least(1);
      expect(call.restarts).to.be.at.least(1);
      expect(errors.map((e) => e.detail.reason)).to.include('connectivity-error');
      expect(call.cause).to.equal('connectivity-error');
      expect(summary.metrics!.error).to.equal('connectivity-error');
      expect(alice.ticket!.restarts).to.equal(call.restarts);
      await within(sb.closed, 5000, "bob's session closed by the terminate");
      expect(bob.ticket!.endedReason).to.equal('connectivity-error');
    } finally {
      detach();
      b.detach();
      close();
    }
  });

  it('passes ICE servers (TURN with credentials) and media constraints to WebRTC', async () => {
    const peer = scriptedPeer('alice');
    const iceServers = [{ urls: 'stun:127.0.0.1:9' }, { urls: 'turn:127.0.0.1:9?transport=udp', username: 'user', credential: 'secret' }];
    const mics = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audioinput' && d.deviceId && d.deviceId !== 'default');
    const sessions: MediaSession[] = [];
    const detach = attachMedia(peer.client, {
      iceServers,
      rtcConfiguration: { iceTransportPolicy: 'all' },
      constraints: { video: { width: 320, height: 240 }, audio: mics[0] ? { deviceId: { exact: mics[0].deviceId } } : {} },
    }, (x) => sessions.push(x));
    try {
      peer.client.call('bob', 'video');
      const session = await until(() => sessions[0], 3000, 'session');
      const stream = await within(session.ready, 5000, 'devices open');
      const config = session.pc.getConfiguration();
      expect(config.iceServers!.map((x) => [[x.urls].flat()[0], x.username ?? '', x.credential ?? ''])).to.deep.equal([
        ['stun:127.0.0.1:9', '', ''], ['turn:127.0.0.1:9?transport=udp', 'user', 'secret'],
      ]);
      const video = stream.getVideoTracks()[0].getSettings();
      expect([video.width, video.height]).to.deep.equal([320, 240]);
      if (mics[0]) expect(stream.getAudioTracks()[0].getSettings().deviceId).to.equal(mics[0].deviceId);
      await session.close();
    } finally {
      detach();
      peer.client.close();
    }
  });

  it('camera refused on an incoming video call: audio only, the peer told by a video mute, an error naming the camera', async () => {
    const restore = overrideGetUserMedia(refuseCamera(navigator.mediaDevices.getUserMedia));
    const peer = scriptedPeer('bob');
    const b = sessionsOf(peer.client);
    try {
      const sid = crypto.randomUUID();
      peer.push(callMessage('alice', 'bob', sid, 'session-propose', { initiated: new Date().toISOString(), media: 'video' }));
      const session = await b.next();
      const errors = b.errors;
      const stream = await within(session.open(), 5000, 'audio opened');
      expect(stream.getTracks().map((t) => t.kind)).to.deep.equal(['audio']);
      const mute = await peer.sentWhere(action('session-info', 'mute'));
      expect(mute.jsongle.description.media).to.equal('video');
      expect(errors).to.have.length(1);
      expect(errors[0].code).to.equal('media');
      expect(errors[0].detail).to.include({ device: 'camera', reason: 'denied', name: 'NotAllowedError' });
      expect(errors[0].message).to.match(/camera: permission refused/);
      expect(peer.sent.some((m) => m.jsongle.action === 'session-decline')).to.equal(false);
      expect(() => session.unmute('video')).to.throw(/camera is unavailable/);
      peer.client.proceed();
      expect(peer.client.currentCall!.state).to.equal('proceeded');
    } finally {
      restore();
      b.detach();
      peer.client.close();
    }
  });

  it('microphone refused on an incoming call: declined with reason media-error', async () => {
    const restore = overrideGetUserMedia(() => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')));
    const peer = scriptedPeer('bob');
    const b = sessionsOf(peer.client);
    try {
      const sid = crypto.randomUUID();
      peer.push(callMessage('alice', 'bob', sid, 'session-propose', { initiated: new Date().toISOString(), media: 'audio' }));
      const session = await b.next();
      await session.open().catch(() => {});
      const decline = await peer.sentWhere(action('session-decline'));
      expect(decline.jsongle.sid).to.equal(sid);
      expect(decline.jsongle.reason).to.equal('media-error');
      await within(session.closed, 5000, 'session closed');
      expect(b.errors[0].detail).to.include({ device: 'microphone', reason: 'denied' });
      expect(peer.client.ticket!.endedReason).to.equal('media-error');
      expect(peer.client.ticket!.metrics.error).to.equal('media-denied');
      expect(session.localStream).to.equal(null);
      expect(session.pc.signalingState).to.equal('closed');
    } finally {
      restore();
      b.detach();
      peer.client.close();
    }
  });

  it('retracts an outgoing call when the microphone is missing, and says so', async () => {
    const restore = overrideGetUserMedia(() => Promise.reject(new DOMException('Requested device not found', 'NotFoundError')));
    const peer = scriptedPeer('alice');
    const a = sessionsOf(peer.client);
    try {
      const call = peer.client.call('bob', 'audio');
      await a.next();
      await peer.sentWhere(action('session-retract'));
      expect(a.errors).to.have.length(1);
      expect(a.errors[0].detail).to.include({ device: 'microphone', reason: 'not-found' });
      expect(call.reason).to.equal('retracted');
    } finally {
      restore();
      a.detach();
      peer.client.close();
    }
  });

  it('stops the devices that open after the call has already ended', async () => {
    const opened: MediaStream[] = [];
    const original = navigator.mediaDevices.getUserMedia;
    const restore = overrideGetUserMedia(async (c) => {
      const stream = await original.call(navigator.mediaDevices, c);
      opened.push(stream);
      return stream;
    });
    const peer = scriptedPeer('alice');
    const a = sessionsOf(peer.client);
    try {
      let call!: Call;
      call = peer.client.call('bob', 'video');
      const session = await a.next();
      peer.client.end(); // retract before getUserMedia has answered
      expect(call.ended).to.equal(true);
      await within(session.closed, 5000, 'session closed');
      await within(session.ready.catch(() => null), 5000, 'getUserMedia settled');
      expect(opened.length).to.equal(1);
      expect(opened[0].getTracks().map((t) => t.readyState)).to.deep.equal(['ended', 'ended']);
      expect(session.localStream).to.equal(null);
      expect(session.pc.getSenders()).to.have.length(0);
    } finally {
      restore();
      a.detach();
      peer.client.close();
    }
  });
});
