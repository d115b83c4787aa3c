import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPodAvailable } from '../../api/pod-util.js';
import { clone } from '../../util/json.js';
import { R } from '../../client/resources.js';
import { controllerRef } from '../../api/pod-util.js';
import { Sim } from './testing/sim.js';
import { getDeploymentCondition } from './status.js';
import type { Deployment, Pod, ReplicaSet } from '../../api/types/index.js';

function article(o: { type?: 'Recreate'; replicas?: number; minReadySeconds?: number } = {}): Deployment {
  return {
    metadata: { name: 'web', namespace: 'ns', annotations: { 'kubernetes.io/change-cause': 'initial' } },
    spec: {
      replicas: o.replicas ?? 5,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.0', resources: {} }], restartPolicy: 'Always' } },
      strategy: o.type === 'Recreate' ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      minReadySeconds: o.minReadySeconds ?? 10,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
  };
}

/** What `kubectl rollout status` checks (kubectl-compat §7.1). */
function rolledOut(d: Deployment): boolean {
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  return (d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0) && (s.updatedReplicas ?? 0) >= want
    && (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) && (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0);
}

async function runUntil(sim: Sim, done: () => boolean, maxSteps = 200, stepMs = 1000): Promise<void> {
  for (let i = 0; i < maxSteps && !done(); i++) await sim.step(stepMs);
  assert.ok(done(), 'condition not reached');
}

const ownedBy = (pod: Pod, rs: ReplicaSet) => controllerRef(pod)?.uid === rs.metadata.uid;

test("the article's Deployment becomes available, then a new image rolls out within maxSurge/maxUnavailable", async () => {
  const sim = new Sim();
  sim.client.seed(R.deployments, article());
  await runUntil(sim, () => (sim.deployment().status?.availableReplicas ?? 0) === 5 && rolledOut(sim.deployment()));
  let d = sim.deployment();
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(getDeploymentCondition(d.status, 'Available')?.reason, 'MinimumReplicasAvailable');
  const [first] = sim.replicaSets();
  assert.match(first.metadata.name ?? '', /^web-[4-9bcdf]{1,10}$/);
  assert.equal(first.metadata.labels?.['pod-template-hash'], first.metadata.name?.slice(4));
  assert.equal(first.spec?.selector?.matchLabels?.['pod-template-hash'], first.metadata.labels?.['pod-template-hash']);
  assert.equal(first.spec?.template?.metadata?.labels?.['pod-template-hash'], first.metadata.labels?.['pod-template-hash']);
  assert.equal(first.metadata.annotations?.['kubernetes.io/change-cause'], 'initial');
  assert.equal(first.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '5');
  assert.equal(first.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '6');
  assert.equal(getDeploymentCondition(d.status, 'Progressing')?.message, `ReplicaSet "${first.metadata.name}" has successfully progressed.`);

  // Watch every pod change: at most 6 pods, at least 4 available.
  const violations: string[] = [];
  let maxPods = 0;
  let minAvailable = Infinity;
  sim.client.onChange((res) => {
    if (res.resource !== 'pods') return;
    const pods = sim.pods();
    const available = pods.filter((p) => isPodAvailable(p, 10, sim.t.clock.now())).length;
    maxPods = Math.max(maxPods, pods.length);
    minAvailable = Math.min(minAvailable, available);
    if (pods.length > 6 || available < 4) violations.push(`${pods.length} pods, ${available} available`);
  });
  sim.t.recorder.clear();
  await sim.updateDeployment((x) => {
    x.spec!.template!.spec!.containers = [{ name: 'nginx', image: 'nginx:2.0', resources: {} }];
    x.metadata.annotations = { 'kubernetes.io/change-cause': 'kubectl set image deployment/web nginx=nginx:2.0' };
  });
  await runUntil(sim, () => rolledOut(sim.deployment()));
  assert.deepEqual(violations, []);
  assert.equal(maxPods, 6, 'the surge was used');
  assert.equal(minAvailable, 4, 'the unavailability budget was used');

  d = sim.deployment();
  const rss = sim.replicaSets();
  assert.equal(rss.length, 2);
  const second = rss.find((r) => r.metadata.uid !== first.metadata.uid)!;
  const oldNow = rss.find((r) => r.metadata.uid === first.metadata.uid)!;
  assert.equal(oldNow.spec?.replicas, 0);
  assert.equal(second.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  assert.equal(second.metadata.annotations?.['kubernetes.io/change-cause'], 'kubectl set image deployment/web nginx=nginx:2.0');
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  assert.deepEqual({ ...d.status, conditions: undefined }, { observedGeneration: 2, replicas: 5, updatedReplicas: 5, readyReplicas: 5, availableReplicas: 5, conditions: undefined });
  assert.ok(sim.pods().every((p) => ownedBy(p, second)));
  const scaling = sim.t.recorder.events.filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
  assert.equal(scaling[0], `Scaled up replica set ${second.metadata.name} from 0 to 1`);
  assert.ok(scaling.includes(`Scaled down replica set ${first.metadata.name} from 5 to 4`));
  assert.ok(scaling.every((m) => /^Scaled (up|down) replica set web-\w+ from \d+ to \d+$/.test(m)));
  assert.ok(sim.t.recorder.events.every((e) => e.object.kind === 'Deployment' || e.object.kind === 'ReplicaSet'));
  sim.stop();
});

test('rollout undo: the old template makes the old ReplicaSet new again (revision max+1, history)', async () => {
  const sim = new Sim();
  sim.client.seed(R.deployments, article({ replicas: 2, minReadySeconds: 0 }));
  await runUntil(sim, () => rolledOut(sim.deployment()));
  await sim.updateDeployment((x) => { x.spec!.template!.spec!.containers = [{ name: 'nginx', image: 'nginx:2.0', resources: {} }]; });
  await runUntil(sim, () => rolledOut(sim.deployment()));
  const [rev1] = sim.replicaSets().filter((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === '1');
  // What kubectl rollout undo sends: the RS template without pod-template-hash.
  const tmpl = clone(rev1.spec!.template!);
  delete tmpl.metadata!.labels!['pod-template-hash'];
  (tmpl.metadata as Record<string, unknown>).creationTimestamp = null;
  await sim.updateDeployment((x) => { x.spec!.template = tmpl; });
  await runUntil(sim, () => rolledOut(sim.deployment()));
  assert.equal(sim.replicaSets().length, 2, 'no third ReplicaSet');
  const back = sim.client.object<ReplicaSet>(R.replicasets, 'ns', rev1.metadata.name ?? '')!;
  assert.equal(back.spec?.replicas, 2);
  assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  assert.equal(sim.deployment().metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  sim.stop();
});

test('Recreate: old pods are gone before the new ReplicaSet gets any', async () => {
  const sim = new Sim({ gracefulPodDeletion: true });
  sim.client.seed(R.deployments, article({ type: 'Recreate', replicas: 3, minReadySeconds: 0 }));
  await runUntil(sim, () => rolledOut(sim.deployment()));
  const [first] = sim.replicaSets();
  const overlaps: string[] = [];
  sim.client.onChange((res) => {
    if (res.resource !== 'pods') return;
    const pods = sim.pods();
    const old = pods.filter((p) => ownedBy(p, first)).length;
    if (old > 0 && old < pods.length) overlaps.push(`${old} old of ${pods.length}`);
  });
  await sim.updateDeployment((x) => { x.spec!.template!.spec!.containers = [{ name: 'nginx', image: 'nginx:2.0', resources: {} }]; });
  await sim.settle();
  assert.equal(sim.replicaSets().length, 1, 'no new ReplicaSet while old pods are terminating');
  assert.equal(sim.pods().filter((p) => p.metadata.deletionTimestamp).length, 3);
  await runUntil(sim, () => rolledOut(sim.deployment()));
  assert.deepEqual(overlaps, []);
  assert.equal(sim.replicaSets().length, 2);
  sim.stop();
});

test('scaling mid-rollout is proportional; paused deployments scale but do not roll out', async () => {
  const sim = new Sim();
  sim.client.seed(R.deployments, article({ replicas: 10, minReadySeconds: 0 }));
  await runUntil(sim, () => rolledOut(sim.deployment()));
  await sim.updateDeployment((x) => {
    x.spec!.paused = true;
    x.spec!.template!.spec!.containers = [{ name: 'nginx', image: 'nginx:2.0', resources: {} }];
  });
  await sim.step();
  assert.equal(sim.replicaSets().length, 1, 'paused: no new ReplicaSet');
  assert.equal(getDeploymentCondition(sim.deployment().status, 'Progressing')?.reason, 'DeploymentPaused');
  await sim.updateDeployment((x) => { x.spec!.replicas = 12; });
  await sim.step();
  assert.equal(sim.replicaSets()[0].spec?.replicas, 12, 'paused deployments still scale');
  await sim.updateDeployment((x) => { x.spec!.paused = false; });
  await sim.settle();
  assert.equal(getDeploymentCondition(sim.deployment().status, 'Progressing')?.reason === 'DeploymentPaused', false);
  // Stop pods from becoming ready so the rollout stays mid-way, then scale to 20.
  await sim.step(1000, { ready: false });
  const before = sim.replicaSets().map((r) => r.spec?.replicas ?? 0);
  assert.equal(before.reduce((a, b) => a + b, 0), 13, '12 + maxSurge 1');
  await sim.updateDeployment((x) => { x.spec!.replicas = 20; });
  await sim.step(1000, { ready: false });
  const sizes = sim.replicaSets().map((r) => r.spec?.replicas ?? 0);
  assert.equal(sizes.reduce((a, b) => a + b, 0), 21, '20 + maxSurge 1, spread over both');
  assert.ok(sizes.every((s) => s > 0));
  sim.stop();
});

test('progress deadline: no progress within progressDeadlineSeconds gives ProgressDeadlineExceeded', async () => {
  const sim = new Sim();
  const d = article({ replicas: 2, minReadySeconds: 0 });
  d.spec!.progressDeadlineSeconds = 30;
  sim.client.seed(R.deployments, d);
  for (let i = 0; i < 40; i++) await sim.step(1000, { ready: false });
  const p = getDeploymentCondition(sim.deployment().status, 'Progressing');
  assert.equal(p?.status, 'False');
  assert.equal(p?.reason, 'ProgressDeadlineExceeded');
  assert.match(p?.message ?? '', /^ReplicaSet "web-\w+" has timed out progressing\.$/);
  assert.equal(getDeploymentCondition(sim.deployment().status, 'Available')?.reason, 'MinimumReplicasUnavailable');
  sim.stop();
});

test('revisionHistoryLimit removes the oldest empty ReplicaSets; orphan ReplicaSets are adopted', async () => {
  const sim = new Sim();
  const d = article({ replicas: 1, minReadySeconds: 0 });
  d.spec!.revisionHistoryLimit = 1;
  sim.client.seed(R.deployments, d);
  await runUntil(sim, () => rolledOut(sim.deployment()));
  for (const image of ['nginx:2', 'nginx:3', 'nginx:4']) {
    await sim.updateDeployment((x) => { x.spec!.template!.spec!.containers = [{ name: 'nginx', image, resources: {} }]; });
    await runUntil(sim, () => rolledOut(sim.deployment()));
    await sim.step();
  }
  const revs = sim.replicaSets().map((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision']).sort();
  assert.deepEqual(revs, ['3', '4']);
  // An orphaned ReplicaSet matching the selector gets adopted.
  const rs = sim.replicaSets().find((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3')!;
  rs.metadata.ownerReferences = [];
  await sim.client.update(R.replicasets, 'ns', rs);
  await sim.settle();
  const again = sim.client.object<ReplicaSet>(R.replicasets, 'ns', rs.metadata.name ?? '')!;
  assert.equal(controllerRef(again)?.uid, sim.deployment().metadata.uid);
  sim.stop();
});
