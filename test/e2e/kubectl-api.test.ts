// The real kubectl 1.32 against `bin/k8ts server` (issue "API server and storage", Must show).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startCluster, eventually, KUBECTL, SEED, type TestCluster } from '../helpers/cluster.js';

let c: TestCluster;

before(async () => {
  // The API alone: without controllers, objects stay exactly as stored.
  c = await startCluster({ extraArgs: ['--disable', 'controllers,scheduler,agent'] });
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

describe('discovery', () => {
  it('kubectl api-resources lists every served resource', { timeout: 60_000 }, async () => {
    const out = await c.k(['api-resources', '-o', 'wide']);
    const expected = [
      ['namespaces', 'ns', 'v1'], ['pods', 'po', 'v1'], ['services', 'svc', 'v1'], ['endpoints', 'ep', 'v1'], ['events', 'ev', 'v1'],
      ['configmaps', 'cm', 'v1'], ['secrets', '', 'v1'], ['serviceaccounts', 'sa', 'v1'], ['nodes', 'no', 'v1'],
      ['persistentvolumes', 'pv', 'v1'], ['persistentvolumeclaims', 'pvc', 'v1'], ['resourcequotas', 'quota', 'v1'], ['limitranges', 'limits', 'v1'],
      ['deployments', 'deploy', 'apps/v1'], ['replicasets', 'rs', 'apps/v1'], ['statefulsets', 'sts', 'apps/v1'], ['daemonsets', 'ds', 'apps/v1'],
      ['controllerrevisions', '', 'apps/v1'], ['jobs', '', 'batch/v1'], ['cronjobs', 'cj', 'batch/v1'],
      ['ingresses', 'ing', 'networking.k8s.io/v1'], ['ingressclasses', '', 'networking.k8s.io/v1'], ['networkpolicies', 'netpol', 'networking.k8s.io/v1'],
      ['endpointslices', '', 'discovery.k8s.io/v1'], ['leases', '', 'coordination.k8s.io/v1'], ['poddisruptionbudgets', 'pdb', 'policy/v1'],
      ['horizontalpodautoscalers', 'hpa', 'autoscaling/v2'], ['roles', '', 'rbac.authorization.k8s.io/v1'], ['clusterroles', '', 'rbac.authorization.k8s.io/v1'],
      ['rolebindings', '', 'rbac.authorization.k8s.io/v1'], ['clusterrolebindings', '', 'rbac.authorization.k8s.io/v1'],
      ['selfsubjectaccessreviews', '', 'authorization.k8s.io/v1'], ['selfsubjectrulesreviews', '', 'authorization.k8s.io/v1'],
      ['selfsubjectreviews', '', 'authentication.k8s.io/v1'], ['tokenreviews', '', 'authentication.k8s.io/v1'],
      ['storageclasses', 'sc', 'storage.k8s.io/v1'], ['priorityclasses', 'pc', 'scheduling.k8s.io/v1'],
    ];
    const lines = out.split('\n');
    for (const [name, short, gv] of expected) {
      const line = lines.find((l) => l.split(/\s+/)[0] === name && l.includes(gv));
      assert.ok(line, `api-resources is missing ${name} (${gv}):\n${out}`);
      if (short) assert.ok(line.split(/\s+/).includes(short), `${name} should have short name ${short}: ${line}`);
    }
    // events.k8s.io is served too, and the retired Ingress v1beta1 is convertible but not preferred.
    assert.match(out, /events\s+ev\s+events\.k8s\.io\/v1/);
  });

  it('kubectl get all lists the kubernetes service', { timeout: 60_000 }, async () => {
    const out = await c.k(['get', 'all', '-A']);
    assert.match(out, /default\s+service\/kubernetes\s+ClusterIP\s+10\.43\.0\.1\s+<none>\s+443\/TCP/);
  });

  it('kubectl version reports a 1.32 server', { timeout: 60_000 }, async () => {
    const out = await c.k(['version', '-o', 'json']);
    const v = JSON.parse(out) as { serverVersion: { major: string; minor: string } };
    assert.equal(v.serverVersion.major, '1');
    assert.equal(v.serverVersion.minor, '32');
  });
});

describe('generators send protobuf bodies', () => {
  it('kubectl create deployment stores the decoded object with defaults', { timeout: 60_000 }, async () => {
    await c.k(['create', 'deployment', 'hello-world', '--image=k8s.gcr.io/echoserver:1.4']);
    const d = JSON.parse(await c.k(['get', 'deployment', 'hello-world', '-o', 'json', '--show-managed-fields'])) as Record<string, any>;
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.selector, { matchLabels: { app: 'hello-world' } });
    assert.equal(d.spec.template.spec.containers[0].image, 'k8s.gcr.io/echoserver:1.4');
    assert.equal(d.spec.template.spec.containers[0].name, 'echoserver');
    assert.equal(d.spec.strategy.type, 'RollingUpdate');
    assert.equal(d.spec.strategy.rollingUpdate.maxSurge, '25%');
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(d.metadata.generation, 1);
    assert.match(d.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.ok(d.metadata.managedFields?.some((m: { manager: string }) => m.manager === 'kubectl-create'));
    // With the controllers disabled, the Deployment has no pods.
    assert.equal((await c.k(['get', 'pods', '-o', 'name'])).trim(), '');
  });

  it('kubectl create configmap, secret, namespace, serviceaccount, service clusterip', { timeout: 60_000 }, async () => {
    await c.k(['create', 'configmap', 'cm1', '--from-literal=greeting=hello']);
    await c.k(['create', 'secret', 'generic', 's1', '--from-literal=password=s3cr3t']);
    await c.k(['create', 'namespace', 'team-a']);
    await c.k(['create', 'serviceaccount', 'robot']);
    await c.k(['create', 'service', 'clusterip', 'my-svc', '--tcp=80:8080']);
    const cm = JSON.parse(await c.k(['get', 'cm', 'cm1', '-o', 'json']));
    assert.deepEqual(cm.data, { greeting: 'hello' });
    const s = JSON.parse(await c.k(['get', 'secret', 's1', '-o', 'json']));
    assert.equal(Buffer.from(s.data.password, 'base64').toString(), 's3cr3t');
    assert.equal(s.type, 'Opaque');
    const ns = JSON.parse(await c.k(['get', 'ns', 'team-a', '-o', 'json']));
    assert.equal(ns.status.phase, 'Active');
    const svc = JSON.parse(await c.k(['get', 'svc', 'my-svc', '-o', 'json']));
    assert.match(svc.spec.clusterIP, /^10\.43\.\d+\.\d+$/);
    assert.equal(svc.spec.ports[0].targetPort, 8080);
    assert.equal(svc.spec.type, 'ClusterIP');
    await c.k(['get', 'sa', 'robot']);
  });

  it('kubectl auth can-i and whoami', { timeout: 60_000 }, async () => {
    assert.equal((await c.k(['auth', 'can-i', 'create', 'pods'])).trim(), 'yes');
    assert.match(await c.k(['auth', 'whoami']), /system:admin/);
    assert.match(await c.k(['auth', 'can-i', '--list']), /\*\.\*/);
  });
});

describe("the article's manifest", () => {
  const manifest = join(SEED, 'nginx.yaml');

  it('kubectl apply creates, a second apply is unchanged, create -f reports AlreadyExists', { timeout: 60_000 }, async () => {
    const first = await c.k(['apply', '-f', manifest]);
    assert.match(first, /deployment.apps\/nginx-dep created/);
    assert.match(first, /service\/nginx-service created/);
    assert.match(first, /ingress.networking.k8s.io\/nginx-ingress created/);
    const second = await c.k(['apply', '-f', manifest]);
    assert.match(second, /deployment.apps\/nginx-dep unchanged/);
    assert.match(second, /service\/nginx-service unchanged/);
    assert.match(second, /ingress.networking.k8s.io\/nginx-ingress unchanged/);
    const again = await c.kubectl(['create', '-f', manifest]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /AlreadyExists/);
  });

  it('stores the v1beta1 Ingress as networking.k8s.io/v1', { timeout: 60_000 }, async () => {
    const ing = JSON.parse(await c.k(['get', 'ingress', 'nginx-ingress', '-o', 'json']));
    assert.equal(ing.apiVersion, 'networking.k8s.io/v1');
    assert.deepEqual(ing.spec.defaultBackend, { service: { name: 'nginx-service', port: { number: 8080 } } });
    const old = JSON.parse(await c.k(['get', 'ingresses.v1beta1.networking.k8s.io', 'nginx-ingress', '-o', 'json']));
    assert.equal(old.apiVersion, 'networking.k8s.io/v1beta1');
    assert.deepEqual(old.spec.backend, { serviceName: 'nginx-service', servicePort: 8080 });
  });

  it('apply --server-side works and takes ownership with --force-conflicts', { timeout: 60_000 }, async () => {
    const out = await c.k(['apply', '--server-side', '--force-conflicts', '-f', manifest]);
    assert.match(out, /deployment.apps\/nginx-dep serverside-applied/);
    const d = JSON.parse(await c.k(['get', 'deploy', 'nginx-dep', '-o', 'json', '--show-managed-fields']));
    assert.ok(d.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === 'kubectl' && m.operation === 'Apply'));
    assert.equal(d.spec.replicas, 5);
  });

  it('create -f on a fresh namespace creates every object', { timeout: 60_000 }, async () => {
    await c.k(['create', 'namespace', 'article']);
    const out = await c.k(['create', '-n', 'article', '-f', manifest]);
    assert.match(out, /deployment.apps\/nginx-dep created/);
    assert.match(out, /ingress.networking.k8s.io\/nginx-ingress created/);
  });
});

describe('kubectl get', () => {
  it('prints upstream columns, -o wide, yaml, json, --sort-by and -l', { timeout: 60_000 }, async () => {
    const deploy = await c.k(['get', 'deploy']);
    assert.match(deploy, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/m);
    assert.match(deploy, /nginx-dep\s+0\/5\s+0\s+0\s+/);
    const wide = await c.k(['get', 'deploy', '-o', 'wide']);
    assert.match(wide, /CONTAINERS\s+IMAGES\s+SELECTOR/);
    assert.match(wide, /nginx-dep.*nginx\s+library\/nginx:1.14-alpine\s+app=server/);
    const svc = await c.k(['get', 'svc', 'nginx-service', '-o', 'wide']);
    assert.match(svc, /nginx-service\s+ClusterIP\s+10\.43\.\d+\.\d+\s+<none>\s+8080\/TCP\s+\S+\s+app=server/);
    const yaml = await c.k(['get', 'deploy', 'nginx-dep', '-o', 'yaml']);
    assert.match(yaml, /minReadySeconds: 10/);
    const ing = await c.k(['get', 'ing']);
    assert.match(ing, /nginx-ingress\s+<none>\s+\*\s+80/);
    const sorted = await c.k(['get', 'deploy', '--sort-by=.metadata.name', '-o', 'name']);
    assert.deepEqual(sorted.trim().split('\n'), ['deployment.apps/hello-world', 'deployment.apps/nginx-dep']);
    const byLabel = await c.k(['get', 'deploy', '-l', 'app=hello-world', '-o', 'name']);
    assert.equal(byLabel.trim(), 'deployment.apps/hello-world');
    const pods = await c.k(['get', 'pods', '-A']);
    assert.equal(pods.trim(), '');
  });

  it('kubectl get -w prints changes as they happen', { timeout: 60_000 }, async () => {
    const child = spawn(KUBECTL, ['get', 'configmaps', '-w', '--output-watch-events'], { env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.dataDir } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually(() => out.includes('cm1'), 10_000);
      await c.k(['create', 'configmap', 'watched', '--from-literal=a=1']);
      await eventually(() => /ADDED\s+watched/.test(out), 10_000);
      await c.k(['label', 'configmap', 'watched', 'color=blue']);
      await eventually(() => /MODIFIED\s+watched/.test(out), 10_000);
      await c.k(['delete', 'configmap', 'watched']);
      await eventually(() => /DELETED\s+watched/.test(out), 10_000);
    } finally {
      child.kill();
    }
  });
});

describe('kubectl verbs', () => {
  it('describe, set image, scale, label, annotate', { timeout: 60_000 }, async () => {
    const desc = await c.k(['describe', 'deployment', 'nginx-dep']);
    assert.match(desc, /Replicas:\s+5 desired/);
    assert.match(desc, /RollingUpdateStrategy:\s+1 max unavailable, 1 max surge/);
    await c.k(['set', 'image', 'deployment/nginx-dep', 'nginx=library/nginx:1.18-alpine']);
    const d1 = JSON.parse(await c.k(['get', 'deploy', 'nginx-dep', '-o', 'json']));
    assert.equal(d1.spec.template.spec.containers[0].image, 'library/nginx:1.18-alpine');
    assert.equal(d1.spec.template.spec.containers[0].readinessProbe.httpGet.path, '/');
    await c.k(['scale', 'deployments/nginx-dep', '--replicas=10']);
    const d2 = JSON.parse(await c.k(['get', 'deploy', 'nginx-dep', '-o', 'json']));
    assert.equal(d2.spec.replicas, 10);
    assert.ok(d2.metadata.generation > d1.metadata.generation);
    await c.k(['label', 'deployment', 'nginx-dep', 'tier=web']);
    await c.k(['annotate', 'deployment', 'nginx-dep', 'owner=team-a']);
    const d3 = JSON.parse(await c.k(['get', 'deploy', 'nginx-dep', '-o', 'json']));
    assert.equal(d3.metadata.labels.tier, 'web');
    assert.equal(d3.metadata.annotations.owner, 'team-a');
    assert.equal(d3.metadata.generation, d2.metadata.generation, 'metadata changes do not bump generation');
  });

  it('patch with strategic, merge and json patches', { timeout: 60_000 }, async () => {
    await c.k(['patch', 'deployment', 'nginx-dep', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"MODE","value":"fast"}]}]}}}}']);
    let d = JSON.parse(await c.k(['get', 'deploy', 'nginx-dep', '-o', 'json']));
    assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'MODE', value: 'fast' }]);
    assert.equal(d.spec.template.spec.containers[0].image, 'library/nginx:1.18-alpine', 'strategic merge keeps other container fields');
    await c.k(['patch', 'deployment', 'nginx-dep', '--type=merge', '-p', '{"spec":{"minReadySeconds":3}}']);
    d = JSON.parse(await c.k(['get', 'deploy', 'nginx-dep', '-o', 'json']));
    assert.equal(d.spec.minReadySeconds, 3);
    await c.k(['patch', 'deployment', 'nginx-dep', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":4}]']);
    d = JSON.parse(await c.k(['get', 'deploy', 'nginx-dep', '-o', 'json']));
    assert.equal(d.spec.replicas, 4);
    const bad = await c.kubectl(['patch', 'deployment', 'nginx-dep', '--type=json', '-p', '[{"op":"test","path":"/spec/replicas","value":99}]']);
    assert.notEqual(bad.code, 0);
  });

  it('explain deployment.spec.strategy shows the fields', { timeout: 60_000 }, async () => {
    const out = await c.k(['explain', 'deployment.spec.strategy']);
    assert.match(out, /KIND:\s+Deployment/);
    assert.match(out, /rollingUpdate\s+<RollingUpdateDeployment>/);
    assert.match(out, /type\s+<string>/);
  });

  it('get events works', { timeout: 60_000 }, async () => {
    const r = await c.kubectl(['get', 'events']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('delete one, -l and --all', { timeout: 60_000 }, async () => {
    await c.k(['create', 'configmap', 'd1']);
    await c.k(['create', 'configmap', 'd2']);
    await c.k(['create', 'configmap', 'd3']);
    await c.k(['label', 'configmap', 'd2', 'd3', 'doomed=yes']);
    assert.match(await c.k(['delete', 'configmap', 'd1']), /configmap "d1" deleted/);
    const byLabel = await c.k(['delete', 'configmap', '-l', 'doomed=yes']);
    assert.match(byLabel, /configmap "d2" deleted/);
    assert.match(byLabel, /configmap "d3" deleted/);
    await c.k(['delete', 'deployment', '--all', '-n', 'article']);
    assert.equal((await c.k(['get', 'deploy', '-n', 'article', '-o', 'name'])).trim(), '');
    const missing = await c.kubectl(['get', 'configmap', 'd1']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /NotFound.*configmaps "d1" not found/);
  });
});
