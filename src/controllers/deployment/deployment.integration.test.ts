// Against a real in-process API server: the ReplicaSet and Deployment controllers, with a
// tiny inline "kubelet" that makes every new pod Running and Ready. The article's
// Deployment becomes available, then a new image rolls out while a watch on all pods checks
// that there are never more than replicas + maxSurge pods nor fewer than
// replicas − maxUnavailable available ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, KObject, Pod, ReplicaSet } from '../../api/types/index.js';
import { getCondition, isPodAvailable } from '../../api/pod-util.js';
import { rfc3339 } from '../../util/time.js';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { R } from '../../client/resources.js';
import type { WatchStream } from '../../client/types.js';
import { registration as replicaSetRegistration } from '../replicaset/index.js';
import { registration as deploymentRegistration } from './index.js';

const NS = 'default';
const MIN_READY = 1;

let api: TestApi;
let kubelet: WatchStream | undefined;
before(async () => {
  api = await startTestApi();
  await replicaSetRegistration.register(api.ctx);
  await deploymentRegistration.register(api.ctx);
  // The kubelet: every pod that is not yet Ready becomes Running + Ready now.
  kubelet = api.client.watch<Pod>(R.pods, NS, {}, (ev) => {
    if (ev.type !== 'ADDED' || getCondition(ev.object, 'Ready')) return;
    const pod = ev.object;
    pod.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(Date.now()) }] };
    api.client.updateStatus(R.pods, NS, pod).catch(() => undefined);
  });
});
after(async () => {
  kubelet?.stop();
  await api?.stop();
});

async function eventually<T>(what: string, f: () => Promise<T | undefined>, tries = 1200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  return assert.fail(`timed out waiting for ${what}`);
}

/** kubectl rollout status's test (kubectl-compat §7.1). */
function rolledOut(d: Deployment): boolean {
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  if (getDeploymentProgressReason(d) === 'ProgressDeadlineExceeded') throw new Error('progress deadline exceeded');
  return (d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0) && (s.updatedReplicas ?? 0) >= want
    && (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) && (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0);
}

function getDeploymentProgressReason(d: Deployment): string | undefined {
  return d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason;
}

test("the article's Deployment becomes available, then rolls out a new image within its bounds", async () => {
  await api.client.create(R.deployments, NS, {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'hello', annotations: { 'kubernetes.io/change-cause': 'create' } },
    spec: {
      replicas: 5,
      selector: { matchLabels: { app: 'hello' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      minReadySeconds: MIN_READY,
      template: { metadata: { labels: { app: 'hello' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.0' }] } },
    },
  });
  const first = await eventually('5/5 available', async () => {
    const d = await api.client.get<Deployment>(R.deployments, NS, 'hello');
    return (d.status?.availableReplicas ?? 0) === 5 && rolledOut(d) ? d : undefined;
  });
  assert.equal(first.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(first.status?.conditions?.find((c) => c.type === 'Available')?.reason, 'MinimumReplicasAvailable');
  assert.equal(getDeploymentProgressReason(first), 'NewReplicaSetAvailable');

  // Watch every pod from here on.
  const pods = new Map<string, Pod>();
  for (const p of (await api.client.list<Pod>(R.pods, NS)).items) pods.set(p.metadata.name ?? '', p);
  const violations: string[] = [];
  let maxPods = 0;
  const check = (): void => {
    const live = [...pods.values()].filter((p) => !p.metadata.deletionTimestamp);
    const available = live.filter((p) => isPodAvailable(p, MIN_READY, Date.now())).length;
    maxPods = Math.max(maxPods, live.length);
    if (live.length > 6) violations.push(`${live.length} pods`);
    if (available < 4) violations.push(`${available} available`);
  };
  const list = await api.client.list(R.pods, NS);
  const watch = api.client.watch<Pod>(R.pods, NS, { resourceVersion: list.metadata.resourceVersion }, (ev) => {
    if (ev.type === 'DELETED') pods.delete(ev.object.metadata.name ?? '');
    else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') pods.set(ev.object.metadata.name ?? '', ev.object);
    else return;
    check();
  });
  try {
    await api.client.patch(R.deployments, NS, 'hello', 'merge', {
      metadata: { annotations: { 'kubernetes.io/change-cause': 'kubectl set image deployment/hello web=nginx:2.0' } },
      spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:2.0' }] } } },
    });
    const done = await eventually('rolled out', async () => {
      const d = await api.client.get<Deployment>(R.deployments, NS, 'hello');
      return rolledOut(d) && d.status?.updatedReplicas === 5 && (d.status?.replicas ?? 0) === 5 ? d : undefined;
    });
    assert.equal(done.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  } finally {
    watch.stop();
  }
  assert.deepEqual(violations, []);
  assert.ok(maxPods >= 6, 'the surge was used');

  const rss = (await api.client.list<ReplicaSet>(R.replicasets, NS)).items;
  assert.equal(rss.length, 2);
  const byRev = new Map(rss.map((r) => [r.metadata.annotations?.['deployment.kubernetes.io/revision'], r]));
  assert.equal(byRev.get('1')?.spec?.replicas, 0);
  assert.equal(byRev.get('2')?.spec?.replicas, 5);
  assert.equal(byRev.get('2')?.metadata.annotations?.['kubernetes.io/change-cause'], 'kubectl set image deployment/hello web=nginx:2.0');
  assert.equal(byRev.get('2')?.status?.availableReplicas, 5);

  const events = (await api.client.list<KObject & { reason?: string; message?: string }>(R.events, NS)).items;
  const scaling = events.filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message ?? '');
  assert.ok(scaling.includes(`Scaled up replica set ${byRev.get('2')?.metadata.name} from 0 to 1`), scaling.join('\n'));
  assert.ok(scaling.some((m) => new RegExp(`^Scaled down replica set ${byRev.get('1')?.metadata.name} from [1-5] to 0$`).test(m)), scaling.join('\n'));
  assert.ok(events.some((e) => e.reason === 'SuccessfulCreate' && /^Created pod: hello-/.test(e.message ?? '')));
  assert.ok(events.some((e) => e.reason === 'SuccessfulDelete' && /^Deleted pod: hello-/.test(e.message ?? '')));
});
