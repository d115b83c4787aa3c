import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failingConditions, updatedConditions } from './conditions.js';

test('content remaining and finalizers in upstream wording; ok variants otherwise', () => {
  const failing = failingConditions({ remaining: new Map([['pods.', 2], ['replicasets.apps', 1]]), finalizers: new Map([['example.com/x', 1]]), errors: [] });
  const conds = updatedConditions([], failing, 't0')!;
  assert.deepEqual(conds.map((c) => [c.type, c.status, c.reason]), [
    ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered'],
    ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions'],
    ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted'],
    ['NamespaceContentRemaining', 'True', 'SomeResourcesRemain'],
    ['NamespaceFinalizersRemaining', 'True', 'SomeFinalizerRemain'],
  ]);
  assert.equal(conds[3].message, 'Some resources are remaining: pods. has 2 resource instances, replicasets.apps has 1 resource instances');
  assert.equal(conds[4].message, 'Some finalizers are remaining: example.com/x in 1 resource instances');
  assert.equal(updatedConditions(conds, failing, 't1'), undefined);
  const done = updatedConditions(conds, [], 't2')!;
  assert.deepEqual([done[3].status, done[3].reason, done[3].lastTransitionTime, done[0].lastTransitionTime], ['False', 'ContentRemoved', 't2', 't0']);
});
