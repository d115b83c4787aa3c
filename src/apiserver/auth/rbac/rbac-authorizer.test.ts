import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../api/types/index.js';
import type { RequestAttributes, UserInfo } from '../user.js';
import type { PolicySource } from './policy-source.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { AuthorizerChain, MastersAuthorizer, defaultAuthorizer } from '../authorizers.js';
import { NodeAuthorizer } from '../node-authorizer.js';
import { NodeGraph } from '../node-graph.js';
import { defaultClusterRoleBindings, defaultClusterRoles } from './default-policy.js';
import { aggregatedRules } from '../../../api/rbac/index.js';

const G = 'rbac.authorization.k8s.io';

class FakePolicy implements PolicySource {
  rev = 1;
  rolesList: Role[] = [];
  clusterRolesList: ClusterRole[] = [];
  bindings: RoleBinding[] = [];
  clusterBindings: ClusterRoleBinding[] = [];
  revision(): number {
    return this.rev;
  }
  roles(): Role[] {
    return this.rolesList;
  }
  clusterRoles(): ClusterRole[] {
    return this.clusterRolesList;
  }
  roleBindings(): RoleBinding[] {
    return this.bindings;
  }
  clusterRoleBindings(): ClusterRoleBinding[] {
    return this.clusterBindings;
  }
  /** Every mutation moves the revision, as the watch caches do. */
  change(fn: (p: this) => void): void {
    fn(this);
    this.rev++;
  }
}

const jane: UserInfo = { username: 'jane', groups: ['system:authenticated'] };
const attrs = (user: UserInfo, verb: string, resource: string, namespace?: string, o: Partial<RequestAttributes> = {}): RequestAttributes => ({ user, verb, resourceRequest: true, apiGroup: '', resource, namespace, ...o });
const role = (ns: string, name: string, rules: Role['rules']): Role => ({ apiVersion: `${G}/v1`, kind: 'Role', metadata: { name, namespace: ns }, rules });
const binding = (ns: string, name: string, kind: 'Role' | 'ClusterRole', roleName: string, subjects: RoleBinding['subjects']): RoleBinding => ({
  apiVersion: `${G}/v1`, kind: 'RoleBinding', metadata: { name, namespace: ns }, roleRef: { apiGroup: G, kind, name: roleName }, subjects,
});

test('a RoleBinding grants its Role only in its namespace', () => {
  const p = new FakePolicy();
  p.rolesList = [role('dev', 'reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }])];
  p.bindings = [binding('dev', 'jane-reads', 'Role', 'reader', [{ kind: 'User', apiGroup: G, name: 'jane' }])];
  const a = new RbacAuthorizer(p);
  const d = a.authorize(attrs(jane, 'list', 'pods', 'dev'));
  assert.equal(d.allowed, true);
  assert.match(d.reason, /RoleBinding "jane-reads" in namespace "dev" of Role "reader"/);
  assert.equal(a.authorize(attrs(jane, 'list', 'pods', 'prod')).allowed, false);
  assert.equal(a.authorize(attrs(jane, 'list', 'pods')).allowed, false, 'a namespaced grant does not allow listing across namespaces');
  assert.equal(a.authorize(attrs(jane, 'delete', 'pods', 'dev')).allowed, false);
  assert.equal(a.authorize(attrs({ username: 'bob', groups: [] }, 'list', 'pods', 'dev')).allowed, false);
});

test('ClusterRoleBindings grant everywhere; RoleBindings to ClusterRoles grant in their namespace', () => {
  const p = new FakePolicy();
  p.clusterRolesList = [{ apiVersion: `${G}/v1`, kind: 'ClusterRole', metadata: { name: 'secret-reader' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] }];
  p.bindings = [binding('ops', 'sa', 'ClusterRole', 'secret-reader', [{ kind: 'ServiceAccount', name: 'robot' }])];
  const a = new RbacAuthorizer(p);
  const robot: UserInfo = { username: 'system:serviceaccount:ops:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:ops', 'system:authenticated'] };
  assert.equal(a.authorize(attrs(robot, 'get', 'secrets', 'ops', { name: 'x' })).allowed, true);
  assert.equal(a.authorize(attrs(robot, 'get', 'secrets', 'default', { name: 'x' })).allowed, false);
  p.change((q) => (q.clusterBindings = [{ apiVersion: `${G}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'all-sa' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'secret-reader' }, subjects: [{ kind: 'Group', apiGroup: G, name: 'system:serviceaccounts' }] }]));
  assert.equal(a.authorize(attrs(robot, 'get', 'secrets', 'default', { name: 'x' })).allowed, true, 'the new binding applies to the next request (cache invalidated)');
  p.change((q) => (q.clusterBindings = []));
  assert.equal(a.authorize(attrs(robot, 'get', 'secrets', 'default', { name: 'x' })).allowed, false, 'a removed binding stops applying at once');
});

test('a binding to a missing role allows nothing and says why', () => {
  const p = new FakePolicy();
  p.bindings = [binding('dev', 'b', 'Role', 'gone', [{ kind: 'User', apiGroup: G, name: 'jane' }])];
  const d = new RbacAuthorizer(p).authorize(attrs(jane, 'get', 'pods', 'dev'));
  assert.equal(d.allowed, false);
  assert.equal(d.reason, 'RBAC: role.rbac.authorization.k8s.io "gone" not found');
});

test('rulesFor lists cluster-wide and namespace rules (SelfSubjectRulesReview)', () => {
  const p = new FakePolicy();
  p.rolesList = [role('dev', 'r', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['p1'] }])];
  p.bindings = [binding('dev', 'b', 'Role', 'r', [{ kind: 'Group', apiGroup: G, name: 'system:authenticated' }])];
  p.clusterRolesList = [{ apiVersion: `${G}/v1`, kind: 'ClusterRole', metadata: { name: 'disc' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }] }];
  p.clusterBindings = [{ apiVersion: `${G}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'disc' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'disc' }, subjects: [{ kind: 'Group', apiGroup: G, name: 'system:authenticated' }] }];
  const a = new RbacAuthorizer(p);
  assert.deepEqual(a.rulesFor(jane, 'dev'), {
    resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['p1'] }],
    nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }],
    incomplete: false,
  });
  assert.deepEqual(a.rulesFor(jane, 'prod').resourceRules, []);
});

