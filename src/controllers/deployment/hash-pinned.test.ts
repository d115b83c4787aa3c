// Pins pod-template-hash values: a Deployment's ReplicaSets are found again by this label after an
// upgrade, so the hash of a given template must never change. If one of these fails, the hash
// input (canonical JSON without empty values, FNV-32a, safe encoding) changed: that is a bug.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHash } from './hash.js';
import { hashRevisionData, hashTemplate } from '../history/history.js';

const nginx = { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] } };
// Empty values (dropped by the Deployment hash, kept by the revision hashes) and integer-like
// label keys (which JavaScript orders numerically: "9" before "10").
const quirky = {
  metadata: { creationTimestamp: null, labels: { app: 'web', '10': 'a', '9': 'b' }, annotations: {} },
  spec: { containers: [{ name: 'c', image: 'busybox', args: [], env: null, resources: {} }], initContainers: [], restartPolicy: 'Always', terminationGracePeriodSeconds: 30 },
};

test('pod-template-hash values are stable (Deployment, controller.ComputeHash)', { timeout: 5000 }, () => {
  assert.equal(computeHash(nginx), '5f77bd959c');
  assert.equal(computeHash(nginx, 1), '69dd59cf68');
  assert.equal(computeHash(nginx, 4294967295), '98bfdcf65');
  assert.equal(computeHash(quirky as never), '5d9785d94');
  assert.equal(computeHash(quirky as never, 1), 'dcbb9b647');
  assert.equal(computeHash({} as never), '5ffbfbbd64');
});

test('controller-revision hash values are stable (DaemonSet template hash, StatefulSet revision hash)', { timeout: 5000 }, () => {
  assert.equal(hashTemplate(nginx), '5f77bd959c');
  assert.equal(hashTemplate(nginx, 2), '676d865b99');
  assert.equal(hashTemplate(quirky), '7f5f9549b');
  assert.equal(hashTemplate(quirky, 2), '754d4d557d');
  assert.equal(hashTemplate({}), '5859f96865');
  assert.equal(hashRevisionData({ spec: { template: { ...nginx, $patch: 'replace' } } }), '6569987d58');
  assert.equal(hashRevisionData(nginx, 3), 'fc484fc84');
  assert.equal(hashRevisionData({ spec: { template: { ...quirky, $patch: 'replace' } } }), '59ccd4954c');
  assert.equal(hashRevisionData(quirky, 3), '7c6dd4c5df');
});
