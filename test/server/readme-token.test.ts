// The README's "Identity in production" snippet, run as written: the token it mints registers on a
// server with JSONGLE_TOKEN_SECRET, as its sub, named by it, and limited to its rooms.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODE } from '../../src/protocol/codes.ts';
import { cleanup, startServer } from './helpers.ts';
import { registered, SECRET } from './tokens.ts';

afterEach(cleanup);

/** The first ```js block after `<!-- mint-token -->` in the README, as a module (its `jose` import resolved here). */
async function readmeSnippet(): Promise<{ mintToken(user: { id: string; name: string; team: number }): Promise<string> }> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const code = readme.split('<!-- mint-token -->')[1]?.match(/```js\n([\s\S]*?)```/)?.[1];
  assert.ok(code, 'the README has the mint-token snippet');
  const source = code.replace(/from 'jose'/, `from '${import.meta.resolve('jose')}'`);
  return import(`data:text/javascript,${encodeURIComponent(source)}`);
}

test('the README snippet mints a token the server accepts: sub, name and rooms claims', async () => {
  process.env.JSONGLE_TOKEN_SECRET = SECRET;
  try {
    const { mintToken } = await readmeSnippet();
    const server = await startServer({ tokenSecret: SECRET });
    const token = await mintToken({ id: 'alice', name: 'Alice Liddell', team: 42 });
    const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp;
    assert.ok(Math.abs(exp - (Date.now() / 1000 + 600)) < 60, 'valid 10 minutes');
    const alice = await registered(server, { token });
    const bob = await registered(server, { uid: 'bob', token: await mintToken({ id: 'bob', name: 'Bob', team: 42 }) });
    await bob.request('muc-join', { rid: 'team-42/standup' });
    const joined = await alice.request('muc-join', { rid: 'team-42/standup' });
    assert.deepEqual(joined.jsongle.description.members, [{ uid: 'bob', dn: 'Bob' }]);
    assert.equal((await alice.request('muc-join', { rid: 'lobby' })).jsongle.action, 'iq-result');
    assert.equal((await alice.request('muc-join', { rid: 'team-7/standup' })).jsongle.description.errorCode, ERROR_CODE.ROOM_NOT_ALLOWED);
  } finally {
    delete process.env.JSONGLE_TOKEN_SECRET;
  }
});
