// Issue 17, object history (must show), with the real kubectl 1.32 and `k8ts history` against
// a server with simulated nodes: after the article's `kubectl set image` the Deployment's
// history shows both revisions and a diff with the image line; a deleted ConfigMap's history
// stays readable (also after a restart); a user without `get` on configmaps gets one line
// saying so (403 from the API); discovery serves history.k8ts.io.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, startCluster, K8TS, type TestCluster } from '../helpers/cluster.js';
import { ARTICLE_NGINX } from '../helpers/article.js';
import { run, startSimulated } from './support.js';

let c: TestCluster;

function history(args: string[], kubeconfig = c.kubeconfig): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [K8TS, 'history', ...args, '--kubeconfig', kubeconfig], { timeoutMs: 30_000 });
}

/** Revision number of the first table row matching `re`. */
function revisionOf(table: string, re: RegExp): string {
  const line = table.split('\n').find((l) => re.test(l));
  assert.ok(line, `no row matching ${re} in:\n${table}`);
  return line.split(/\s+/)[0];
}

before(async () => {
  c = await startSimulated();
}, { timeout: 60_000 });

after(async () => {
  await c?.stop();
  c?.cleanup();
}, { timeout: 60_000 });

describe('k8ts history', { timeout: 240_000 }, () => {
  it('the article\'s set image: both revisions, who made them, and a diff with the image line', { timeout: 60_000 }, async () => {
    await c.k(['apply', '-f', '-'], { input: ARTICLE_NGINX });
    await c.k(['set', 'image', 'deployment/nginx-dep', 'nginx=library/nginx:1.18-alpine']);
    const r = await history(['deploy/nginx-dep']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^REVISION\s+TIME\s+USER\s+MANAGER\s+OPERATION\s+CHANGES$/m);
    const created = revisionOf(r.stdout, /\sCreate\s*$/);
    assert.match(r.stdout, new RegExp(`^${created}\\s+\\S+\\s+system:admin\\s+kubectl-client-side-apply\\s+Create`, 'm'));
    const set = revisionOf(r.stdout, /kubectl-set\s+Update\s+spec\.template\.spec\.containers\[0\]\.image/);
    assert.ok(Number(set) > Number(created));
    const d = await history(['deploy/nginx-dep', '--diff', set]);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, new RegExp(`^\\+\\+\\+ deploy/nginx-dep in namespace default revision ${set}$`, 'm'));
    assert.match(d.stdout, /^-\s+(- )?image: library\/nginx:1\.14-alpine$/m);
    assert.match(d.stdout, /^\+\s+(- )?image: library\/nginx:1\.18-alpine$/m);
    const between = await history(['deployments.apps/nginx-dep', '--diff', `${created}..${set}`]);
    assert.equal(between.code, 0, between.stderr);
    assert.match(between.stdout, /^\+\s+(- )?image: library\/nginx:1\.18-alpine$/m);
    // The controller's status writes are there too, by its own identity.
    assert.match(r.stdout, /system:serviceaccount:kube-system:deployment-controller\s+k8ts-controller-manager\s+Update\s+status\./);
  });

  it('bad input gets one line: unknown kind, unknown object, a revision not kept', { timeout: 30_000 }, async () => {
    const kind = await history(['flurb/x']);
    assert.equal(kind.code, 1);
    assert.equal(kind.stderr, 'k8ts: the server doesn\'t have a resource type "flurb"\n');
    const name = await history(['deploy/k8ts-test-none']);
    assert.equal(name.code, 1);
    assert.match(name.stderr, /^k8ts: no history of deploy\/k8ts-test-none in namespace default: [^\n]*\n$/);
    const pruned = await history(['deploy/nginx-dep', '--diff', '1']);
    assert.equal(pruned.code, 1);
    assert.match(pruned.stderr, /^k8ts: revision 1 of deploy\/nginx-dep in namespace default is not kept [^\n]*\n$/);
  });

  it('a deleted ConfigMap: listed with who deleted it, its revisions readable, also after a restart', { timeout: 120_000 }, async () => {
    await c.k(['create', 'configmap', 'k8ts-test-cm', '--from-literal=color=blue']);
    await c.k(['patch', 'configmap', 'k8ts-test-cm', '-p', '{"data":{"color":"green"}}']);
    await c.k(['delete', 'configmap', 'k8ts-test-cm']);
    const check = async (): Promise<void> => {
      const del = await history(['--deleted', 'configmaps', '-n', 'default']);
      assert.equal(del.code, 0, del.stderr);
      assert.match(del.stdout, /^NAME\s+DELETED AT\s+BY\s+REVISION$/m);
      assert.match(del.stdout, /^k8ts-test-cm\s+\S+\s+system:admin\s+\d+$/m);
      const everywhere = await history(['--deleted', 'cm', '-A']);
      assert.match(everywhere.stdout, /^default\s+k8ts-test-cm\s+\S+\s+system:admin\s+\d+$/m);
      const h = await history(['cm/k8ts-test-cm']);
      assert.equal(h.code, 0, h.stderr);
      assert.match(h.stdout, /\skubectl-create\s+Create/);
      const patched = revisionOf(h.stdout, /kubectl-patch\s+Update\s+data\.color/);
      assert.match(h.stdout, /system:admin\s+Delete/);
      const d = await history(['cm/k8ts-test-cm', '--diff', patched]);
      assert.match(d.stdout, /^-\s*color: blue$/m);
      assert.match(d.stdout, /^\+\s*color: green$/m);
    };
    await check();
    // The history lives in the datastore: a restart keeps it (the stop flushes the last batch).
    const { dataDir, port } = c;
    await c.stop();
    c = await startCluster({ dataDir, port, extraArgs: ['--runtime', 'simulated'] });
    await check();
  });

  it('--deleted pods: a gracefully deleted pod is listed with the user who deleted it, not the node that removed it', { timeout: 60_000 }, async () => {
    await c.k(['run', 'k8ts-test-pod', '--image=library/nginx:1.14-alpine']);
    await eventually(async () => (await c.k(['get', 'pod', 'k8ts-test-pod', '-o', 'jsonpath={.status.phase}'])) === 'Running', 30_000);
    await c.k(['delete', 'pod', 'k8ts-test-pod', '--wait=true', '--timeout=40s']);
    const del = await history(['--deleted', 'pods', '-n', 'default']);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /^k8ts-test-pod\s+\S+\s+system:admin\s+\d+$/m);
    const h = await history(['pod/k8ts-test-pod']);
    // The final delete is the node's (a simulated node writes as the API server's loopback identity).
    const delRow = h.stdout.split('\n').find((l) => /\sDelete\s*$/.test(l));
    assert.ok(delRow, h.stdout);
    assert.doesNotMatch(delRow, /system:admin/);
    assert.match(h.stdout, /system:admin\s+kubectl\s+Update\s+metadata\.deletionTimestamp/);
  });

  it('RBAC: without get on configmaps the history is refused (403, one line); with it, readable', { timeout: 60_000 }, async () => {
    await c.k(['create', 'serviceaccount', 'k8ts-test-viewer']);
    const token = (await c.k(['create', 'token', 'k8ts-test-viewer'])).trim();
    const ca = (await c.k(['config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}'])).trim();
    const kc = join(c.dataDir, 'viewer.kubeconfig');
    writeFileSync(kc, [
      'apiVersion: v1', 'kind: Config',
      `clusters: [{name: k, cluster: {server: "${c.url}", certificate-authority-data: "${ca}"}}]`,
      `users: [{name: v, user: {token: "${token}"}}]`,
      'contexts: [{name: k, context: {cluster: k, user: v, namespace: default}}]', 'current-context: k', '',
    ].join('\n'));
    const denied = await history(['cm/k8ts-test-cm'], kc);
    assert.equal(denied.code, 1);
    assert.equal(denied.stderr, 'k8ts: configmaps "k8ts-test-cm" is forbidden: User "system:serviceaccount:default:k8ts-test-viewer" cannot get resource "configmaps" in API group "" in the namespace "default"\n');
    const raw = await c.kubectl(['--kubeconfig', kc, 'get', '--raw', '/apis/history.k8ts.io/v1/namespaces/default/revisions?fieldSelector=resource%3Dconfigmaps,deleted%3Dtrue']);
    assert.notEqual(raw.code, 0);
    assert.match(raw.stderr, /Forbidden/);
    await c.k(['create', 'role', 'k8ts-test-cm-reader', '--verb=get', '--resource=configmaps']);
    await c.k(['create', 'rolebinding', 'k8ts-test-cm-reader', '--role=k8ts-test-cm-reader', '--serviceaccount=default:k8ts-test-viewer']);
    await eventually(async () => (await history(['cm/k8ts-test-cm'], kc)).code === 0, 10_000);
    // The grant is for configmaps only: the Deployment's history stays closed.
    const deploy = await history(['deploy/nginx-dep'], kc);
    assert.equal(deploy.code, 1);
    assert.match(deploy.stderr, /cannot get resource "deployments" in API group "apps"/);
  });

  it('discovery serves history.k8ts.io/v1 revisions (aggregated and legacy)', { timeout: 30_000 }, async () => {
    const res = await c.k(['api-resources', '--api-group=history.k8ts.io']);
    assert.match(res, /^revisions\s+history\.k8ts\.io\/v1\s+true\s+Revision$/m);
    const legacy = JSON.parse(await c.k(['get', '--raw', '/apis/history.k8ts.io/v1'])) as { resources: Array<{ name: string; verbs: string[] }> };
    assert.deepEqual(legacy.resources.map((r) => [r.name, r.verbs]), [['revisions', ['list']]]);
    assert.match(await c.k(['api-versions']), /^history\.k8ts\.io\/v1$/m);
  });
});
