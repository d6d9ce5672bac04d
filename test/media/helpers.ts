// Helpers of the browser suites (media session and elements): bounded waits, client pairs, a
// scripted peer, and the stats the tests read. Real RTCPeerConnections only: nothing is mocked.
import { JSONgle } from '../../src/client.ts';
import type { JsongleEvents } from '../../src/events.ts';
import type { JsongleMessage } from '../../src/protocol/messages.ts';
import { createMemoryPair, type MemoryTransport } from '../../src/transport/memory.ts';

/** Rejects when `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

/** The next `type` event on `target`, or a rejection after `ms`. */
export function nextEvent<E extends Event = CustomEvent<any>>(target: EventTarget, type: string, ms = 5000, test: (e: E) => boolean = () => true): Promise<E> {
  let listener!: (e: Event) => void;
  const got = new Promise<E>((resolve) => {
    listener = (e) => { if (test(e as E)) resolve(e as E); };
    target.addEventListener(type, listener);
  });
  return within(got, ms, `event '${type}'`).finally(() => target.removeEventListener(type, listener));
}

/** The arguments of the next client event, or a rejection after `ms`. */
export function nextClientEvent<K extends keyof JsongleEvents>(client: JSONgle, event: K, ms = 5000): Promise<Parameters<JsongleEvents[K]>> {
  let fn!: (...args: any[]) => void;
  const got = new Promise<any>((resolve) => { fn = (...args: any[]) => resolve(args); client.once(event, fn as any); });
  return within(got, ms, `client event '${event}'`).finally(() => client.off(event, fn as any)) as any;
}

/** Polls `test` every 20 ms until it is truthy; rejects after `ms`. */
export async function until<T>(test: () => T | Promise<T>, ms: number, what: string): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await test();
    if (v) return v as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** alice and bob over the in-memory pair (no server: ids are the uids); bob lists `bobFeatures` (default: renegotiate). */
export function clientPair(bobFeatures?: string[]) {
  const [ta, tb] = createMemoryPair();
  const alice = new JSONgle({ transport: ta, user: { uid: 'alice', dn: 'Alice' } });
  const bob = new JSONgle({ transport: tb, user: { uid: 'bob', dn: 'Bob' }, features: bobFeatures });
  return { alice, bob, ta, tb, close: () => { alice.close(); bob.close(); } };
}

/** A client whose peer (or server) is the test: `sent` holds what it sent, `push` delivers a message to it. */
export function scriptedPeer(uid = 'bob') {
  const [ta, tb] = createMemoryPair();
  const client = new JSONgle({ transport: ta, user: { uid } });
  const sent: JsongleMessage<any>[] = [];
  const waiters: [(m: JsongleMessage<any>) => boolean, (m: JsongleMessage<any>) => void][] = [];
  tb.receive({
    message(data) {
      const m = JSON.parse(data as string);
      sent.push(m);
      for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i][0](m)) waiters.splice(i, 1)[0][1](m);
    },
  });
  return {
    client,
    sent,
    transport: ta as MemoryTransport,
    push: (m: JsongleMessage<any>) => tb.send(m),
    sentWhere(test: (m: JsongleMessage<any>) => boolean, ms = 5000): Promise<JsongleMessage<any>> {
      const done = sent.find(test);
      if (done) return Promise.resolve(done);
      return within(new Promise((resolve) => waiters.push([test, resolve])), ms, 'a matching sent message');
    },
  };
}

export const action = (name: string, reason?: string) => (m: JsongleMessage<any>) =>
  m.jsongle.action === name && (reason === undefined || m.jsongle.reason === reason);

/** A call message as a peer would send it. */
export function callMessage(from: string, to: string, sid: string, action: string, description: Record<string, unknown>, reason = '', roles = { initiator: from, responder: to }) {
  return { id: crypto.randomUUID(), from, to, jsongle: { sid, action, reason, ...roles, description } } as JsongleMessage<any>;
}

/** What the receiving side of `pc` got so far. */
export async function received(pc: RTCPeerConnection) {
  const out = { framesDecoded: 0, audioPackets: 0, videoPackets: 0 };
  (await pc.getStats()).forEach((s: any) => {
    if (s.type !== 'inbound-rtp') return;
    if (s.kind === 'video') { out.framesDecoded += s.framesDecoded ?? 0; out.videoPackets += s.packetsReceived ?? 0; }
    if (s.kind === 'audio') out.audioPackets += s.packetsReceived ?? 0;
  });
  return out;
}

/** Replaces navigator.mediaDevices.getUserMedia for one test; call the returned function to restore it. */
export function overrideGetUserMedia(fake: (constraints?: MediaStreamConstraints) => Promise<MediaStream>): () => void {
  const devices = navigator.mediaDevices;
  const original = devices.getUserMedia;
  devices.getUserMedia = fake;
  return () => { devices.getUserMedia = original; };
}

/** Rejects like a browser whose user refused the camera (any request with video). */
export const refuseCamera = (original: MediaDevices['getUserMedia']) => (c?: MediaStreamConstraints) =>
  c?.video ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) : original.call(navigator.mediaDevices, c);
