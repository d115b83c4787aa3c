// Issue 13 (access control), RBAC part, with the real kubectl 1.32 against a server with
// simulated nodes: service-account tokens get only what RBAC grants, bindings apply at
// once, upstream's 403 texts, escalation prevention, 422 for invalid RBAC objects,
// impersonation (`--as`) checked by the `impersonate` verb, and `auth can-i --list`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, type TestCluster } from '../helpers/cluster.js';
import { startSimulated } from './support.js';

let c: TestCluster;
const NS = 'rbac-team';

/** kubectl with a token-only kubeconfig (kubectl would send the admin certificate too if it were in the kubeconfig, and x509 wins). */
async function asToken(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return c.kubectl(['--kubeconfig', file, ...args]);
}

before(async () => {
  c = await startSimulated();
}, { timeout: 60_000 });

after(async () => {
  await c?.stop();
  c?.cleanup();
});

describe('service-account tokens under the default policy', () => {
  let kc: string;

  before(async () => {
    await c.k(['create', 'namespace', NS]);
    // The serviceaccount controller creates `default` in the new namespace.
    await eventually(async () => (await c.kubectl(['-n', NS, 'get', 'sa', 'default'])).code === 0, 20_000);
    const token = (await c.k(['-n', NS, 'create', 'token', 'default'])).trim();
    const ca = (await c.k(['config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}'])).trim();
    kc = join(c.dataDir, 'sa.kubeconfig');
    writeFileSync(
      kc,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: k, cluster: {server: "${c.url}", certificate-authority-data: "${ca}"}}]`,
        `users: [{name: sa, user: {token: "${token}"}}]`,
        'contexts: [{name: k, context: {cluster: k, user: sa, namespace: default}}]',
        'current-context: k',
        '',
      ].join('\n'),
    );
  }, { timeout: 60_000 });

  it('get secrets -A is Forbidden with upstream\'s text; auth can-i create pods says no', { timeout: 60_000 }, async () => {
    assert.match((await asToken(kc, ['auth', 'whoami'])).stdout, new RegExp(`system:serviceaccount:${NS}:default`));
    const r = await asToken(kc, ['get', 'secrets', '-A']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`Error from server \\(Forbidden\\): secrets is forbidden: User "system:serviceaccount:${NS}:default" cannot list resource "secrets" in API group "" at the cluster scope`));
    const inNs = await asToken(kc, ['-n', NS, 'get', 'secrets']);
    assert.match(inNs.stderr, new RegExp(`cannot list resource "secrets" in API group "" in the namespace "${NS}"`));
    const can = await asToken(kc, ['-n', NS, 'auth', 'can-i', 'create', 'pods']);
    assert.equal(can.stdout.trim(), 'no');
    assert.equal(can.code, 1);
    // Discovery and self reviews stay open to every authenticated user.
    assert.equal((await asToken(kc, ['api-versions'])).code, 0);
    const list = await asToken(kc, ['-n', NS, 'auth', 'can-i', '--list']);
    assert.match(list.stdout, /selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
    assert.doesNotMatch(list.stdout, /^pods\s/m);
  });

  it('a RoleBinding to edit in its namespace allows there and nowhere else', { timeout: 60_000 }, async () => {
    await c.k(['-n', NS, 'create', 'rolebinding', 'sa-edit', '--clusterrole=edit', `--serviceaccount=${NS}:default`]);
    assert.equal((await asToken(kc, ['-n', NS, 'auth', 'can-i', 'create', 'pods'])).stdout.trim(), 'yes');
    assert.equal((await asToken(kc, ['-n', 'default', 'auth', 'can-i', 'create', 'pods'])).stdout.trim(), 'no');
    assert.equal((await asToken(kc, ['-n', NS, 'auth', 'can-i', 'get', 'pods', '--subresource=log'])).stdout.trim(), 'yes');
    assert.equal((await asToken(kc, ['-n', NS, 'auth', 'can-i', 'create', 'roles'])).stdout.trim(), 'no', 'edit does not manage RBAC');
    const run = await asToken(kc, ['-n', NS, 'create', 'configmap', 'made-by-sa', '--from-literal=a=b']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await asToken(kc, ['-n', NS, 'get', 'configmap', 'made-by-sa', '-o', 'name'])).stdout.trim(), 'configmap/made-by-sa');
    const other = await asToken(kc, ['-n', 'default', 'create', 'configmap', 'nope', '--from-literal=a=b']);
    assert.match(other.stderr, /configmaps is forbidden: User "system:serviceaccount:rbac-team:default" cannot create resource "configmaps" in API group "" in the namespace "default"/);
    const list = await asToken(kc, ['-n', NS, 'auth', 'can-i', '--list']);
    assert.match(list.stdout, /^deployments\.apps\s+\[\]\s+\[\]\s+\[create delete deletecollection patch update get list watch\]/m);
    // Removing the binding takes the rights away at once.
    await c.k(['-n', NS, 'delete', 'rolebinding', 'sa-edit']);
    assert.equal((await asToken(kc, ['-n', NS, 'auth', 'can-i', 'create', 'pods'])).stdout.trim(), 'no');
  });

  it('an admin of a namespace cannot grant what they do not hold (escalate/bind)', { timeout: 60_000 }, async () => {
    await c.k(['-n', NS, 'create', 'rolebinding', 'sa-admin', '--clusterrole=admin', `--serviceaccount=${NS}:default`]);
    assert.equal((await asToken(kc, ['-n', NS, 'create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods'])).code, 0);
    const esc = await asToken(kc, ['-n', NS, 'create', 'role', 'node-reader', '--verb=get', '--resource=nodes']);
    assert.notEqual(esc.code, 0);
    assert.match(esc.stderr, /roles\.rbac\.authorization\.k8s\.io "node-reader" is forbidden: user "system:serviceaccount:rbac-team:default" \(groups=\[.*\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["nodes"\], Verbs:\["get"\]\}/);
    assert.equal((await asToken(kc, ['-n', NS, 'create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob'])).code, 0, 'view is within admin');
    const bind = await asToken(kc, ['-n', NS, 'create', 'rolebinding', 'bob-root', '--clusterrole=cluster-admin', '--user=bob']);
    assert.notEqual(bind.code, 0);
    assert.match(bind.stderr, /rolebindings\.rbac\.authorization\.k8s\.io "bob-root" is forbidden: .*attempting to grant RBAC permissions not currently held/);
    // With the bind verb on that role, the binding is allowed.
    await c.k(['create', 'clusterrole', 'bind-cluster-admin', '--verb=bind', '--resource=clusterroles', '--resource-name=cluster-admin']);
    await c.k(['-n', NS, 'create', 'rolebinding', 'sa-bind', '--clusterrole=bind-cluster-admin', `--serviceaccount=${NS}:default`]);
    const bound = await asToken(kc, ['-n', NS, 'create', 'rolebinding', 'bob-root', '--clusterrole=cluster-admin', '--user=bob']);
    assert.equal(bound.code, 0, bound.stderr);
    await c.k(['-n', NS, 'delete', 'rolebinding', 'sa-admin', 'sa-bind', 'bob-root']);
  });
});

describe('invalid RBAC objects', () => {
  it('a Role without verbs and a binding to an unknown kind are 422 Invalid', { timeout: 60_000 }, async () => {
    const role = await c.kubectl(['create', '-f', '-'], { input: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: bad, namespace: default}\nrules: [{verbs: [], apiGroups: [""], resources: [pods]}]\n' });
    assert.match(role.stderr, /The Role "bad" is invalid: rules\[0\]\.verbs: Required value/);
    const rb = await c.kubectl(['create', '-f', '-'], { input: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: bad, namespace: default}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Foo, name: x}\nsubjects: [{kind: User, name: a}]\n' });
    assert.match(rb.stderr, /The RoleBinding "bad" is invalid: roleRef\.kind: Unsupported value: "Foo"/);
  });
});

describe('impersonation', () => {
  it('kubectl --as=jane is Forbidden until a binding allows it', { timeout: 60_000 }, async () => {
    const r = await c.kubectl(['--as=jane', '-n', 'default', 'get', 'pods']);
    assert.match(r.stderr, /pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"/);
    await c.k(['-n', 'default', 'create', 'rolebinding', 'jane-view', '--clusterrole=view', '--user=jane']);
    const ok = await c.kubectl(['--as=jane', '-n', 'default', 'get', 'pods']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match((await c.k(['--as=jane', '--as-group=devs', 'auth', 'whoami'])).replace(/\s+/g, ' '), /Username jane Groups \[devs system:authenticated\]/);
  });

  it('without the impersonate verb --as is refused; with it on users/jane, only jane', { timeout: 60_000 }, async () => {
    await c.k(['create', 'sa', 'imp', '-n', 'default']);
    const token = (await c.k(['-n', 'default', 'create', 'token', 'imp'])).trim();
    const ca = (await c.k(['config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}'])).trim();
    const kc = join(c.dataDir, 'imp.kubeconfig');
    writeFileSync(kc, `apiVersion: v1\nkind: Config\nclusters: [{name: k, cluster: {server: "${c.url}", certificate-authority-data: "${ca}"}}]\nusers: [{name: u, user: {token: "${token}"}}]\ncontexts: [{name: k, context: {cluster: k, user: u}}]\ncurrent-context: k\n`);
    const denied = await asToken(kc, ['--as=jane', '-n', 'default', 'get', 'pods']);
    assert.match(denied.stderr, /users "jane" is forbidden: User "system:serviceaccount:default:imp" cannot impersonate resource "users" in API group "" at the cluster scope/);
    await c.k(['create', 'clusterrole', 'impersonate-jane', '--verb=impersonate', '--resource=users', '--resource-name=jane']);
    await c.k(['create', 'clusterrolebinding', 'imp-jane', '--clusterrole=impersonate-jane', '--serviceaccount=default:imp']);
    const allowed = await asToken(kc, ['--as=jane', '-n', 'default', 'get', 'pods']);
    assert.equal(allowed.code, 0, allowed.stderr);
    const bob = await asToken(kc, ['--as=bob', '-n', 'default', 'get', 'pods']);
    assert.match(bob.stderr, /users "bob" is forbidden/);
    const group = await asToken(kc, ['--as=jane', '--as-group=system:masters', 'get', 'nodes']);
    assert.match(group.stderr, /groups "system:masters" is forbidden/);
  });
});

describe('access reviews', () => {
  it('SubjectAccessReview and auth can-i --as are answered by the real authorizer', { timeout: 60_000 }, async () => {
    await c.k(['-n', 'kube-public', 'create', 'rolebinding', 'carol-view', '--clusterrole=view', '--user=carol']);
    const sar = (ns: string, verb: string, resource: string): string =>
      `apiVersion: authorization.k8s.io/v1\nkind: SubjectAccessReview\nspec: {user: carol, groups: [system:authenticated], resourceAttributes: {namespace: ${ns}, verb: ${verb}, resource: ${resource}}}\n`;
    const allowed = JSON.parse(await c.k(['create', '--validate=false', '-f', '-', '-o', 'json'], { input: sar('kube-public', 'list', 'pods') }));
    assert.equal(allowed.status.allowed, true);
    assert.match(allowed.status.reason, /RoleBinding "carol-view" in namespace "kube-public" of ClusterRole "view"/);
    const denied = JSON.parse(await c.k(['create', '--validate=false', '-f', '-', '-o', 'json'], { input: sar('kube-public', 'list', 'secrets') }));
    assert.equal(denied.status.allowed, false);
    const elsewhere = JSON.parse(await c.k(['create', '--validate=false', '-f', '-', '-o', 'json'], { input: sar('default', 'list', 'pods') }));
    assert.equal(elsewhere.status.allowed, false);
    assert.equal((await c.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'kube-public', '--as=carol'])).stdout.trim(), 'yes');
    assert.equal((await c.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'default', '--as=carol'])).stdout.trim(), 'no');
  });
});

describe('default policy', () => {
  it('is reconciled at start: cluster-admin for system:masters, aggregated admin/edit/view, controller roles', { timeout: 60_000 }, async () => {
    const crb = JSON.parse(await c.k(['get', 'clusterrolebinding', 'cluster-admin', '-o', 'json']));
    assert.deepEqual(crb.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }]);
    const edit = JSON.parse(await c.k(['get', 'clusterrole', 'edit', '-o', 'json']));
    assert.ok(edit.rules.some((r: { resources?: string[]; verbs: string[] }) => r.resources?.includes('pods/log') && r.verbs.includes('get')), 'edit aggregates view');
    const names = (await c.k(['get', 'clusterroles', '-o', 'name'])).split('\n');
    for (const n of ['admin', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:node', 'system:kube-scheduler', 'system:kube-controller-manager', 'system:controller:deployment-controller', 'system:controller:clusterrole-aggregation-controller'])
      assert.ok(names.includes(`clusterrole.rbac.authorization.k8s.io/${n}`), `${n} missing`);
  });

  it('a new ClusterRole labelled aggregate-to-view reaches view, edit and admin', { timeout: 60_000 }, async () => {
    await c.k(['apply', '-f', '-'], { input: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: widgets-view, labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}\nrules: [{apiGroups: [example.com], resources: [widgets], verbs: [get, list]}]\n' });
    for (const role of ['view', 'edit', 'admin']) {
      await eventually(async () => JSON.parse(await c.k(['get', 'clusterrole', role, '-o', 'json'])).rules.some((r: { resources?: string[] }) => r.resources?.includes('widgets')), 20_000);
    }
  });
});
