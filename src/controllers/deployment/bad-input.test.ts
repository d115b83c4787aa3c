// Inconsistent datastores converge and never hang (issue 10, "Bad input"): the ReplicaSet
// and Deployment controllers started on states like test/fixtures/restart-hang's — twice
// the pods a ReplicaSet wants, orphans, a status that lies, and two namespaces holding
// objects with the same names and selectors (dev/staging).
//
// Every wait here is bounded (waitForIdle throws after a fixed number of turns), so a
// controller that spins fails the test instead of hanging it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controllerRef, isPodActive } from '../../api/pod-util.js';
import { rfc3339 } from '../../util/time.js';
import { R } from '../../client/resources.js';
import type { InformerFactory } from '../../client/controller-types.js';
import type { SharedInformer } from '../../client/informer-types.js';
import type { ResourceRef } from '../../client/types.js';
import { FakeInformerFactory, FakeRecorder, fakeClock, newTestContext, settle, waitForIdle, type TestContext } from '../../client/testing/index.js';
import { ReplicaSetController } from '../replicaset/index.js';
import { DeploymentController } from './deployment-controller.js';
import { computeHash, POD_TEMPLATE_HASH_LABEL } from './hash.js';
import type { Deployment, Pod, ReplicaSet, PodSpec } from '../../api/types/index.js';

const MIN = 60_000;

const TEMPLATE = {
  metadata: { labels: { app: 'server' } },
  spec: { containers: [{ name: 'nginx', image: 'library/nginx:1.18-alpine' }] },
};
const HASH = computeHash(TEMPLATE);

/** The article's Deployment in `ns`, rolled out long ago (as the fixture's `default` one). */
function deployment(ns: string, now: number): Deployment {
  const long = rfc3339(now - 20 * MIN);
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'nginx-dep', namespace: ns, uid: `d-${ns}`, generation: 4, annotations: { 'deployment.kubernetes.io/revision': '1' } },
    spec: {
      replicas: 5, selector: { matchLabels: { app: 'server' } }, template: TEMPLATE, minReadySeconds: 10,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: 4, replicas: 5, updatedReplicas: 5, readyReplicas: 5, availableReplicas: 5,
      conditions: [
        { type: 'Progressing', status: 'True', lastUpdateTime: long, lastTransitionTime: long, reason: 'NewReplicaSetAvailable', message: `ReplicaSet "nginx-dep-${HASH}" has successfully progressed.` },
        { type: 'Available', status: 'True', lastUpdateTime: long, lastTransitionTime: long, reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      ],
    },
  };
}

/** Its ReplicaSet: same name in every namespace (the hash only depends on the template). */
function replicaSet(ns: string, status: ReplicaSet['status']): ReplicaSet {
  const labels = { app: 'server', [POD_TEMPLATE_HASH_LABEL]: HASH };
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      name: `nginx-dep-${HASH}`, namespace: ns, uid: `rs-${ns}`, generation: 1, labels,
      annotations: { 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '5', 'deployment.kubernetes.io/max-replicas': '6' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'nginx-dep', uid: `d-${ns}`, controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas: 5, minReadySeconds: 10, selector: { matchLabels: labels }, template: { ...TEMPLATE, metadata: { labels } } },
    status,
  };
}

/** A pod of the template in `ns`; owned by that namespace's ReplicaSet unless `orphan`. */
function pod(ns: string, name: string, o: { running: boolean; now: number; orphan?: boolean }): Pod {
  const p: Pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: 'server', [POD_TEMPLATE_HASH_LABEL]: HASH } },
    spec: { nodeName: 'node-1' } as PodSpec,
    status: o.running
      ? { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(o.now - 30 * MIN) }] }
      : { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
  };
  if (!o.orphan) {
    p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `nginx-dep-${HASH}`, uid: `rs-${ns}`, controller: true, blockOwnerDeletion: true }];
  }
  return p;
}

function seedPods(t: TestContext, ns: string, prefix: string, n: number, o: { running: boolean; orphan?: boolean }): void {
  for (let i = 0; i < n; i++) t.client.seed(R.pods, pod(ns, `${prefix}-${i}`, { ...o, now: t.clock.now() }));
}

