// Times are performance.timeOrigin + performance.now(): one clock for the pages of one browser.
const now = () => performance.timeOrigin + performance.now();
const params = new URLSearchParams(location.search);
/** `video` (default) or `audio`: the media of the calls, and of the baseline's tracks. */
const media = params.get('media') === 'audio' ? 'audio' : 'video';

if (params.has('baseline')) {
  let stream;
  /** Two peer connections in this page, offer/answer/candidates handed over directly: first offer → both connected (ms). */
  window.baseline = async () => {
    stream ??= await navigator.mediaDevices.getUserMedia({ audio: true, video: media === 'video' });
    const [a, b] = [new RTCPeerConnection(), new RTCPeerConnection()];
    a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
    b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
    const connected = (pc) => new Promise((resolve) => {
      const check = () => pc.connectionState === 'connected' && resolve();
      pc.addEventListener('connectionstatechange', check);
      check();
    });
    for (const t of stream.getTracks()) { a.addTrack(t, stream); b.addTrack(t, stream); }
    const started = now();
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription);
    await Promise.all([connected(a), connected(b)]);
    const ms = now() - started;
    a.close();
    b.close();
    return ms;
  };
} else {
  if (params.has('timeline')) timeline();
  // When this side's camera and microphone are open (the callee opens them on Accept, beside the negotiation).
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (c) => { const s = await gum(c); marks.devices ??= now(); return s; };
  const connection = document.createElement('jsongle-connection');
  connection.setAttribute('url', `ws://${location.host}/ws`);
  connection.setAttribute('user', params.get('user'));
  const call = document.createElement('jsongle-call');
  call.id = 'call';
  call.setAttribute('to', params.get('peer'));
  call.setAttribute('media', media);
  connection.append(call);
  document.body.append(connection);
  window.marks = {};
  // The callee answers `ring` ms after it rings (as a person pressing Accept; 0: at once, in the same task).
  const ring = Number(params.get('ring')) || 0;
  call.addEventListener('jsongle-incoming-call', () => {
    marks.ringing = now();
    const accept = () => { marks.accept = now(); void call.answer(); };
    if (ring) setTimeout(accept, ring);
    else queueMicrotask(accept);
  });
  call.addEventListener('jsongle-call-change', (e) => {
    // `own`: this side's call is active (its connection is up); `active`: the peer's said so too.
    if (e.detail.state === 'active') marks.own ??= now();
    if (e.detail.state === 'active' && e.detail.reason === 'is-active-both-side') marks.active ??= now();
    if (e.detail.state === 'proceeded') marks.proceeded ??= now();
    if (e.detail.state === 'ended') marks.ended = now();
    if (e.detail.previous === 'ended' || e.detail.previous === 'idle') void firstFrame(); // a new call
  });
  // The first frame of the peer's video presented in the element's <video> (there from the start of the call).
  const firstFrame = async () => {
    await call.updateComplete;
    const video = call.shadowRoot.querySelector('[part~="remote-video"]');
    const marked = window.marks;
    video?.requestVideoFrameCallback(() => { marked.frame ??= now(); });
  };
  window.place = () => { window.marks = {}; marks.call = now(); call.call(); };
  window.reset = () => { window.marks = {}; if (window.steps) window.steps = {}; };
  window.ready = () => !!connection.client?.registered;
}

/**
 * ?timeline (BENCH_TIMELINE=1): records when each set-up step happens in this page, in
 * `window.steps` (name → first time), by wrapping WebSocket and RTCPeerConnection: the elements are
 * measured as they are, with nothing of theirs changed.
 */
function timeline() {
  const step = (name) => { window.steps[name] ??= now(); };
  window.steps = {};
  const what = (data) => {
    try {
      const j = JSON.parse(data).jsongle ?? {};
      return j.action === 'session-info' || j.action?.startsWith('iq-') ? `${j.action} ${j.reason || j.query || ''}`.trim() : j.action;
    } catch { return 'frame'; }
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) { step(`sent ${what(data)}`); return send.call(this, data); };
  const Socket = WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => step(`received ${what(e.data)}`));
    }
  };
  const Peer = RTCPeerConnection;
  window.RTCPeerConnection = class extends Peer {
    constructor(...args) {
      super(...args);
      step('pc created');
      this.addEventListener('icecandidate', (e) => step(e.candidate ? `local candidate ${e.candidate.type ?? ''}${e.candidate.address?.endsWith('.local') ? ' mdns' : ''}` : 'gathering complete'));
      this.addEventListener('iceconnectionstatechange', () => step(`ice ${this.iceConnectionState}`));
      this.addEventListener('connectionstatechange', () => step(`connection ${this.connectionState}`));
      this.addEventListener('track', () => step('remote track'));
    }
    async createOffer(...a) { step('createOffer called'); const r = await super.createOffer(...a); step('offer created'); return r; }
    async setLocalDescription(...a) { step(`setLocalDescription ${a[0]?.type ?? 'implicit'} called`); const r = await super.setLocalDescription(...a); step(`local ${this.localDescription?.type} set`); return r; }
    async setRemoteDescription(d) { step(`setRemoteDescription ${d?.type} called`); const r = await super.setRemoteDescription(d); step(`remote ${d?.type} set`); return r; }
    async addIceCandidate(c) { step('addIceCandidate first'); return super.addIceCandidate(c); }
  };
  const replace = RTCRtpSender.prototype.replaceTrack;
  RTCRtpSender.prototype.replaceTrack = async function (track) { await replace.call(this, track); step('devices attached'); };
  const add = RTCPeerConnection.prototype.addTrack;
  RTCPeerConnection.prototype.addTrack = function (...a) { step('devices attached'); return add.apply(this, a); };
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (c) => { step('getUserMedia called'); const s = await gum(c); step('getUserMedia done'); return s; };
}
