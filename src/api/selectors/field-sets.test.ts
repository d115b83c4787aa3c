import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types/index.js';
import { compileObjectSelector, fieldsFor, kindsWithFieldTables, selectionView } from './index.js';

// One object per kind with every selectable field set, plus bulk the view must drop.
const bulk = { containers: [{ name: 'c', image: 'busybox' }], data: 'x'.repeat(100) };
const samples: Record<string, Record<string, unknown>> = {
  '/Pod': {
    spec: { ...bulk, nodeName: 'n1', restartPolicy: 'Never', schedulerName: 's', serviceAccountName: 'sa', hostNetwork: true },
    status: { phase: 'Running', podIPs: [{ ip: '10.42.0.9' }], podIP: '10.42.0.9', nominatedNodeName: 'n2', conditions: [{ type: 'Ready' }] },
  },
  '/Event': { involvedObject: { kind: 'Pod', namespace: 'd', name: 'p', uid: 'u', apiVersion: 'v1', resourceVersion: '1', fieldPath: 'f' }, reason: 'R', type: 'Normal', source: { component: 'kubelet' }, message: 'bulk' },
  'events.k8s.io/Event': { regarding: { kind: 'Pod', name: 'p' }, reason: 'R', type: 'Warning', reportingController: 'rc', note: 'bulk' },
  '/Node': { spec: { unschedulable: true, podCIDR: '10.42.1.0/24' } },
  '/Namespace': { status: { phase: 'Terminating' }, spec: { finalizers: ['kubernetes'] } },
  '/Secret': { type: 'Opaque', data: { a: 'YQ==' } },
  '/Service': { spec: { clusterIP: '10.43.0.5', type: 'NodePort', ports: [{ port: 80 }] } },
  '/ReplicationController': { status: { replicas: 3, readyReplicas: 3 } },
  'apps/ReplicaSet': { status: { replicas: 2 }, spec: { template: bulk } },
  'batch/Job': { status: { succeeded: 4, active: 1 } },
  'certificates.k8s.io/CertificateSigningRequest': { spec: { signerName: 'kubernetes.io/kubelet-serving', request: 'bulk' } },
};

test('the selection view reads the same as the object for every selectable field of every kind', () => {
  for (const gk of kindsWithFieldTables()) {
    const [group, kind] = gk.split('/') as [string, string];
    assert.ok(samples[gk], `a sample for ${gk}: add one when a kind gets selectable fields`);
    const obj = { apiVersion: 'v1', kind, metadata: { name: 'o', namespace: 'd', labels: { app: 'web' }, annotations: { big: 'x'.repeat(100) } }, ...samples[gk] } as KObject;
    const view = selectionView(group, kind, obj);
    assert.deepEqual(fieldsFor(group, kind, view), fieldsFor(group, kind, obj), gk);
    assert.deepEqual(view.metadata.labels, obj.metadata.labels);
    assert.equal(view.metadata.annotations, undefined, `${gk}: the view keeps only what selectors read`);
    for (const [field, value] of Object.entries(fieldsFor(group, kind, obj))) {
      const sel = compileObjectSelector(group, kind, 'app=web', `${field}=${value}`)!;
      assert.equal(sel(view), true, `${gk} ${field}`);
      assert.equal(compileObjectSelector(group, kind, '', `${field}!=${value}`)!(view), false, `${gk} ${field}!=`);
    }
  }
});

test('the selection view of an object without the fields is its metadata only', () => {
  const view = selectionView('', 'Pod', { metadata: { name: 'p' } } as KObject);
  assert.deepEqual(view, { metadata: { name: 'p' } });
  assert.deepEqual(fieldsFor('', 'Pod', view), fieldsFor('', 'Pod', { metadata: { name: 'p' } } as KObject));
});
