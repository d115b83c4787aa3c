// Object lifecycle rules the controllers and kubelet will rely on: pod admission defaults,
// binding, graceful deletion, eviction against budgets, finalizers, namespace termination,
// generateName and the scale subresource.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { api, credsFromKubeconfig, type Creds } from '../helpers/http.js';

let c: TestCluster;
let creds: Creds;

before(async () => {
  // API semantics alone: controllers would race these tests for the same objects.
  c = await startCluster({ extraArgs: ['--disable', 'controllers,scheduler,agent'] });
  creds = credsFromKubeconfig(c.kubeconfig);
});

after(async () => {
  await c?.stop();
  c?.cleanup();
});

const PODS = '/api/v1/namespaces/default/pods';
const pod = (name: string, labels: Record<string, string> = {}): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests: { cpu: '100m' } } }] } });

describe('pods', () => {
  it('creation applies admission defaults and a Pending status', { timeout: 60_000 }, async () => {
    const r = await api(creds, 'POST', PODS, pod('p1'));
    assert.equal(r.status, 201, r.body);
    const p = r.json();
    assert.equal(p.status.phase, 'Pending');
    assert.equal(p.status.qosClass, 'Burstable');
    assert.equal(p.spec.serviceAccountName, 'default');
    assert.equal(p.spec.priority, 0);
    assert.deepEqual(
      p.spec.tolerations.map((t: { key: string; tolerationSeconds: number }) => [t.key, t.tolerationSeconds]),
      [['node.kubernetes.io/not-ready', 300], ['node.kubernetes.io/unreachable', 300]],
    );
    assert.equal(p.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(p.spec.containers[0].resources.requests.cpu, '100m');
  });

  it('a missing PriorityClass is refused; a system class resolves', { timeout: 60_000 }, async () => {
    const bad = JSON.parse(pod('prio-bad'));
    bad.spec.priorityClassName = 'no-such-class';
    assert.equal((await api(creds, 'POST', PODS, JSON.stringify(bad))).status, 403);
    const ok = JSON.parse(pod('prio-ok'));
    ok.spec.priorityClassName = 'system-cluster-critical';
    const r = await api(creds, 'POST', PODS, JSON.stringify(ok));
    assert.equal(r.status, 201, r.body);
    assert.equal(r.json().spec.priority, 2000000000);
  });

  it('binding assigns a node once and records PodScheduled', { timeout: 60_000 }, async () => {
    const bind = (node: string): Promise<{ status: number; body: string }> =>
      api(creds, 'POST', `${PODS}/p1/binding`, JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p1' }, target: { apiVersion: 'v1', kind: 'Node', name: node } }));
    assert.equal((await bind('node-a')).status, 201);
    const p = (await api(creds, 'GET', `${PODS}/p1`)).json();
    assert.equal(p.spec.nodeName, 'node-a');
    assert.equal(p.status.conditions.find((x: { type: string }) => x.type === 'PodScheduled').status, 'True');
    assert.equal((await bind('node-b')).status, 409);
    // nodeName cannot be changed through an ordinary update.
    p.spec.nodeName = 'node-b';
    assert.equal((await api(creds, 'PUT', `${PODS}/p1`, JSON.stringify(p))).status, 422);
  });

  it('deleting a bound pod is graceful; a zero grace period removes it', { timeout: 60_000 }, async () => {
    const r = await api(creds, 'DELETE', `${PODS}/p1`, JSON.stringify({ gracePeriodSeconds: 20 }));
    assert.equal(r.status, 200);
    const p = r.json();
    assert.ok(p.metadata.deletionTimestamp);
    assert.equal(p.metadata.deletionGracePeriodSeconds, 20);
    assert.match(await c.k(['get', 'pod', 'p1']), /Terminating/);
    const gone = await api(creds, 'DELETE', `${PODS}/p1`, JSON.stringify({ gracePeriodSeconds: 0 }));
    assert.equal(gone.status, 200);
    assert.equal((await api(creds, 'GET', `${PODS}/p1`)).status, 404);
  });

  it('an unscheduled pod is deleted at once', { timeout: 60_000 }, async () => {
    await api(creds, 'POST', PODS, pod('p2'));
    assert.equal((await api(creds, 'DELETE', `${PODS}/p2`)).status, 200);
    assert.equal((await api(creds, 'GET', `${PODS}/p2`)).status, 404);
  });

  it('eviction honours PodDisruptionBudgets', { timeout: 60_000 }, async () => {
    await api(creds, 'POST', PODS, pod('guarded', { app: 'guarded' }));
    await api(creds, 'PUT', `${PODS}/guarded/status`, JSON.stringify({ ...(await api(creds, 'GET', `${PODS}/guarded`)).json(), status: { phase: 'Running' } }));
    const pdb = await api(creds, 'POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'pdb' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } }));
    assert.equal(pdb.status, 201, pdb.body);
    const evict = (): Promise<{ status: number; body: string }> => api(creds, 'POST', `${PODS}/guarded/eviction`, JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'guarded' } }));
    const blocked = await evict();
    assert.equal(blocked.status, 429, blocked.body);
    assert.match(blocked.body, /disruption budget/);
    const cur = (await api(creds, 'GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/pdb')).json();
    cur.status = { disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 };
    assert.equal((await api(creds, 'PUT', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/pdb/status', JSON.stringify(cur))).status, 200);
    assert.equal((await evict()).status, 201);
    assert.equal((await api(creds, 'GET', `${PODS}/guarded`)).status, 404);
  });

  it('status writes go through /status only', { timeout: 60_000 }, async () => {
    await api(creds, 'POST', PODS, pod('st'));
    const p = (await api(creds, 'GET', `${PODS}/st`)).json();
    const viaMain = await api(creds, 'PUT', `${PODS}/st`, JSON.stringify({ ...p, status: { phase: 'Running' } }));
    assert.equal(viaMain.json().status.phase, 'Pending', 'the main resource ignores status');
    const viaStatus = await api(creds, 'PATCH', `${PODS}/st/status`, JSON.stringify({ status: { phase: 'Running' }, spec: { containers: [] } }), { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(viaStatus.status, 200, viaStatus.body);
    assert.equal(viaStatus.json().status.phase, 'Running');
    assert.equal(viaStatus.json().spec.containers.length, 1, '/status ignores spec');
  });
});

describe('metadata lifecycle', () => {
  it('generateName produces unique names', { timeout: 60_000 }, async () => {
    const names = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const r = await api(creds, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } }));
      assert.equal(r.status, 201, r.body);
      const n = r.json().metadata.name as string;
      assert.match(n, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      names.add(n);
    }
    assert.equal(names.size, 5);
  });

  it('finalizers hold a deleted object until they are removed', { timeout: 60_000 }, async () => {
    const CM = '/api/v1/namespaces/default/configmaps';
    await api(creds, 'POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fin', finalizers: ['example.com/hold'] } }));
    const del = await api(creds, 'DELETE', `${CM}/fin`);
    assert.equal(del.status, 200);
    const held = (await api(creds, 'GET', `${CM}/fin`)).json();
    assert.ok(held.metadata.deletionTimestamp);
    const patched = await api(creds, 'PATCH', `${CM}/fin`, JSON.stringify({ metadata: { finalizers: null } }), { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(patched.status, 200, patched.body);
    assert.equal((await api(creds, 'GET', `${CM}/fin`)).status, 404);
  });

  it('Foreground and Orphan deletions add their finalizers', { timeout: 60_000 }, async () => {
    const CM = '/api/v1/namespaces/default/configmaps';
    await api(creds, 'POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fg' } }));
    const r = await api(creds, 'DELETE', `${CM}/fg`, JSON.stringify({ propagationPolicy: 'Foreground' }));
    assert.deepEqual(r.json().metadata.finalizers, ['foregroundDeletion']);
    await api(creds, 'POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'or' } }));
    const o = await api(creds, 'DELETE', `${CM}/or?propagationPolicy=Orphan`);
    assert.deepEqual(o.json().metadata.finalizers, ['orphan']);
  });

  it('dryRun validates and answers without storing', { timeout: 60_000 }, async () => {
    const r = await api(creds, 'POST', '/api/v1/namespaces/default/configmaps?dryRun=All', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' } }));
    assert.equal(r.status, 201);
    assert.equal((await api(creds, 'GET', '/api/v1/namespaces/default/configmaps/dry')).status, 404);
  });

  it('a deleted namespace is Terminating, refuses new content, and goes once finalized', { timeout: 60_000 }, async () => {
    await c.k(['create', 'namespace', 'doomed']);
    await c.k(['create', 'configmap', 'x', '-n', 'doomed']);
    const del = await api(creds, 'DELETE', '/api/v1/namespaces/doomed');
    assert.equal(del.status, 200);
    const ns = (await api(creds, 'GET', '/api/v1/namespaces/doomed')).json();
    assert.equal(ns.status.phase, 'Terminating');
    const refused = await api(creds, 'POST', '/api/v1/namespaces/doomed/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y' } }));
    assert.equal(refused.status, 403);
    assert.match(refused.body, /because it is being terminated/);
    // What the namespace controller does once the namespace is empty:
    await api(creds, 'DELETE', '/api/v1/namespaces/doomed/configmaps/x');
    const fin = await api(creds, 'PUT', '/api/v1/namespaces/doomed/finalize', JSON.stringify({ ...ns, spec: { finalizers: [] } }));
    assert.equal(fin.status, 200, fin.body);
    assert.equal((await api(creds, 'GET', '/api/v1/namespaces/doomed')).status, 404);
    assert.equal((await api(creds, 'DELETE', '/api/v1/namespaces/default')).status, 403);
  });
});

