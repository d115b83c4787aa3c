import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patchObject, applyObject, MAX_PATCHED_OBJECT_BYTES } from './patch-object.js';
import { StatusError } from '../status.js';
import type { KObject } from '../types/index.js';

const cm = (): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: 'x'.repeat(1024 * 1024) } }) as KObject;
const target = { group: '', kind: 'ConfigMap' };

function statusOf(fn: () => unknown): number | string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e.status.code;
  }
  return 'no error';
}

test('every patch type refuses a result larger than the stored-object limit with 413', () => {
  const big = 'y'.repeat(MAX_PATCHED_OBJECT_BYTES / 2);
  assert.equal(statusOf(() => patchObject(target, 'merge', cm(), { data: { b: big } })), 413);
  assert.equal(statusOf(() => patchObject(target, 'strategic', cm(), { data: { b: big } })), 413);
  assert.equal(statusOf(() => patchObject(target, 'json', cm(), [{ op: 'add', path: '/data/b', value: big }])), 413);
  const applied = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { b: big, c: big } } as KObject;
  assert.equal(statusOf(() => applyObject(target, cm(), applied, { manager: 'm', force: false, apiVersion: 'v1', now: '2026-01-01T00:00:00Z', hasStatus: false })), 413);
  // Just under the limit is fine.
  assert.equal(statusOf(() => patchObject(target, 'merge', cm(), { data: { b: 'z'.repeat(1024) } })), 'no error');
});
