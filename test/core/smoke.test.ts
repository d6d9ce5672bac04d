import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once, pair } from './helpers.ts';

test('a text message crosses the in-memory pair', async () => {
  const { alice, bob } = pair();
  const got = once(bob, 'messagereceived');
  const id = alice.send('bob', 'hello');
  const [content, from, mid] = await got;
  assert.equal(content.description.content, 'hello');
  assert.equal(from, 'alice');
  assert.equal(mid, id);
});
