import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clone } from '../../util/json.js';
import { maxRevision, setNewReplicaSetAnnotations, MAX_REVISION_HISTORY_CHARS } from './annotations.js';
import { deployment, replicaSet } from './testing/fixtures.js';

test('a new ReplicaSet gets revision max+1, the replica annotations and the change-cause', () => {
  const d = deployment({ annotations: { 'kubernetes.io/change-cause': 'kubectl set image', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'deployment.kubernetes.io/revision': '2', team: 'a' } });
  const old = [replicaSet('a', { replicas: 0, revision: 1 }), replicaSet('b', { replicas: 5, revision: 2 })];
  const rs = replicaSet('c', { replicas: 0 });
  delete rs.metadata.annotations;
  assert.equal(setNewReplicaSetAnnotations(d, rs, maxRevision(old) + 1, false, 5, 6), true);
  assert.deepEqual(rs.metadata.annotations, {
    'kubernetes.io/change-cause': 'kubectl set image',
    team: 'a',
    'deployment.kubernetes.io/revision': '3',
    'deployment.kubernetes.io/desired-replicas': '5',
    'deployment.kubernetes.io/max-replicas': '6',
  });
});

test('a re-activated ReplicaSet (undo) moves to the top revision and remembers its old one', () => {
  const d = deployment();
  const rs = replicaSet('a', { replicas: 0, revision: 1, desired: 5, max: 6 });
  assert.equal(setNewReplicaSetAnnotations(d, rs, 3, true, 5, 6), true);
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  assert.equal(setNewReplicaSetAnnotations(d, rs, 5, true, 5, 6), true);
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1,3');
  const same = clone(rs);
  assert.equal(setNewReplicaSetAnnotations(d, same, 5, true, 5, 6), false, 'nothing to do when already current');
});

test('revision history is trimmed from the oldest entry past the limit', () => {
  const d = deployment();
  const rs = replicaSet('a', { replicas: 0, revision: 9999 });
  const long = Array.from({ length: 400 }, (_, i) => String(1000 + i)).join(',');
  rs.metadata.annotations!['deployment.kubernetes.io/revision-history'] = long;
  setNewReplicaSetAnnotations(d, rs, 10000, true, 5, 6);
  const h = rs.metadata.annotations!['deployment.kubernetes.io/revision-history'];
  assert.ok(h.length <= MAX_REVISION_HISTORY_CHARS);
  assert.ok(h.endsWith(',9999'));
  assert.ok(!h.startsWith('1000,'));
});
