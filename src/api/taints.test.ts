import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findMatchingUntoleratedTaint, findUntoleratedNoScheduleOrNoExecuteTaint, matchTaint, toleratesTaint, tolerationsTolerateTaint, type Taint, type Toleration } from './taints.js';

const t = (key: string, effect: string, value?: string): Taint => ({ key, effect, ...(value === undefined ? {} : { value }) });

test('toleratesTaint follows upstream ToleratesTaint', { timeout: 5000 }, () => {
  // Exists with an empty key tolerates every taint; an empty effect matches every effect.
  assert.ok(toleratesTaint({ operator: 'Exists' }, t('anything', 'NoExecute', 'v')));
  assert.ok(toleratesTaint({ key: 'k', operator: 'Exists' }, t('k', 'PreferNoSchedule', 'v')));
  assert.ok(!toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoSchedule' }, t('k', 'NoExecute')));
  assert.ok(!toleratesTaint({ key: 'k', operator: 'Exists' }, t('other', 'NoSchedule')));
  // Equal (also spelled "" or left out) compares values; an absent value is "".
  assert.ok(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v' }, t('k', 'NoSchedule', 'v')));
  assert.ok(toleratesTaint({ key: 'k', value: 'v' }, t('k', 'NoSchedule', 'v')));
  assert.ok(toleratesTaint({ key: 'k', operator: '', value: 'v', effect: 'NoSchedule' }, t('k', 'NoSchedule', 'v')));
  assert.ok(toleratesTaint({ key: 'k', operator: 'Equal' }, t('k', 'NoSchedule')));
  assert.ok(toleratesTaint({ key: 'k', operator: 'Equal', value: '' }, t('k', 'NoSchedule')));
  assert.ok(!toleratesTaint({ key: 'k', operator: 'Equal', value: 'w' }, t('k', 'NoSchedule', 'v')));
  assert.ok(!toleratesTaint({ key: 'k', operator: 'Equal' }, t('k', 'NoSchedule', 'v')));
  // An empty key skips the key check for Equal too (validation forbids the combination).
  assert.ok(toleratesTaint({ operator: 'Equal' }, t('k', 'NoSchedule')));
  assert.ok(!toleratesTaint({ operator: 'Equal' }, t('k', 'NoSchedule', 'v')));
  // No other operators in 1.32.
  assert.ok(!toleratesTaint({ key: 'k', operator: 'Lt', value: '5' }, t('k', 'NoSchedule', '3')));
  assert.ok(!toleratesTaint({ key: 'k', operator: 'Gt', value: '' }, t('k', 'NoSchedule')));
});

test('tolerationsTolerateTaint, findMatchingUntoleratedTaint and its NoSchedule/NoExecute form', { timeout: 5000 }, () => {
  const tols: Toleration[] = [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }, { key: 'b', value: 'x' }];
  assert.ok(tolerationsTolerateTaint(tols, t('a', 'NoSchedule')));
  assert.ok(tolerationsTolerateTaint(tols, t('b', 'NoExecute', 'x')));
  assert.ok(!tolerationsTolerateTaint(tols, t('a', 'NoExecute')));
  assert.ok(!tolerationsTolerateTaint(undefined, t('a', 'NoExecute')));
  const taints = [t('p', 'PreferNoSchedule'), t('a', 'NoSchedule'), t('c', 'NoExecute'), t('d', 'NoSchedule')];
  assert.deepEqual(findMatchingUntoleratedTaint(taints, tols), t('p', 'PreferNoSchedule'));
  assert.deepEqual(findMatchingUntoleratedTaint(taints, tols, (x) => x.effect === 'NoExecute'), t('c', 'NoExecute'));
  assert.deepEqual(findUntoleratedNoScheduleOrNoExecuteTaint(taints, tols), t('c', 'NoExecute'));
  assert.deepEqual(findUntoleratedNoScheduleOrNoExecuteTaint(taints, [...tols, { key: 'c' }]), t('d', 'NoSchedule'));
  assert.equal(findUntoleratedNoScheduleOrNoExecuteTaint([t('p', 'PreferNoSchedule')], []), undefined);
  assert.equal(findUntoleratedNoScheduleOrNoExecuteTaint(undefined, tols), undefined);
  assert.equal(findMatchingUntoleratedTaint(taints, [{ operator: 'Exists' }]), undefined);
  assert.equal(findMatchingUntoleratedTaint(undefined, tols), undefined);
});

test('matchTaint compares key and effect only', { timeout: 5000 }, () => {
  assert.ok(matchTaint(t('a', 'NoSchedule', 'x'), t('a', 'NoSchedule', 'y')));
  assert.ok(!matchTaint(t('a', 'NoSchedule'), t('a', 'NoExecute')));
});
