// The batched frame writer: its frames are what ws itself would read, at every header size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ws from 'ws';
import { asciiFrames, encodeFrames } from '../../server/frames.ts';
import { within } from '../core/helpers.ts';

// ws's frame parser (not in its type definitions).
type FrameReader = { on(event: string, fn: (...args: any[]) => void): void; write(data: Buffer, done: () => void): void };
const { Receiver } = ws as unknown as { Receiver: new (options: object) => FrameReader };

test('encodeFrames: several text frames in one buffer, each length form (7-bit, 16-bit, 64-bit), UTF-8', async () => {
  const texts = ['', 'a', 'x'.repeat(125), 'y'.repeat(126), 'é€😀'.repeat(30), 'z'.repeat(65535), 'w'.repeat(65536), 'v'.repeat(70000)];
  const received: string[] = [];
  const receiver = new Receiver({ isServer: false, maxPayload: 0 }); // a client reading server frames
  receiver.on('message', (data: Buffer, isBinary: boolean) => {
    assert.equal(isBinary, false);
    received.push(data.toString());
  });
  const done = new Promise((resolve, reject) => {
    receiver.on('error', reject);
    receiver.write(encodeFrames(texts), () => resolve(undefined));
  });
  await within(done, 5000, 'the frame reader reading every frame');
  assert.deepEqual(received, texts);
});

test('asciiFrames: the bytes of encodeFrames as a latin1 string for ASCII texts; undefined otherwise', () => {
  const texts = ['', 'a', 'x'.repeat(125), 'y'.repeat(126), '{"id":"b1","to":"pair-1"}', 'z'.repeat(65535), '\u007f\u0000'];
  assert.deepEqual(Buffer.from(asciiFrames(texts)!, 'latin1'), encodeFrames(texts));
  for (const t of ['é', 'a€', '😀', '\ud800', 'w'.repeat(65536)]) assert.equal(asciiFrames(['ok', t]), undefined);
});