const activePods = (t: TestContext, ns: string): Pod[] => t.client.objects<Pod>(R.pods).filter((p) => p.metadata.namespace === ns && isPodActive(p));
const rsIn = (t: TestContext, ns: string): ReplicaSet => t.client.object<ReplicaSet>(R.replicasets, ns, `nginx-dep-${HASH}`)!;

/** Runs both controllers until neither has a key ready (keys backing off do not count). */
async function converge(t: TestContext, rsc: ReplicaSetController, dc: DeploymentController): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await waitForIdle(rsc.controller, 2000);
    await waitForIdle(dc.controller, 2000);
    if (rsc.controller.queue.isIdle() && dc.controller.queue.isIdle()) return;
  }
  assert.fail('controllers did not go idle');
}

function start(t: TestContext): { rsc: ReplicaSetController; dc: DeploymentController } {
  const rsc = new ReplicaSetController(t.ctx, { workers: 2 });
  const dc = new DeploymentController(t.ctx, { workers: 2 });
  rsc.run();
  dc.run();
  return { rsc, dc };
}

test('the restart-hang state: a completed Deployment whose ReplicaSet status says 0 is looked at again with back-off, not in a loop', async () => {
  const t = newTestContext();
  t.client.seed(R.deployments, deployment('default', t.clock.now()));
  t.client.seed(R.replicasets, replicaSet('default', { replicas: 0, observedGeneration: 1 }));
  seedPods(t, 'default', 'old', 5, { running: true });
  let reconciles = 0;
  const dc = new DeploymentController(t.ctx, { workers: 2 });
  const reconcile = dc.reconcile.bind(dc);
  dc.reconcile = async (k) => { reconciles++; return reconcile(k); };
  dc.run();
  // Alone (no ReplicaSet controller to correct the status), the Deployment's deadline has
  // passed and its condition cannot change. Before the fix this key was re-added at once,
  // forever, inside one chain of microtasks: waitForIdle below never returned.
  await waitForIdle(dc.controller, 2000);
  const first = reconciles;
  assert.ok(first <= 3, `${first} reconciles before going idle`);
  assert.ok(dc.controller.queue.numRequeues('default/nginx-dep') >= 1, 'waiting in back-off');
  t.clock.advance(5);
  await waitForIdle(dc.controller, 2000);
  t.clock.advance(9);
  await waitForIdle(dc.controller, 2000);
  assert.ok(reconciles - first <= 1, 'the second look waits 10 ms: the back-off grows');
  assert.equal(rsIn(t, 'default').spec?.replicas, 5, 'nothing scaled');
  t.abort();
});

test('duplicate pods and a wrong status (the fixture\'s default): 10 pods for 5 replicas converge to 5, the newest deleted first', async () => {
  const t = newTestContext();
  t.client.seed(R.deployments, deployment('default', t.clock.now()));
  t.client.seed(R.replicasets, replicaSet('default', { replicas: 0, observedGeneration: 1 }));
  seedPods(t, 'default', 'old', 5, { running: true });
  seedPods(t, 'default', 'dup', 5, { running: false });
  const { rsc, dc } = start(t);
  await converge(t, rsc, dc);
  const left = activePods(t, 'default');
  assert.deepEqual(left.map((p) => p.metadata.name).sort(), ['old-0', 'old-1', 'old-2', 'old-3', 'old-4']);
  assert.equal(rsIn(t, 'default').status?.replicas, 5);
  assert.equal(rsIn(t, 'default').status?.availableReplicas, 5);
  const d = t.client.object<Deployment>(R.deployments, 'default', 'nginx-dep')!;
  assert.equal(d.status?.replicas, 5);
  assert.equal(d.status?.availableReplicas, 5);
  assert.equal(t.client.actionsFor('create', 'pods').length, 0);
  t.abort();
});

