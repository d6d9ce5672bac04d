// Times are performance.timeOrigin + performance.now(): one clock for the pages of one browser.
const now = () => performance.timeOrigin + performance.now();
const params = new URLSearchParams(location.search);

if (params.has('baseline')) {
  let stream;
  /** Two peer connections in this page, offer/answer/candidates handed over directly: first offer → both connected (ms). */
  window.baseline = async () => {
    stream ??= await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
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
  const connection = document.createElement('jsongle-connection');
  connection.setAttribute('url', `ws://${location.host}/ws`);
  connection.setAttribute('user', params.get('user'));
  const call = document.createElement('jsongle-call');
  call.id = 'call';
  call.setAttribute('to', params.get('peer'));
  call.setAttribute('media', 'video');
  connection.append(call);
  document.body.append(connection);
  window.marks = {};
  // The callee answers as soon as it rings, as a person pressing Accept at once would.
  call.addEventListener('jsongle-incoming-call', () => {
    marks.ringing = now();
    queueMicrotask(() => { marks.accept = now(); void call.answer(); });
  });
  call.addEventListener('jsongle-call-change', (e) => {
    if (e.detail.state === 'active' && e.detail.reason === 'is-active-both-side') marks.active ??= now();
    if (e.detail.state === 'proceeded') marks.proceeded ??= now(); // the callee: its devices are open
    if (e.detail.state === 'ended') marks.ended = now();
  });
  window.place = () => { window.marks = {}; marks.call = now(); call.call(); };
  window.reset = () => { window.marks = {}; };
  window.ready = () => !!connection.client?.registered;
}
