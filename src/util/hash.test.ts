import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FNV32_OFFSET, fnv1, fnv1a, safeEncodeString, uint32LE } from './hash.js';

const enc = new TextEncoder();

test('FNV-1 and FNV-1a (32 bits) match the reference vectors and continue from a given hash', { timeout: 5000 }, () => {
  assert.equal(fnv1(new Uint8Array()), FNV32_OFFSET);
  assert.equal(fnv1a(new Uint8Array()), FNV32_OFFSET);
  assert.equal(fnv1(enc.encode('a')), 0x050c5d7e);
  assert.equal(fnv1(enc.encode('foobar')), 0x31f0b262);
  assert.equal(fnv1a(enc.encode('a')), 0xe40c292c);
  assert.equal(fnv1a(enc.encode('foobar')), 0xbf9cf968);
  assert.equal(fnv1a(enc.encode('bar'), fnv1a(enc.encode('foo'))), fnv1a(enc.encode('foobar')));
  assert.equal(fnv1(enc.encode('bar'), fnv1(enc.encode('foo'))), fnv1(enc.encode('foobar')));
});

test('uint32LE and safeEncodeString', { timeout: 5000 }, () => {
  assert.deepEqual([...uint32LE(0x01020304)], [4, 3, 2, 1]);
  assert.deepEqual([...uint32LE(-1)], [255, 255, 255, 255]);
  assert.equal(safeEncodeString('0123456789'), '456789bcdf');
});
