// The MessageStore contract (server/store/store.ts), as tests any backend runs: `messageStoreContract`
// registers them for a store made by `make` (an empty store each time).
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { directConversation, roomConversation, type MessageStore, type NewEntry } from '../../server/store/store.ts';

const T0 = Date.UTC(2026, 0, 1);

export function messageStoreContract(name: string, make: () => Promise<MessageStore>) {
  describe(`MessageStore contract: ${name}`, () => {
    let store: MessageStore | undefined;
    const open = async () => (store = await make());
    afterEach(async () => { await store?.close(); store = undefined; });

    const dm = directConversation('alice', 'bob');
    let n = 0;
    const entry = (over: Partial<NewEntry> = {}): NewEntry => {
      n++;
      return { kind: 'message', conversation: dm, sender: 'alice', id: `m${n}`, recipient: 'bob', sent: T0 + n * 1000, frame: `{"id":"m${n}","n":${n}}`, ...over };
    };

    test('append: increasing seqs, settled in order; the same (sender, id) again writes nothing', async () => {
      const s = await open();
      const order: number[] = [];
      const made = Array.from({ length: 20 }, (_, i) => entry({ id: `burst-${i}` }));
      const results = await Promise.all(made.map((e, i) => s.append(e).then((a) => { order.push(i); return a; })));
      assert.deepEqual(order, [...order].sort((a, b) => a - b), 'promises settle in append order');
      for (let i = 1; i < results.length; i++) assert.ok(results[i].entry.seq > results[i - 1].entry.seq);
      const first = results[0].entry;
      assert.equal(first.state, 'stored');
      assert.equal(first.delivered, false);
      assert.equal(first.frame, made[0].frame);
      const again = await s.append({ ...made[0], frame: '{"changed":true}' });
      assert.equal(again.duplicate, true);
      assert.equal(again.entry.seq, first.seq);
      assert.equal(again.entry.frame, made[0].frame, 'the first one is kept');
      assert.equal((await s.append(entry({ recipient: '' }))).entry.delivered, true, 'no recipient: delivered');
    });

    test('page: the newest `limit` before an id or a time, newest last, receipts left out', async () => {
      const s = await open();
      const stored = [];
      for (let i = 0; i < 6; i++) stored.push((await s.append(entry())).entry);
      await s.append(entry({ kind: 'receipt', sender: 'bob', recipient: 'alice' }));
      await s.append(entry({ conversation: roomConversation('elsewhere') }));
      const ids = (list: { id: string }[]) => list.map((e) => e.id);
      assert.deepEqual(ids(await s.page(dm, { limit: 3 })), ids(stored.slice(3)));
      assert.deepEqual(ids(await s.page(dm, { limit: 2, before: { id: stored[3].id } })), ids(stored.slice(1, 3)));
      assert.deepEqual(ids(await s.page(dm, { limit: 50, before: { time: stored[2].sent } })), ids(stored.slice(0, 2)));
      assert.deepEqual(await s.page(dm, { limit: 5, before: { id: 'unknown' } }), []);
      assert.deepEqual(await s.page(roomConversation('nothing'), { limit: 5 }), []);
    });

    test('pending: oldest first, per recipient; markDelivered only for that recipient, idempotent', async () => {
      const s = await open();
      const a = (await s.append(entry())).entry;
      const b = (await s.append(entry({ kind: 'call' }))).entry;
      await s.append(entry({ recipient: 'carol' }));
      assert.deepEqual((await s.pending('bob', 10)).map((e) => e.seq), [a.seq, b.seq]);
      assert.deepEqual((await s.pending('bob', 1)).map((e) => e.seq), [a.seq]);
      await s.markDelivered('carol', [a.seq]);
      assert.equal((await s.pending('bob', 10)).length, 2, 'another user cannot mark bob\'s entries');
      await s.markDelivered('bob', [a.seq, 999_999]);
      await s.markDelivered('bob', [a.seq]);
      assert.deepEqual((await s.pending('bob', 10)).map((e) => e.seq), [b.seq]);
    });

    test('setState: forward only, delivered once received, optionally only from the recipient', async () => {
      const s = await open();
      const e = entry();
      await s.append(e);
      assert.equal(await s.setState('alice', e.id, 'read', 'mallory'), undefined, 'not the recipient');
      assert.equal((await s.setState('alice', e.id, 'received', 'bob'))?.state, 'received');
      assert.equal((await s.pending('bob', 10)).length, 0, 'received: no longer pending');
      const read = await s.setState('alice', e.id, 'read');
      assert.equal(read?.state, 'read');
      assert.equal(read?.delivered, true);
      assert.equal((await s.setState('alice', e.id, 'received'))?.state, 'read', 'never back');
      assert.equal((await s.page(dm, { limit: 1 }))[0].state, 'read');
      assert.equal(await s.setState('alice', 'nope', 'read'), undefined);
      const r = entry({ kind: 'receipt' });
      await s.append(r);
      assert.equal(await s.setState('alice', r.id, 'read'), undefined, 'only messages have a state');
    });

    test('expire: by age, then by count per conversation, at most `limit` per call', async () => {
      const s = await open();
      const room = roomConversation('r');
      for (let i = 0; i < 5; i++) await s.append(entry({ conversation: room, recipient: '' }));
      const old = (await s.page(room, { limit: 50 })).map((e) => e.sent);
      const recent = entry();
      await s.append(recent);
      assert.equal(await s.expire({ olderThan: old[2], maxPerConversation: 100, limit: 1 }), 1, 'bounded by limit');
      assert.equal(await s.expire({ olderThan: old[2], maxPerConversation: 100, limit: 100 }), 1);
      assert.equal((await s.page(room, { limit: 50 })).length, 3);
      assert.equal(await s.expire({ olderThan: 0, maxPerConversation: 1, limit: 100 }), 2, 'the room trimmed to its newest');
      assert.deepEqual((await s.page(room, { limit: 50 })).map((e) => e.sent), [old[4]]);
      assert.equal((await s.page(dm, { limit: 50 })).at(-1)?.id, recent.id);
      // An expired message is gone for good: its id may be stored again.
      assert.equal(await s.expire({ olderThan: Number.MAX_SAFE_INTEGER, maxPerConversation: 100, limit: 100 }) >= 2, true);
      assert.equal((await s.append(recent)).duplicate, false);
      assert.equal((await s.pending('bob', 10)).at(-1)?.id, recent.id);
    });
  });
}
