import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BugError, isBugError } from './bug-error.js';
import { ERR_BUG } from './error-codes.js';

test('BugError carries its name and code; isBugError tells it apart from other errors', () => {
  const e = new BugError('unknown worker phase "x"', { cause: new Error('inner') });
  assert.equal(e.name, 'BugError');
  assert.equal(e.code, ERR_BUG);
  assert.equal(e.message, 'unknown worker phase "x"');
  assert.ok(e.cause instanceof Error);
  assert.ok(isBugError(e));
  assert.equal(isBugError(new Error('x')), false);
  assert.equal(isBugError(Object.assign(new Error('x'), { name: 'BugError' })), false, 'a look-alike is not a BugError');
  assert.equal(isBugError(undefined), false);
});
