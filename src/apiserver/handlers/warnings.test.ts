import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sanitizeWarning, warningHeaderValues } from './shared.js';

const bytes = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('utf8');

// The known fuzz finding: an unknown field named `k¢nd` went into a Warning header Node refuses
// (or, with a char above U+00FF, a 500 "Invalid character in header content").
test('warning text travels as UTF-8 bytes in a quoted-string, as upstream sends it', () => {
  const [v] = warningHeaderValues(['unknown field "k\u00a2nd"']);
  assert.ok(/^[\x20-\xff]*$/.test(v), 'every char is one header byte');
  assert.equal(bytes(v), '299 - "unknown field \\"k\u00a2nd\\""');
  assert.equal(bytes(warningHeaderValues(['unknown field "\u4e2d\u{1f600}"'])[0]), '299 - "unknown field \\"\u4e2d\u{1f600}\\""');
});

test('controls become spaces, lone surrogates U+FFFD, duplicates go, long texts are cut', () => {
  assert.equal(sanitizeWarning('a\r\nb\u0000c\u007f'), 'a  b c ');
  assert.equal(sanitizeWarning('x\ud800y\udfffz\ud83d\ude00'), 'x\ufffdy\ufffdz\ud83d\ude00');
  assert.deepEqual(warningHeaderValues(['same', 'same', 'other']).length, 2);
  assert.equal(sanitizeWarning('w'.repeat(5000)).length, 4096);
});
