import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, timestampSince } from './index.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test('HumanDuration thresholds', () => {
  const cases: [number, string][] = [
    [-2 * s, '<invalid>'],
    [-1 * s, '0s'],
    [-999, '0s'],
    [0, '0s'],
    [45 * s, '45s'],
    [119 * s + 999, '119s'],
    [2 * m, '2m'],
    [3 * m + 20 * s, '3m20s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [95 * m, '95m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [5 * h + 10 * m, '5h10m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h, '8h'],
    [30 * h, '30h'],
    [47 * h + 59 * m, '47h'],
    [48 * h, '2d'],
    [3 * d + 4 * h, '3d4h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d, '8d'],
    [200 * d, '200d'],
    [729 * d, '729d'],
    [730 * d, '2y'],
    [365 * d + 20 * d + 365 * d, '2y20d'],
    [8 * 365 * d - 1, '7y364d'],
    [9 * 365 * d + 100 * d, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
});

test('ages from timestamps, <unknown> when missing', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  assert.equal(timestampSince('2024-05-01T11:56:40Z', now), '3m20s');
  assert.equal(timestampSince(undefined, now), '<unknown>');
  assert.equal(timestampSince(null, now), '<unknown>');
  assert.equal(timestampSince('', now), '<unknown>');
  assert.equal(timestampSince('garbage', now), '<unknown>');
});
