// Test helpers for the core: clients over the in-memory pair, and a raw "wire" end to script the peer.
import { readFileSync } from 'node:fs';
import { JSONgle, type JsongleConfig } from '../../src/client.ts';
import type { JsongleEvents } from '../../src/events.ts';
import type { JsongleMessage } from '../../src/protocol/messages.ts';
import { createMemoryPair, type MemoryTransport } from '../../src/transport/memory.ts';

export const fixtures: { title: string; message: JsongleMessage<any> }[] =
  JSON.parse(readFileSync(new URL('../fixtures/spec-messages.json', import.meta.url), 'utf8'));
export const fixture = (title: string): JsongleMessage<any> => structuredClone(fixtures.find((f) => f.title === title)!.message);

/** Settles like `promise`, or rejects after `ms` with `what: nothing within ms` (the timer never outlives it). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

/** Resolves with the arguments of the next `event`, or rejects after `ms`. */
export function once<K extends keyof JsongleEvents>(client: JSONgle, event: K, ms = 2000): Promise<Parameters<JsongleEvents[K]>> {
  return new Promise((resolve, reject) => {
    const listener = ((...args: any[]) => {
      clearTimeout(timer);
      resolve(args as any);
    }) as any;
    const timer = setTimeout(() => { client.off(event, listener); reject(new Error(`no '${event}' event within ${ms} ms`)); }, ms);
    client.once(event, listener);
  });
}

/** The next `event` whose arguments pass `test`; rejects after `ms`, naming `what` (default: the event). */
export function onceWhere<K extends keyof JsongleEvents>(client: JSONgle, event: K, test: (...args: Parameters<JsongleEvents[K]>) => boolean, ms = 2000, what?: string): Promise<Parameters<JsongleEvents[K]>> {
  return new Promise((resolve, reject) => {
    const listener = ((...args: any[]) => {
      if (!(test as any)(...args)) return;
      clearTimeout(timer);
      client.off(event, listener);
      resolve(args as any);
    }) as any;
    const timer = setTimeout(() => { client.off(event, listener); reject(new Error(`${what ?? `a matching '${event}'`}: nothing within ${ms} ms`)); }, ms);
    client.on(event, listener);
  });
}

/** Collects every emission of the listed events, in order, as [event, ...args]. */
export function record(client: JSONgle, events: (keyof JsongleEvents)[]) {
  const log: [string, ...any[]][] = [];
  for (const e of events) client.on(e, ((...args: any[]) => log.push([e, ...args])) as any);
  return log;
}

export const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it is true; rejects after `ms`, naming `what`. (What has to happen is waited for, never timed.) */
export async function until(check: () => boolean | Promise<boolean>, ms = 2000, what = 'condition') {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await tick(10);
  }
}

/** Two clients, alice and bob, joined by the in-memory pair (no server: ids are the uids). */
export function pair(extra: Partial<JsongleConfig> = {}) {
  const [ta, tb] = createMemoryPair();
  const alice = new JSONgle({ transport: ta, user: { uid: 'alice', dn: 'Alice' }, ...extra });
  const bob = new JSONgle({ transport: tb, user: { uid: 'bob', dn: 'Bob' }, ...extra });
  return { alice, bob, ta, tb };
}

/** A client whose peer is the test itself: `sent` holds what the client sent, `push` delivers a message. */
export function wire(config: Partial<JsongleConfig> = {}) {
  const [ta, tb] = createMemoryPair();
  const client = new JSONgle({ transport: ta, ...config });
  const sent: JsongleMessage<any>[] = [];
  const waiters: [(m: JsongleMessage<any>) => boolean, (m: JsongleMessage<any>) => void][] = [];
  tb.receive({
    message(data) {
      const m = JSON.parse(data as string);
      sent.push(m);
      const i = waiters.findIndex(([test]) => test(m));
      if (i >= 0) waiters.splice(i, 1)[0][1](m);
    },
  });
  return {
    client,
    sent,
    transport: ta as MemoryTransport,
    /** Delivers a message to the client as the peer or the server. */
    push: (m: JsongleMessage<any>) => tb.send(m),
    /** Delivers a raw frame, valid or not. */
    raw: (data: unknown) => (ta as MemoryTransport).inject(data),
    /** The next message the client sends that passes `test` (already sent ones count). */
    sentWhere(test: (m: JsongleMessage<any>) => boolean, ms = 2000, what = 'a matching message'): Promise<JsongleMessage<any>> {
      const done = sent.find(test);
      if (done) return Promise.resolve(done);
      return new Promise((resolve, reject) => {
        const waiter: (typeof waiters)[number] = [test, (m) => { clearTimeout(timer); resolve(m); }];
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`${what} sent by the client: nothing within ${ms} ms (sent: ${JSON.stringify(sent.map((m) => m.jsongle.action))})`));
        }, ms);
        waiters.push(waiter);
      });
    },
  };
}

export const action = (name: string, reason?: string) => (m: JsongleMessage<any>) =>
  m.jsongle.action === name && (reason === undefined || m.jsongle.reason === reason);

/**
 * Several clients on a tiny in-process switch that routes each frame by `to` (no rooms, no
 * server logic): enough for scenarios with three parties, such as a busy callee.
 */
export function hub(...uids: string[]) {
  const ends = new Map<string, MemoryTransport>();
  const clients: Record<string, JSONgle> = {};
  for (const uid of uids) {
    const [client, switchEnd] = createMemoryPair();
    ends.set(uid, switchEnd);
    switchEnd.receive({ message: (data) => ends.get(JSON.parse(data as string).to)?.send(JSON.parse(data as string)) });
    clients[uid] = new JSONgle({ transport: client, user: { uid } });
  }
  return clients;
}

export const OFFER = { type: 'offer' as const, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
export const ANSWER = { type: 'answer' as const, sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
export const CANDIDATE = (n: number) => ({ candidate: `candidate:${n} 1 udp 2122260223 10.0.0.${n} 5000${n} typ host`, sdpMid: '0', sdpMLineIndex: 0 });

/** Drives a whole call from `caller` to `callee` up to active on both sides, the way an application would. */
/** A call from `caller` to `to`, answered by `callee`, up to the offer and answer exchanged. */
export async function negotiate(caller: JSONgle, callee: JSONgle, to: string, media: 'audio' | 'video' = 'video') {
  const incoming = once(callee, 'call');
  const callerCall = caller.call(to, media);
  const [calleeCall] = await incoming;
  if (calleeCall.state !== 'ringing') await once(callee, 'callstatechanged');
  const needed = once(caller, 'offerneeded');
  const offered = once(callee, 'offerreceived');
  callee.proceed();
  await needed;
  caller.sendOffer(OFFER);
  await offered;
  const answered = once(caller, 'offerreceived');
  callee.sendOffer(ANSWER);
  await answered;
  return { callerCall, calleeCall };
}

export async function connect(caller: JSONgle, callee: JSONgle, to: string, media: 'audio' | 'video' = 'video') {
  const { callerCall, calleeCall } = await negotiate(caller, callee, to, media);
  const toCallee = once(callee, 'candidatereceived');
  const toCaller = once(caller, 'candidatereceived');
  caller.sendCandidate(CANDIDATE(1));
  callee.sendCandidate(CANDIDATE(2));
  await Promise.all([toCallee, toCaller]);
  const bothActive = Promise.all([caller, callee].map((c) =>
    onceWhere(c, 'callstatechanged', (_call, ch) => ch.reason === 'is-active-both-side', 2000, 'the call active on both sides')));
  caller.setAsActive();
  callee.setAsActive();
  await bothActive;
  return { callerCall, calleeCall };
}