test('the default chain: masters allowed, authenticated users get discovery and self reviews only', () => {
  const p = new FakePolicy();
  const roles = defaultClusterRoles();
  // What the start-up reconciliation does for aggregated roles.
  for (let i = 0; i < 3; i++) for (const r of roles) r.rules = aggregatedRules(r, roles) ?? r.rules;
  p.clusterRolesList = roles;
  p.clusterBindings = defaultClusterRoleBindings();
  const chain = defaultAuthorizer(new RbacAuthorizer(p), new NodeAuthorizer(new NodeGraph()));
  const admin: UserInfo = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };
  assert.equal(chain.authorize(attrs(admin, 'delete', 'nodes')).allowed, true);
  assert.equal(chain.authorize(attrs(jane, 'list', 'secrets')).allowed, false);
  assert.equal(chain.authorize(attrs(jane, 'create', 'selfsubjectaccessreviews', undefined, { apiGroup: 'authorization.k8s.io' })).allowed, true);
  assert.equal(chain.authorize({ user: jane, verb: 'get', resourceRequest: false, path: '/apis/apps/v1' }).allowed, true);
  assert.equal(chain.authorize({ user: jane, verb: 'get', resourceRequest: false, path: '/metrics' }).allowed, false);
  const anon: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
  assert.equal(chain.authorize({ user: anon, verb: 'get', resourceRequest: false, path: '/version' }).allowed, true);
  assert.equal(chain.authorize({ user: anon, verb: 'get', resourceRequest: false, path: '/api' }).allowed, false);
  // edit aggregates view, admin aggregates edit.
  const admins = new RbacAuthorizer(p);
  p.change((q) => (q.bindings = [binding('dev', 'b', 'ClusterRole', 'admin', [{ kind: 'User', apiGroup: G, name: 'jane' }])]));
  assert.equal(admins.authorize(attrs(jane, 'list', 'pods', 'dev')).allowed, true, 'view rules reach admin');
  assert.equal(admins.authorize(attrs(jane, 'create', 'deployments', 'dev', { apiGroup: 'apps' })).allowed, true, 'edit rules reach admin');
  assert.equal(admins.authorize(attrs(jane, 'create', 'rolebindings', 'dev', { apiGroup: G })).allowed, true);
  assert.equal(admins.authorize(attrs(jane, 'get', 'pods', 'dev', { subresource: 'log' })).allowed, true);
  assert.equal(admins.authorize(attrs(jane, 'create', 'resourcequotas', 'dev')).allowed, false, 'admin does not write quotas');
  // A node gets the Node authorizer's rules: its own Node's status, nothing cluster-wide.
  const node: UserInfo = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  assert.equal(chain.authorize(attrs(node, 'patch', 'nodes', undefined, { subresource: 'status', name: 'n1' })).allowed, true);
  assert.equal(chain.authorize(attrs(node, 'delete', 'namespaces', undefined, { name: 'x' })).allowed, false);
});

test('the chain stops at the first allow or deny and passes on no opinion', () => {
  const deny = { authorize: () => ({ allowed: false, denied: true, reason: 'no' }), rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: false }) };
  const allow = { authorize: () => ({ allowed: true, reason: 'yes' }), rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: false }) };
  assert.deepEqual(new AuthorizerChain([new MastersAuthorizer(), deny, allow]).authorize(attrs(jane, 'get', 'pods')), { allowed: false, denied: true, reason: 'no' });
  assert.deepEqual(new AuthorizerChain([new MastersAuthorizer(), allow, deny]).authorize(attrs(jane, 'get', 'pods')), { allowed: true, reason: 'yes' });
});
