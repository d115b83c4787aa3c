import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from '../../../api/types/index.js';
import type { RequestAttributes, UserInfo } from '../user.js';
import { describeRule, parseServiceAccountUsername, ruleAllows, subjectMatches, uncoveredRules } from './rules.js';

const jane: UserInfo = { username: 'jane', groups: ['devs', 'system:authenticated'] };
const res = (verb: string, resource: string, o: Partial<RequestAttributes> = {}): RequestAttributes => ({ user: jane, verb, resourceRequest: true, apiGroup: '', resource, ...o });
const path = (verb: string, p: string): RequestAttributes => ({ user: jane, verb, resourceRequest: false, path: p });

test('verbs, API groups and resources match exactly or by *', () => {
  const r: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };
  assert.ok(ruleAllows(res('get', 'pods'), r));
  assert.ok(ruleAllows(res('list', 'pods'), r));
  assert.ok(!ruleAllows(res('delete', 'pods'), r));
  assert.ok(!ruleAllows(res('get', 'secrets'), r));
  assert.ok(!ruleAllows(res('get', 'pods', { apiGroup: 'apps' }), r), 'the core group is "", not any group');
  const any: PolicyRule = { verbs: ['*'], apiGroups: ['*'], resources: ['*'] };
  assert.ok(ruleAllows(res('deletecollection', 'deployments', { apiGroup: 'apps' }), any));
  assert.ok(ruleAllows(res('get', 'pods', { subresource: 'log' }), any), '* covers subresources');
  assert.ok(!ruleAllows(path('get', '/healthz'), any), 'resource rules never allow non-resource paths');
});

test('subresources need their own resource entry or */sub', () => {
  const pods: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
  assert.ok(!ruleAllows(res('get', 'pods', { subresource: 'log' }), pods), 'pods does not grant pods/log');
  const log: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] };
  assert.ok(ruleAllows(res('get', 'pods', { subresource: 'log' }), log));
  assert.ok(!ruleAllows(res('get', 'pods'), log), 'pods/log does not grant pods');
  const anyScale: PolicyRule = { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] };
  assert.ok(ruleAllows(res('update', 'deployments', { apiGroup: 'apps', subresource: 'scale' }), anyScale));
  assert.ok(!ruleAllows(res('update', 'deployments', { apiGroup: 'apps', subresource: 'status' }), anyScale));
  assert.ok(!ruleAllows(res('update', 'deployments', { apiGroup: 'apps' }), anyScale));
});

test('resourceNames restrict to named objects; a list has no name', () => {
  const r: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['app-config'] };
  assert.ok(ruleAllows(res('get', 'configmaps', { name: 'app-config' }), r));
  assert.ok(!ruleAllows(res('get', 'configmaps', { name: 'other' }), r));
  assert.ok(!ruleAllows(res('list', 'configmaps'), r));
});

test('nonResourceURLs match exactly, by *, or by a prefix ending in *', () => {
  const r: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
  assert.ok(ruleAllows(path('get', '/healthz'), r));
  assert.ok(!ruleAllows(path('get', '/healthz/etcd'), r));
  assert.ok(ruleAllows(path('get', '/apis/apps/v1'), r));
  assert.ok(ruleAllows(path('get', '/apis/'), r));
  assert.ok(!ruleAllows(path('get', '/apis'), r));
  assert.ok(!ruleAllows(path('post', '/healthz'), r));
  assert.ok(ruleAllows(path('get', '/anything'), { verbs: ['get'], nonResourceURLs: ['*'] }));
  assert.ok(!ruleAllows(res('get', 'pods'), r), 'non-resource rules never allow resources');
});

test('subjects: users, groups and service accounts (defaulting to the binding namespace)', () => {
  assert.ok(subjectMatches(jane, { kind: 'User', name: 'jane' }, ''));
  assert.ok(!subjectMatches(jane, { kind: 'User', name: 'bob' }, ''));
  assert.ok(subjectMatches(jane, { kind: 'Group', name: 'devs' }, ''));
  assert.ok(subjectMatches(jane, { kind: 'Group', name: 'system:authenticated' }, ''));
  const sa: UserInfo = { username: 'system:serviceaccount:ns1:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'] };
  assert.ok(subjectMatches(sa, { kind: 'ServiceAccount', name: 'robot', namespace: 'ns1' }, ''));
  assert.ok(subjectMatches(sa, { kind: 'ServiceAccount', name: 'robot' }, 'ns1'));
  assert.ok(!subjectMatches(sa, { kind: 'ServiceAccount', name: 'robot' }, ''), 'no namespace at all never matches');
  assert.ok(!subjectMatches(sa, { kind: 'ServiceAccount', name: 'robot', namespace: 'ns2' }, 'ns1'));
  assert.ok(subjectMatches(sa, { kind: 'Group', name: 'system:serviceaccounts:ns1' }, ''));
  assert.deepEqual(parseServiceAccountUsername('system:serviceaccount:ns1:robot'), { namespace: 'ns1', name: 'robot' });
  assert.equal(parseServiceAccountUsername('system:serviceaccount:ns1'), undefined);
  assert.equal(parseServiceAccountUsername('jane'), undefined);
});

test('covers: owner rules must grant every verb, group, resource, name and URL wanted', () => {
  const owner: PolicyRule[] = [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'services'] },
    { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] },
    { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
    { verbs: ['get'], nonResourceURLs: ['/apis/*'] },
  ];
  assert.deepEqual(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]), []);
  assert.deepEqual(uncoveredRules(owner, [{ verbs: ['update'], apiGroups: ['apps'], resources: ['deployments/scale'] }]), []);
  assert.deepEqual(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }]), []);
  assert.deepEqual(uncoveredRules(owner, [{ verbs: ['get'], nonResourceURLs: ['/apis/apps'] }]), []);
  const missing = uncoveredRules(owner, [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods', 'secrets'] }]);
  assert.deepEqual(missing.map(describeRule), [
    '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
    '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    '{APIGroups:[""], Resources:["secrets"], Verbs:["delete"]}',
  ]);
  assert.equal(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }]).length, 1, 'a name-limited rule does not cover all names');
  assert.equal(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }]).length, 1, 'pods does not cover pods/log');
  assert.equal(uncoveredRules(owner, [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }]).length, 1);
  assert.deepEqual(uncoveredRules([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }], owner), []);
});