test('two namespaces with the same names and selectors: each ReplicaSet counts, adopts and trims only its own namespace', async () => {
  const t = newTestContext();
  for (const ns of ['default', 't2']) t.client.seed(R.deployments, deployment(ns, t.clock.now()));
  t.client.seed(R.replicasets, replicaSet('default', { replicas: 5, observedGeneration: 1 }));
  // t2's status lies (the fixture's 10), and t2 holds 3 orphans matching the selector.
  t.client.seed(R.replicasets, replicaSet('t2', { replicas: 10, fullyLabeledReplicas: 10, readyReplicas: 5, availableReplicas: 5, observedGeneration: 1 }));
  seedPods(t, 'default', 'old', 5, { running: true });
  seedPods(t, 't2', 'old', 3, { running: true });
  seedPods(t, 't2', 'orphan', 3, { running: false, orphan: true });
  const { rsc, dc } = start(t);
  await converge(t, rsc, dc);

  for (const ns of ['default', 't2']) {
    const pods = activePods(t, ns);
    assert.equal(pods.length, 5, `${ns}: ${pods.map((p) => p.metadata.name).join(' ')}`);
    for (const p of pods) assert.equal(controllerRef(p)?.uid, `rs-${ns}`, `${ns}/${p.metadata.name} is owned by its own namespace's ReplicaSet`);
    assert.equal(rsIn(t, ns).status?.replicas, 5, `${ns} ReplicaSet status.replicas`);
  }
  // default's pods were never touched by t2's ReplicaSet, and no pod changed namespace owner.
  assert.deepEqual(activePods(t, 'default').map((p) => p.metadata.name).sort(), ['old-0', 'old-1', 'old-2', 'old-3', 'old-4']);
  const writes = [...t.client.actionsFor('patch', 'pods'), ...t.client.actionsFor('delete', 'pods'), ...t.client.actionsFor('create', 'pods')];
  assert.ok(writes.every((a) => a.namespace === 't2'), 'only t2 needed pod writes');
  t.abort();
});

test('orphans and an owner-less ReplicaSet: adopted by the Deployment, surplus pods deleted', async () => {
  const t = newTestContext();
  t.client.seed(R.deployments, deployment('dev', t.clock.now()));
  const rs = replicaSet('dev', { replicas: 0 });
  delete rs.metadata.ownerReferences;
  t.client.seed(R.replicasets, rs);
  seedPods(t, 'dev', 'orphan', 7, { running: true, orphan: true });
  const { rsc, dc } = start(t);
  await converge(t, rsc, dc);
  assert.equal(controllerRef(rsIn(t, 'dev'))?.uid, 'd-dev', 'the ReplicaSet was adopted');
  const pods = activePods(t, 'dev');
  assert.equal(pods.length, 5);
  for (const p of pods) assert.equal(controllerRef(p)?.uid, 'rs-dev');
  assert.equal(rsIn(t, 'dev').status?.replicas, 5);
  t.abort();
});

/** An InformerFactory whose pod informer reports synced only when the test says so. */
function gatedPods(inner: FakeInformerFactory): { factory: InformerFactory; open(): void } {
  let open!: () => void;
  let synced = false;
  const gate = new Promise<void>((r) => (open = () => { synced = true; r(); }));
  const factory: InformerFactory = {
    informerFor<T>(res: ResourceRef) {
      const inf = inner.informerFor(res) as unknown as SharedInformer<T>;
      if (res !== R.pods) return inf as never;
      const gated: SharedInformer<T> = {
        lister: inf.lister,
        addEventHandler: (h) => inf.addEventHandler(h),
        addIndexer: (n, f) => inf.addIndexer(n, f),
        hasSynced: () => synced,
        whenSynced: () => gate,
        lastSyncResourceVersion: () => inf.lastSyncResourceVersion(),
      };
      return gated as never;
    },
  };
  return { factory, open };
}

test('a restart does not create pods while the pod cache is still listing', async () => {
  const clock = fakeClock();
  const t = newTestContext();
  const informers = new FakeInformerFactory(); // filled by hand: the pod list has not arrived
  const rs = t.client.seed(R.replicasets, replicaSet('default', { replicas: 5, observedGeneration: 1 }));
  seedPods(t, 'default', 'old', 5, { running: true });
  informers.add(R.replicasets, rs);
  const { factory, open } = gatedPods(informers);
  const abort = new AbortController();
  const rsc = new ReplicaSetController({ client: t.client, informers: factory, recorder: () => new FakeRecorder(), clock, signal: abort.signal });
  rsc.run();
  await settle(20);
  assert.equal(t.client.actionsFor('create', 'pods').length, 0, 'no reconcile on an unsynced pod cache');
  for (const p of t.client.objects<Pod>(R.pods)) informers.add(R.pods, p);
  open();
  await waitForIdle(rsc.controller, 2000);
  assert.equal(t.client.actionsFor('create', 'pods').length, 0);
  assert.equal(rsIn(t, 'default').status?.replicas, 5);
  abort.abort();
});
