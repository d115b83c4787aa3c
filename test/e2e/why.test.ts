// Issue 17 "k8ts why": the built bin/k8ts why (and kubectl why through the plugin) against a
// simulated-runtime server: a pod that cannot be scheduled, a Service with a selector typo, an
// Ingress whose Service has no ready endpoints, the article's healthy Deployment (exit 0), bad
// input and RBAC as one line (exit 2). Crash loops and missing images need runc: why-runc.test.ts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { ARTICLE_NGINX } from '../helpers/article.js';
import { kubectlWhy, why, whyUntil } from '../helpers/why.js';

let c: TestCluster;

before(async () => {
  c = await startCluster({ datastore: 'memory', extraArgs: ['--runtime', 'simulated'] });
});

after(async () => {
  if (!c) return;
  await c.stop();
  c.cleanup();
});

function apply(name: string, yaml: string): Promise<string> {
  const f = join(c.dataDir, `${name}.yaml`);
  writeFileSync(f, yaml);
  return c.k(['apply', '-f', f]);
}

describe('k8ts why (simulated runtime)', { timeout: 240_000 }, () => {
  it('a pod that cannot be scheduled: the scheduler\'s per-node reasons in the first line', { timeout: 60_000 }, async () => {
    await apply('unsched', `apiVersion: v1
kind: Pod
metadata: {name: k8ts-test-huge}
spec:
  containers:
  - name: app
    image: nginx
    resources: {requests: {cpu: "500"}}
`);
    const r = await whyUntil(c, ['pod/k8ts-test-huge'], /cannot be scheduled/);
    assert.equal(r.code, 1);
    assert.match(r.first, /^pod\/k8ts-test-huge cannot be scheduled: 0\/1 nodes are available: 1 Insufficient cpu/);
    assert.match(r.stdout, /the pod requests cpu=500/);
  });

  it('a Service with a selector typo: selects no pod, and the near miss names the differing label', { timeout: 60_000 }, async () => {
    await c.k(['create', 'deployment', 'k8ts-test-web', '--image=nginx', '--replicas=2']);
    await apply('typo', `apiVersion: v1
kind: Service
metadata: {name: k8ts-test-web}
spec:
  selector: {app: k8ts-test-wbe}
  ports: [{port: 80}]
`);
    const r = await whyUntil(c, ['svc/k8ts-test-web'], /did you mean/, 30_000);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.first, 'service/k8ts-test-web selects no pod: selector app=k8ts-test-wbe matches no pod in namespace default; did you mean app=k8ts-test-web?');
    // Evidence wraps at 100 columns; joined again it reads as one line.
    assert.match(r.stdout.replace(/\n {4}/g, ' '), /near miss: pod\/k8ts-test-web-[a-z0-9]+-[a-z0-9]+ has app=k8ts-test-web, the selector wants app=k8ts-test-wbe/);
  });

  it('an Ingress whose Service has no ready endpoints', { timeout: 60_000 }, async () => {
    await apply('shop', `apiVersion: apps/v1
kind: Deployment
metadata: {name: k8ts-test-shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: k8ts-test-shop}}
  template:
    metadata:
      labels: {app: k8ts-test-shop}
      annotations: {sim.k8ts.io/never-ready: "true"}
    spec:
      containers: [{name: shop, image: nginx}]
---
apiVersion: v1
kind: Service
metadata: {name: k8ts-test-shop}
spec:
  selector: {app: k8ts-test-shop}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: k8ts-test-shop}
spec:
  rules:
  - http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: k8ts-test-shop, port: {number: 80}}}}
`);
    const r = await whyUntil(c, ['ingress/k8ts-test-shop'], /0 of 2 selected pods are ready/);
    assert.equal(r.code, 1);
    assert.equal(r.first, 'ingress/k8ts-test-shop: service/k8ts-test-shop has no ready endpoints: 0 of 2 selected pods are ready');
    assert.match(r.stdout, /chain: ingress\/k8ts-test-shop → service\/k8ts-test-shop → pod\//);
  });

  it('the article\'s healthy Deployment: exit 0, and kubectl why says the same', { timeout: 90_000 }, async () => {
    await apply('article', ARTICLE_NGINX);
    const r = await whyUntil(c, ['deploy/nginx-dep'], /is healthy/, 75_000);
    assert.equal(r.code, 0);
    assert.equal(r.first, 'deployment/nginx-dep is healthy: 5/5 replicas ready, rollout complete');
    const k = await kubectlWhy(c, ['deploy/nginx-dep']);
    assert.equal(k.code, 0, k.stderr);
    assert.equal(k.stdout, r.stdout);
    const ing = await why(c, ['ing/nginx-ingress']);
    assert.equal(ing.code, 0, ing.stdout);
    assert.match(ing.first, /^ingress\/nginx-ingress is healthy: 1 backend service with ready endpoints/);
  });

  it('-o json for tools: {healthy, cause, chain, evidence}', { timeout: 30_000 }, async () => {
    const r = await why(c, ['pod/k8ts-test-huge', '-o', 'json']);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout);
    assert.equal(j.healthy, false);
    assert.match(j.cause, /^pod\/k8ts-test-huge cannot be scheduled: /);
    assert.deepEqual(j.chain, ['pod/k8ts-test-huge']);
    assert.ok(Array.isArray(j.evidence));
  });

  it('bad input and objects the user may not read: one line, exit 2', { timeout: 60_000 }, async () => {
    const cases: Array<[string[], RegExp]> = [
      [['frob/x'], /^k8ts: unknown kind "frob": k8ts why diagnoses pod, deployment/],
      [['deploy/k8ts-test-nope'], /^k8ts: deployment "k8ts-test-nope" not found in namespace default$/],
      [['cm/x'], /^k8ts: k8ts why does not diagnose ConfigMap objects/],
      [[], /^k8ts: k8ts why needs an object: KIND\/NAME/],
      [['deploy/nginx-dep', '-o', 'yaml'], /^k8ts: -o must be text or json/],
    ];
    for (const [args, line] of cases) {
      const r = await why(c, args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr.trimEnd(), line);
    }
    // Without -n the kubeconfig context's namespace is used, as kubectl does.
    const nsKc = join(c.dataDir, 'kube-system.kubeconfig');
    await c.k(['config', 'view', '--raw', '--minify', '--flatten', '-o', 'yaml']).then((y) => writeFileSync(nsKc, y));
    await c.k(['--kubeconfig', nsKc, 'config', 'set-context', '--current', '--namespace=kube-system']);
    const inNs = await why(c, ['deploy/k8ts-test-nope'], nsKc);
    assert.equal(inNs.code, 2);
    assert.equal(inNs.stderr, 'k8ts: deployment "k8ts-test-nope" not found in namespace kube-system\n');
    // A service account with no role: its token reads nothing.
    await c.k(['create', 'serviceaccount', 'k8ts-test-nobody']);
    const token = (await c.k(['create', 'token', 'k8ts-test-nobody'])).trim();
    const kc = join(c.dataDir, 'nobody.kubeconfig');
    await c.k(['config', 'view', '--raw', '--minify', '--flatten', '-o', 'yaml']).then((y) => writeFileSync(kc, y));
    await c.kubectl(['--kubeconfig', kc, 'config', 'set-credentials', 'nobody', `--token=${token}`]);
    await c.kubectl(['--kubeconfig', kc, 'config', 'set-context', '--current', '--user=nobody']);
    const r = await why(c, ['deploy/nginx-dep', '-n', 'kube-system'], kc);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^k8ts: you may not read deployments in namespace kube-system: /);
  });
});
