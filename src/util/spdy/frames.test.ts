import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FrameReader } from './frames.js';

// Fuzz: a flags byte ≥ 0x80 shifted into the top of a 32-bit word made a negative int, which
// Buffer.writeUInt32BE refused with a RangeError.
test('control frames and SETTINGS entries with flag bytes ≥ 0x80 encode and decode', () => {
  const unknown = encodeFrame({ type: 'unknown', frameType: 77, flags: 0xff, payload: Buffer.from([1, 2]) });
  const settings = encodeFrame({ type: 'settings', entries: [{ flags: 0x81, id: 7, value: 0xffffffff }] });
  const frames = new FrameReader().push(Buffer.concat([unknown, settings]));
  assert.deepEqual(frames[0], { type: 'unknown', frameType: 77, flags: 0xff, payload: Buffer.from([1, 2]) });
  assert.deepEqual(frames[1], { type: 'settings', entries: [{ flags: 0x81, id: 7, value: 0xffffffff }] });
});
