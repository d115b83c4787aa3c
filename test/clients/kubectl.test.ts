// kubectl 1.32 commands that test/e2e/kubectl-api.test.ts does not drive, against a server
// with simulated nodes: explain (recursive, and the OpenAPI v2 output), diff, apply --prune,
// wait --for=jsonpath, events, auth can-i --list, api-resources filters, get --watch -o json,
// and patches of the status subresource. debug and cp need real containers: kubectl-real.test.ts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulated, eventually, KUBECTL, type TestCluster } from './support.js';

const NS = 'kubectl-client';
let c: TestCluster;

before(async () => {
  c = await startSimulated();
  await c.k(['create', 'namespace', NS]);
  await c.k(['-n', NS, 'create', 'deployment', 'kc-web', '--image=busybox', '--replicas=2']);
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

function file(name: string, yaml: string): string {
  const f = join(c.dataDir, name);
  writeFileSync(f, yaml);
  return f;
}

const cm = (name: string, extra = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${NS}, labels: {set: kc-prune}}\ndata: {k: v${extra}}\n`;

describe('kubectl 1.32', () => {
  it('explain: a field, a resource --recursive, and the OpenAPI v2 output', { timeout: 60_000 }, async () => {
    assert.match(await c.k(['explain', 'pod.spec.containers.image']), /FIELD: image <string>/);
    const rec = await c.k(['explain', 'deployments', '--recursive']);
    assert.match(rec, /KIND:\s+Deployment/);
    assert.match(rec, /^\s+strategy\s+<DeploymentStrategy>/m);
    assert.match(rec, /^\s+rollingUpdate\s+<RollingUpdateDeployment>/m);
    // The plaintext-openapiv2 output reads /openapi/v2.
    assert.match(await c.k(['explain', 'deployment.spec.replicas', '--output=plaintext-openapiv2']), /FIELD:\s+replicas <integer>/);
  });

  it('wait --for=jsonpath, then diff shows a change and exits 1, and nothing with exit 0', { timeout: 60_000 }, async () => {
    await c.k(['-n', NS, 'wait', 'deploy/kc-web', '--for=jsonpath={.status.readyReplicas}=2', '--timeout=30s'], { timeoutMs: 40_000 });
    const live = JSON.parse(await c.k(['-n', NS, 'get', 'deploy', 'kc-web', '-o', 'json']));
    const same = file('kc-same.json', JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'kc-web', namespace: NS }, spec: { replicas: 2 } }));
    const r0 = await c.kubectl(['diff', '-f', same]);
    assert.equal(r0.code, 0, r0.stderr + r0.stdout);
    const changed = file('kc-changed.json', JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'kc-web', namespace: NS }, spec: { replicas: 3 } }));
    const r1 = await c.kubectl(['diff', '-f', changed]);
    assert.equal(r1.code, 1, r1.stderr);
    assert.match(r1.stdout, /^-  replicas: 2$/m);
    assert.match(r1.stdout, /^\+  replicas: 3$/m);
    // diff is a server-side dry run: nothing changed.
    const after = JSON.parse(await c.k(['-n', NS, 'get', 'deploy', 'kc-web', '-o', 'json']));
    assert.equal(after.spec.replicas, 2);
    assert.equal(after.metadata.resourceVersion, live.metadata.resourceVersion);
  });

  it('apply --prune removes the labelled objects no longer in the files', { timeout: 60_000 }, async () => {
    const f = file('kc-prune.yaml', `${cm('kc-p1')}---\n${cm('kc-p2')}`);
    await c.k(['apply', '-f', f, '--prune', '-l', 'set=kc-prune', '--prune-allowlist=core/v1/ConfigMap']);
    writeFileSync(f, cm('kc-p1', '2'));
    const out = await c.k(['apply', '-f', f, '--prune', '-l', 'set=kc-prune', '--prune-allowlist=core/v1/ConfigMap']);
    assert.match(out, /configmap\/kc-p1 configured/);
    assert.match(out, /configmap\/kc-p2 pruned/);
    const names = (await c.k(['-n', NS, 'get', 'cm', '-l', 'set=kc-prune', '-o', 'name'])).trim();
    assert.equal(names, 'configmap/kc-p1');
  });

  it('events: --for an object, --types, -o json', { timeout: 60_000 }, async () => {
    const out = await c.k(['events', '-n', NS, '--for', 'deployment/kc-web']);
    assert.match(out, /ScalingReplicaSet\s+Deployment\/kc-web\s+Scaled up replica set kc-web-\S+ from 0 to 2/);
    const list = JSON.parse(await c.k(['events', '-n', NS, '--types=Normal', '-o', 'json']));
    assert.ok(list.items.length > 0);
    assert.ok(list.items.every((e: any) => e.type === 'Normal'));
    const none = await c.kubectl(['events', '-n', NS, '--types=Warning']);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stderr, /No events found in kubectl-client namespace/);
  });

  it('auth can-i --list and api-resources filters', { timeout: 60_000 }, async () => {
    assert.match(await c.k(['auth', 'can-i', '--list', '-n', NS]), /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
    assert.equal((await c.kubectl(['auth', 'can-i', 'delete', 'pods', '-n', NS])).stdout.trim(), 'yes');
    const names = (await c.k(['api-resources', '--verbs=list', '--namespaced', '-o', 'name'])).trim().split('\n');
    for (const n of ['pods', 'configmaps', 'deployments.apps', 'jobs.batch', 'leases.coordination.k8s.io']) assert.ok(names.includes(n), `${n} missing: ${names}`);
    assert.ok(!names.includes('nodes') && !names.includes('namespaces'), 'cluster-scoped resources listed as namespaced');
    const apps = (await c.k(['api-resources', '--api-group=apps', '-o', 'name'])).trim().split('\n').sort();
    assert.deepEqual(apps, ['controllerrevisions.apps', 'daemonsets.apps', 'deployments.apps', 'replicasets.apps', 'statefulsets.apps']);
  });

  it('get --watch -o json prints every change as a JSON object', { timeout: 60_000 }, async () => {
    // kubectl 1.32 answers NotFound for `get NAME --watch` when NAME does not exist yet (even with
    // --ignore-not-found), so the object is created first; the watch then starts with it as it is.
    await c.k(['-n', NS, 'create', 'cm', 'kc-watched', '--from-literal=v=1']);
    const child = spawn(KUBECTL, ['-n', NS, 'get', 'cm', 'kc-watched', '--watch', '-o', 'json'], { env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.dataDir } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const objects = (): any[] => out.split(/^}$/m).filter((s) => s.trim()).map((s) => JSON.parse(`${s}}`));
    try {
      await eventually(() => objects().some((o) => o.data?.v === '1'), 15_000);
      await c.k(['-n', NS, 'patch', 'cm', 'kc-watched', '-p', '{"data":{"v":"2"}}']);
      await eventually(() => objects().some((o) => o.data?.v === '2'), 15_000);
      const seen = objects();
      assert.ok(seen.every((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kc-watched'), out);
    } finally {
      child.kill();
    }
  });

  it('patch --subresource=status changes status only', { timeout: 60_000 }, async () => {
    const pod = (await c.k(['-n', NS, 'get', 'pods', '-l', 'app=kc-web', '-o', 'name'])).trim().split('\n')[0];
    const types = await c.k(['-n', NS, 'patch', pod, '--subresource=status', '--type=json', '-p', '[{"op":"add","path":"/status/conditions/-","value":{"type":"example.com/Gate","status":"True"}}]', '-o', 'jsonpath={.status.conditions[*].type}']);
    assert.ok(types.split(' ').includes('example.com/Gate'), types);
    const svc = file('kc-lb.yaml', `apiVersion: v1\nkind: Service\nmetadata: {name: kc-lb, namespace: ${NS}}\nspec: {type: ClusterIP, ports: [{port: 80}]}\n`);
    await c.k(['apply', '-f', svc]);
    await c.k(['-n', NS, 'patch', 'svc', 'kc-lb', '--subresource=status', '--type=merge', '-p', '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.7"}]}},"spec":{"ports":[{"port":81}]}}']);
    const got = JSON.parse(await c.k(['-n', NS, 'get', 'svc', 'kc-lb', '-o', 'json']));
    assert.equal(got.status.loadBalancer.ingress[0].ip, '192.0.2.7');
    assert.equal(got.spec.ports[0].port, 80, 'a status patch must not change spec');
    const g = await c.k(['-n', NS, 'get', 'svc', 'kc-lb', '--subresource=status', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}']);
    assert.equal(g, '192.0.2.7');
  });
});
