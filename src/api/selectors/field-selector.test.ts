import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types/index.js';
import {
  parseFieldSelector, matchesFields, fieldsFor, validateFieldSelector, compileFieldSelector,
  fieldExactMatch, fieldSelectorToString, isAllFields, supportedFields, normalizeFieldSelector,
} from './index.js';

const pod: KObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default' },
  spec: { nodeName: 'node-a', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default' },
  status: { phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }] },
};

test('parses =, == and !=, AND-ed with commas', () => {
  const sel = parseFieldSelector('status.phase!=Failed,metadata.name==web-1,spec.nodeName=node-a');
  assert.deepEqual(sel.requirements.map((r) => [r.field, r.operator, r.value]), [
    ['metadata.name', '==', 'web-1'],
    ['spec.nodeName', '=', 'node-a'],
    ['status.phase', '!=', 'Failed'],
  ]);
  assert.ok(matchesFields(sel, fieldsFor('', 'Pod', pod)));
  assert.ok(!matchesFields(parseFieldSelector('status.phase=Pending'), fieldsFor('', 'Pod', pod)));
  assert.ok(isAllFields(parseFieldSelector('')));
});

test('backslash escapes in values', () => {
  const sel = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d,type=x');
  assert.equal(sel.requirements[0].value, 'a,b=c\\d');
  assert.equal(fieldSelectorToString(sel), 'metadata.name=a\\,b\\=c\\\\d,type=x');
  assert.throws(() => parseFieldSelector('a=b\\x'), { message: 'invalid field selector: invalid escape sequence: \\x' });
  assert.throws(() => parseFieldSelector('a=b=c'), { message: 'invalid field selector: unescaped character in value: =' });
  assert.throws(() => parseFieldSelector('a=b\\'), { message: 'invalid field selector: invalid escape sequence: \\' });
  assert.throws(() => parseFieldSelector('abc'), { message: "invalid selector: 'abc'; can't understand 'abc'" });
});

test('missing fields read as the empty string', () => {
  assert.ok(matchesFields(parseFieldSelector('x!=y'), {}));
  assert.ok(matchesFields(parseFieldSelector('x='), {}));
  assert.ok(!matchesFields(parseFieldSelector('toString=y'), {}));
});

test('pod field set', () => {
  const f = fieldsFor('', 'Pod', pod);
  assert.equal(f['metadata.name'], 'web-1');
  assert.equal(f['metadata.namespace'], 'default');
  assert.equal(f['spec.hostNetwork'], 'false');
  assert.equal(f['status.podIP'], '10.0.0.5');
  assert.equal(f['status.nominatedNodeName'], '');
  assert.equal(fieldsFor('', 'Pod', { ...pod, spec: { hostNetwork: true } })['spec.hostNetwork'], 'true');
});

test('unsupported field labels are rejected per kind', () => {
  assert.throws(() => validateFieldSelector('', 'ConfigMap', parseFieldSelector('spec.nodeName=x')), {
    message: 'field label not supported: spec.nodeName',
  });
  validateFieldSelector('', 'ConfigMap', parseFieldSelector('metadata.name=x,metadata.namespace=y'));
  validateFieldSelector('', 'Secret', parseFieldSelector('type=kubernetes.io/tls'));
  validateFieldSelector('', 'Service', parseFieldSelector('spec.type=ClusterIP,spec.clusterIP=None'));
  validateFieldSelector('apps', 'ReplicaSet', parseFieldSelector('status.replicas!=0'));
  validateFieldSelector('batch', 'Job', parseFieldSelector('status.successful=1'));
  validateFieldSelector('', 'Pod', parseFieldSelector('spec.host=node-a'));
  assert.throws(() => validateFieldSelector('', 'Node', parseFieldSelector('metadata.namespace=x')));
  assert.deepEqual(supportedFields('', 'Node'), ['metadata.name', 'spec.unschedulable']);
});

test('spec.host is an alias of spec.nodeName for pods', () => {
  const match = compileFieldSelector('', 'Pod', parseFieldSelector('spec.host=node-a'));
  assert.ok(match(pod));
  const norm = normalizeFieldSelector('', 'Pod', parseFieldSelector('spec.host=node-a'));
  assert.ok(matchesFields(norm, fieldsFor('', 'Pod', pod)));
});

test('core events: kubectl describe selector', () => {
  const ev: KObject = {
    metadata: { name: 'web-1.17a', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', uid: 'u-1' },
    reason: 'Scheduled', type: 'Normal', source: { component: 'default-scheduler' },
  };
  const sel = parseFieldSelector('involvedObject.name=web-1,involvedObject.namespace=default,involvedObject.uid=u-1');
  validateFieldSelector('', 'Event', sel);
  assert.ok(compileFieldSelector('', 'Event', sel)(ev));
  assert.equal(fieldsFor('', 'Event', ev).source, 'default-scheduler');
  assert.ok(!compileFieldSelector('', 'Event', parseFieldSelector('involvedObject.uid=u-2'))(ev));
});

test('events.k8s.io events select by regarding.* and reportingController', () => {
  const ev: KObject = {
    metadata: { name: 'e', namespace: 'default' },
    regarding: { kind: 'Pod', name: 'web-1' }, reason: 'Pulled', type: 'Normal', reportingController: 'kubelet',
  };
  const sel = parseFieldSelector('regarding.name=web-1,reportingController=kubelet');
  assert.ok(compileFieldSelector('events.k8s.io', 'Event', sel)(ev));
  assert.throws(() => validateFieldSelector('events.k8s.io', 'Event', parseFieldSelector('involvedObject.name=x')));
});

test('node, namespace and job fields', () => {
  assert.equal(fieldsFor('', 'Node', { metadata: { name: 'n' }, spec: { unschedulable: true } })['spec.unschedulable'], 'true');
  assert.equal(fieldsFor('', 'Node', { metadata: { name: 'n' } })['spec.unschedulable'], 'false');
  assert.equal(fieldsFor('', 'Namespace', { metadata: { name: 'x' }, status: { phase: 'Active' } })['status.phase'], 'Active');
  assert.equal(fieldsFor('batch', 'Job', { metadata: { name: 'j' }, status: { succeeded: 2 } })['status.successful'], '2');
  assert.equal(fieldsFor('batch', 'Job', { metadata: { name: 'j' } })['status.successful'], '0');
});

test('exact match lookup for metadata.name', () => {
  assert.equal(fieldExactMatch(parseFieldSelector('metadata.name=nginx-dep'), 'metadata.name'), 'nginx-dep');
  assert.equal(fieldExactMatch(parseFieldSelector('metadata.name!=nginx-dep'), 'metadata.name'), undefined);
});

test('compiled selector filters 10,000 pods', () => {
  const match = compileFieldSelector('', 'Pod', parseFieldSelector('spec.nodeName=node-a,status.phase!=Succeeded'));
  const pods = Array.from({ length: 10_000 }, (_, i): KObject => ({
    metadata: { name: `p${i}`, namespace: 'default' },
    spec: { nodeName: i % 4 === 0 ? 'node-a' : 'node-b' },
    status: { phase: i % 8 === 0 ? 'Succeeded' : 'Running' },
  }));
  assert.equal(pods.filter(match).length, 1250);
});
