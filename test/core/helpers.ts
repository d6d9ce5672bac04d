// Test helpers for the core: clients over the in-memory pair, and a raw "wire" end to script the peer.
import { readFileSync } from 'node:fs';
import { JSONgle, type JsongleConfig } from '../../src/client.ts';
import type { JsongleEvents } from '../../src/events.ts';
import type { JsongleMessage } from '../../src/protocol/messages.ts';
import { createMemoryPair, type MemoryTransport } from '../../src/transport/memory.ts';

export const fixtures: { title: string; message: JsongleMessage<any> }[] =
  JSON.parse(readFileSync(new URL('../fixtures/spec-messages.json', import.meta.url), 'utf8'));
export const fixture = (title: string): JsongleMessage<any> => structuredClone(fixtures.find((f) => f.title === title)!.message);

/** Resolves with the arguments of the next `event`, or rejects after `ms`. */
export function once<K extends keyof JsongleEvents>(client: JSONgle, event: K, ms = 2000): Promise<Parameters<JsongleEvents[K]>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' event within ${ms} ms`)), ms);
    client.once(event, ((...args: any[]) => {
      clearTimeout(timer);
      resolve(args as any);
    }) as any);
  });
}

/** Collects every emission of the listed events, in order, as [event, ...args]. */
export function record(client: JSONgle, events: (keyof JsongleEvents)[]) {
  const log: [string, ...any[]][] = [];
  for (const e of events) client.on(e, ((...args: any[]) => log.push([e, ...args])) as any);
  return log;
}

export const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

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
    sentWhere(test: (m: JsongleMessage<any>) => boolean, ms = 2000): Promise<JsongleMessage<any>> {
      const done = sent.find(test);
      if (done) return Promise.resolve(done);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing matching was sent within ${ms} ms`)), ms);
        waiters.push([test, (m) => { clearTimeout(timer); resolve(m); }]);
      });
    },
  };
}

export const action = (name: string, reason?: string) => (m: JsongleMessage<any>) =>
  m.jsongle.action === name && (reason === undefined || m.jsongle.reason === reason);
