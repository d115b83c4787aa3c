import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicy, parseAuditPolicy, AuditPolicyError, type PolicyAttributes } from './policy.js';

const policy = parseAuditPolicy({
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  omitManagedFields: true,
  rules: [
    { level: 'None', users: ['system:kube-proxy'], verbs: ['watch'], resources: [{ group: '', resources: ['endpoints', 'services'] }] },
    { level: 'None', nonResourceURLs: ['/healthz*', '/version'] },
    { level: 'None', userGroups: ['system:nodes'], verbs: ['get'], resources: [{ group: '', resources: ['nodes'] }] },
    { level: 'RequestResponse', resources: [{ group: '', resources: ['pods/log', 'pods/status'] }] },
    { level: 'Request', resources: [{ group: '', resources: ['configmaps'], resourceNames: ['controller-leader'] }], namespaces: ['kube-system'], omitManagedFields: false },
    { level: 'Metadata', resources: [{ group: '', resources: ['secrets', 'configmaps'] }, { group: 'authentication.k8s.io', resources: ['tokenreviews'] }], omitStages: ['ResponseStarted'] },
    { level: 'Request', resources: [{ group: 'apps' }] },
    { level: 'Request', resources: [{ group: '', resources: ['*/scale'] }] },
    { level: 'Metadata', namespaces: [''] },
    { level: 'Metadata', verbs: ['get'], nonResourceURLs: ['/apis*'] },
  ],
});

const u = (o: Partial<PolicyAttributes>): PolicyAttributes => ({ user: 'alice', groups: ['system:authenticated'], verb: 'get', ...o });
const pods = (sub?: string, ns = 'default'): PolicyAttributes['resource'] => ({ group: '', resource: 'pods', subresource: sub, namespace: ns, name: 'p' });

test('the first matching rule gives the level; no match is None', () => {
  assert.equal(evaluatePolicy(policy, u({ user: 'system:kube-proxy', verb: 'watch', resource: { group: '', resource: 'services' } })).level, 'None');
  // The same user's list is not covered by the None rule: falls through to later rules (none match a namespaced service list).
  assert.equal(evaluatePolicy(policy, u({ user: 'system:kube-proxy', verb: 'list', resource: { group: '', resource: 'services', namespace: 'default' } })).level, 'None');
  assert.equal(evaluatePolicy(policy, u({ groups: ['system:nodes'], resource: { group: '', resource: 'nodes', name: 'n1' } })).level, 'None');
  // Cluster-scoped requests match namespaces: [""].
  assert.equal(evaluatePolicy(policy, u({ resource: { group: '', resource: 'nodes', name: 'n1' } })).level, 'Metadata');
});

test('resources: a plain name does not match its sub-resources; pods/log, */scale and group-wide rules do', () => {
  assert.equal(evaluatePolicy(policy, u({ resource: pods('log') })).level, 'RequestResponse');
  assert.equal(evaluatePolicy(policy, u({ resource: pods('status') })).level, 'RequestResponse');
  assert.equal(evaluatePolicy(policy, u({ resource: pods() })).level, 'None');
  assert.equal(evaluatePolicy(policy, u({ resource: pods('exec') })).level, 'None');
  assert.equal(evaluatePolicy(policy, u({ resource: { group: '', resource: 'replicationcontrollers', subresource: 'scale', namespace: 'x' } })).level, 'Request');
  assert.equal(evaluatePolicy(policy, u({ verb: 'create', resource: { group: 'apps', resource: 'deployments', namespace: 'x' } })).level, 'Request');
  assert.equal(evaluatePolicy(policy, u({ verb: 'create', resource: { group: 'authentication.k8s.io', resource: 'tokenreviews' } })).level, 'Metadata');
});

test('resourceNames and namespaces narrow a rule; omitStages add up; omitManagedFields per rule', () => {
  const leader = evaluatePolicy(policy, u({ verb: 'update', resource: { group: '', resource: 'configmaps', namespace: 'kube-system', name: 'controller-leader' } }));
  assert.equal(leader.level, 'Request');
  assert.equal(leader.omitManagedFields, false);
  assert.deepEqual([...leader.omitStages], ['RequestReceived']);
  const other = evaluatePolicy(policy, u({ verb: 'update', resource: { group: '', resource: 'configmaps', namespace: 'kube-system', name: 'x' } }));
  assert.equal(other.level, 'Metadata');
  assert.equal(other.omitManagedFields, true);
  assert.deepEqual([...other.omitStages].sort(), ['RequestReceived', 'ResponseStarted']);
  assert.equal(evaluatePolicy(policy, u({ verb: 'update', resource: { group: '', resource: 'configmaps', namespace: 'default', name: 'controller-leader' } })).level, 'Metadata');
});

test('non-resource URLs: exact and prefix* forms, never for resource requests', () => {
  assert.equal(evaluatePolicy(policy, u({ path: '/healthz/etcd' })).level, 'None');
  assert.equal(evaluatePolicy(policy, u({ path: '/version' })).level, 'None');
  assert.equal(evaluatePolicy(policy, u({ path: '/apis/apps' })).level, 'Metadata');
  assert.equal(evaluatePolicy(policy, u({ verb: 'post', path: '/apis/apps' })).level, 'None');
  assert.equal(evaluatePolicy(policy, u({ path: '/metrics' })).level, 'None');
});

test('bad policies are refused with a reason', () => {
  const bad = (doc: unknown, re: RegExp): void => assert.throws(() => parseAuditPolicy(doc), (e: unknown) => e instanceof AuditPolicyError && re.test(e.message));
  const base = { apiVersion: 'audit.k8s.io/v1', kind: 'Policy' };
  bad({ ...base, rules: [] }, /no rules/);
  bad({ ...base, apiVersion: 'audit.k8s.io/v1beta2', rules: [{ level: 'None' }] }, /apiVersion/);
  bad({ ...base, rules: [{ level: 'Everything' }] }, /rules\[0\]\.level/);
  bad({ ...base, rules: [{ level: 'None', omitStages: ['Done'] }] }, /unknown stage "Done"/);
  bad({ ...base, rules: [{ level: 'None', nonResourceURLs: ['/x'], namespaces: ['a'] }] }, /both regular resources and non-resource URLs/);
  bad({ ...base, rules: [{ level: 'None', resources: [{ resources: ['*'], resourceNames: ['x'] }] }] }, /resourceNames/);
  bad({ ...base, rules: [{ level: 'None', users: 'alice' }] }, /users must be a list of strings/);
});