describe('scale subresource', () => {
  it('GET, PUT with resourceVersion, and merge PATCH of a Deployment scale', { timeout: 60_000 }, async () => {
    await c.k(['create', 'deployment', 'sc', '--image=busybox', '--replicas=2']);
    const base = '/apis/apps/v1/namespaces/default/deployments/sc/scale';
    const s = (await api(creds, 'GET', base)).json();
    assert.equal(s.kind, 'Scale');
    assert.equal(s.apiVersion, 'autoscaling/v1');
    assert.equal(s.spec.replicas, 2);
    assert.equal(s.status.selector, 'app=sc');
    const put = await api(creds, 'PUT', base, JSON.stringify({ ...s, spec: { replicas: 3 } }));
    assert.equal(put.status, 200, put.body);
    const stale = await api(creds, 'PUT', base, JSON.stringify({ ...s, spec: { replicas: 4 } }));
    assert.equal(stale.status, 409);
    const patched = await api(creds, 'PATCH', base, JSON.stringify({ spec: { replicas: 7 } }), { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(patched.json().spec.replicas, 7);
    const neg = await api(creds, 'PATCH', base, JSON.stringify({ spec: { replicas: -1 } }), { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(neg.status, 422);
    const d = JSON.parse(await c.k(['get', 'deploy', 'sc', '-o', 'json']));
    assert.equal(d.spec.replicas, 7);
    assert.equal(d.metadata.generation, 3);
  });
});
