// The published core: dist/core/index.js imports and runs in plain Node 20 (no DOM, no patched globals).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

test("'jsongle-elements/core' resolves to a DOM-free build that runs a call in a bare Node process", () => {
  // A child process without tsx or any loader: only what the package exports.
  const script = `
    import JSONgleDefault, { JSONgle, ACTION, MEDIA, ERROR_CODE, CALL_STATE, VERSION } from 'jsongle-elements/core';
    import { createMemoryPair } from 'jsongle-elements/transports';
    if (JSONgleDefault !== JSONgle) throw new Error('default export differs');
    if (typeof window !== 'undefined' || typeof document !== 'undefined') throw new Error('DOM present');
    const [ta, tb] = createMemoryPair();
    const a = new JSONgle({ transport: ta, user: { uid: 'a' } });
    const b = new JSONgle({ transport: tb, user: { uid: 'b' } });
    b.on('call', () => setTimeout(() => b.proceed(), 5));
    a.on('offerneeded', () => a.sendOffer({ type: 'offer', sdp: 'v=0' }));
    b.on('offerreceived', () => b.sendOffer({ type: 'answer', sdp: 'v=0' }));
    a.on('offerreceived', () => { a.setAsActive(); });
    b.on('callstatechanged', (call, ch) => { if (ch.state === 'active') { b.setAsActive(); } });
    a.on('callstatechanged', (call, ch) => {
      if (ch.reason === 'is-active-both-side') {
        console.log(JSON.stringify({ state: call.state, media: call.media, propose: ACTION.PROPOSE, video: MEDIA.VIDEO,
          code: ERROR_CODE.ROOM_FULL, ended: CALL_STATE.ENDED, version: VERSION, name: a.name }));
        process.exit(0);
      }
    });
    a.call('b', MEDIA.VIDEO);
    setTimeout(() => { console.error('timeout'); process.exit(1); }, 3000);
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
  assert.deepEqual(JSON.parse(out), {
    state: 'active', media: 'video', propose: 'session-propose', video: 'video', code: 403001, ended: 'ended',
    version: pkg.version, name: 'jsongle-elements',
  });
});

test('package.json exposes ./core and ./transports with types, as ES modules whose files exist', () => {
  assert.equal(pkg.name, 'jsongle-elements');
  assert.equal(pkg.type, 'module');
  for (const entry of ['./core', './transports']) {
    for (const file of [pkg.exports[entry].import, pkg.exports[entry].types]) {
      assert.ok(existsSync(new URL(`../../${file}`, import.meta.url)), `${entry}: ${file} exists after the build`);
    }
  }
});

test('the core build names no DOM global (its size is measured by bench/size.mjs)', () => {
  const code = readFileSync(new URL('../../dist/core/index.js', import.meta.url), 'utf8');
  assert.doesNotMatch(code, /\b(window|document|navigator|HTMLElement|RTCPeerConnection)\b/);
});
