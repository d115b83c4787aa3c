// cidrRange used to read a malformed service CIDR as a range at 0.0.0.0 (its address parser
// returned NaN, and NaN & mask is 0); it now refuses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrRange } from './allocator.js';
import { InvalidCidrError } from '../../util/net.js';

test('cidrRange refuses a malformed CIDR and clears host bits of a valid one', { timeout: 5000 }, () => {
  for (const bad of ['10.43.0/16', 'junk', '10.43.0.0/40', '10.43.0.0']) assert.throws(() => cidrRange('serviceips', bad), InvalidCidrError, bad);
  const r = cidrRange('serviceips', '10.43.7.9/16');
  assert.equal(r.nth(0), '10.43.0.0');
  assert.equal(r.at(0), '10.43.0.1');
  assert.equal(r.nth(10), '10.43.0.10');
  assert.equal(r.size, 65534);
  assert.equal(r.indexOf('10.43.0.1'), 0);
  assert.equal(r.indexOf('10.44.0.1'), -1);
  assert.equal(r.indexOf('junk'), -1);
});
