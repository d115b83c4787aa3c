import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi } from '../../testing/test-api.js';
import { fakeClock } from '../../client/testing/index.js';
import { R } from '../../client/resources.js';
import type { RuntimePod } from '../runtime-pod.js';
import type { Pod, PodStatus } from '../../api/types/index.js';
import { generatePodStatus } from './generate-status.js';
import { StatusManager } from './status-manager.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function runtimePod(uid: string): RuntimePod {
  return {
    uid,
    sandboxes: [{ id: 's1', state: 'ready', createdAt: T0, config: { name: 'web', namespace: 'default', uid, attempt: 0 } } as unknown as RuntimePod['sandboxes'][number]],
    containers: [{ id: 'c1', sandboxId: 's1', name: 'nginx', attempt: 0, state: 'running', image: 'nginx', imageRef: 'sha256:1', createdAt: T0, startedAt: T0, logPath: '/dev/null', labels: {} }],
  };
}

/** What a pod sync computes from the pod object it was handed (the informer's copy). */
function generate(pod: Readonly<Pod>, now: number, ready: boolean): PodStatus {
  return generatePodStatus({
    pod, runtime: runtimePod(pod.metadata.uid ?? ''), runtimeName: 'runc', podIPs: ['10.42.0.5'], hostIPs: ['192.0.2.10'], sandboxReady: true,
    waiting: new Map(), isReady: () => ready, isStarted: () => true, now,
  });
}

async function until(f: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(f(), 'watch caught up');
}

const cond = (p: Readonly<Pod>, type: string) => p.status?.conditions?.find((c) => c.type === type);

test('status manager: syncs from an informer copy one write behind do not flip lastTransitionTime (the status storm)', { timeout: 30_000 }, async () => {
  const api = await startTestApi();
  try {
    const clock = fakeClock(T0);
    const sm = new StatusManager(api.client, { clock });
    const created = await api.client.create<Pod>(R.pods, 'default', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { nodeName: 'node-1', containers: [{ name: 'nginx', image: 'nginx' }] },
    });
    const modified: Pod[] = [];
    const watch = api.client.watch<Pod>(R.pods, 'default', { resourceVersion: created.metadata.resourceVersion }, (ev) => {
      if (ev.type === 'MODIFIED') modified.push(ev.object);
    });
    // The first sync: not ready yet.
    assert.equal(await sm.setStatus(created, generate(created, clock.now(), false)), true);
    const notReady = await api.client.get<Pod>(R.pods, 'default', 'web');

    // The readiness probe passes; the pod syncs at T1 and again (PLEG, probe, resync) a second
    // later while the informer still holds the not-ready copy.
    clock.advance(5000);
    await sm.setStatus(notReady, generate(notReady, clock.now(), true));
    const t1 = clock.now();
    clock.advance(1000);
    await sm.setStatus(notReady, generate(notReady, clock.now(), true));

    // The informer now delivers every version in order, and each delivery syncs the pod
    // again from that copy (which, while writes go on, is one write behind).
    const caughtUp = async (): Promise<void> => {
      const latest = (await api.client.get<Pod>(R.pods, 'default', 'web')).metadata.resourceVersion;
      await until(() => (modified.at(-1)?.metadata.resourceVersion ?? created.metadata.resourceVersion) === latest);
    };
    let delivered = 0;
    for (let i = 0; i < 30; i++) {
      await caughtUp();
      if (delivered >= modified.length) break;
      const seen = modified[delivered++];
      clock.advance(100);
      await sm.setStatus(seen, generate(seen, clock.now(), true));
    }
    const final = await api.client.get<Pod>(R.pods, 'default', 'web');
    assert.equal(cond(final, 'Ready')?.status, 'True');
    assert.equal(cond(final, 'Ready')?.lastTransitionTime, new Date(t1).toISOString().replace(/\.\d+Z$/, 'Z'), 'Ready turned True once, at T1');
    // One write for the first status, one for Ready: nothing after.
    watch.stop();
    assert.equal(new Set(modified.filter((p) => cond(p, 'Ready')?.status === 'True').map((p) => cond(p, 'Ready')?.lastTransitionTime)).size, 1, 'one transition time for Ready=True');
    assert.deepEqual(modified.map((p) => cond(p, 'Ready')?.status), ['False', 'True'], 'exactly two status writes');
  } finally {
    await api.stop();
  }
});

async function readyPod(api: Awaited<ReturnType<typeof startTestApi>>, sm: StatusManager, clock: ReturnType<typeof fakeClock>): Promise<Pod> {
  const created = await api.client.create<Pod>(R.pods, 'default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { nodeName: 'node-1', containers: [{ name: 'nginx', image: 'nginx' }] },
  });
  assert.equal(await sm.setStatus(created, generate(created, clock.now(), true)), true);
  return api.client.get<Pod>(R.pods, 'default', 'web');
}

test('status manager: conditions other components own survive a write from a stale copy', { timeout: 30_000 }, async () => {
  const api = await startTestApi();
  try {
    const clock = fakeClock(T0);
    const sm = new StatusManager(api.client, { clock });
    const stale = await readyPod(api, sm, clock);
    await api.client.patch(R.pods, 'default', 'web', 'strategic', { status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }] } }, { subresource: 'status' });
    clock.advance(2000);
    // A readiness change computed from the copy that has not seen DisruptionTarget.
    assert.equal(await sm.setStatus(stale, generate(stale, clock.now(), false)), true);
    const p = await api.client.get<Pod>(R.pods, 'default', 'web');
    assert.equal(cond(p, 'Ready')?.status, 'False');
    assert.equal(cond(p, 'DisruptionTarget')?.status, 'True');
  } finally {
    await api.stop();
  }
});

test('status manager: restores a kubelet-owned condition another component changed; writes nothing for resyncs', { timeout: 30_000 }, async () => {
  const api = await startTestApi();
  try {
    const clock = fakeClock(T0);
    const sm = new StatusManager(api.client, { clock });
    let p = await readyPod(api, sm, clock);
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      assert.equal(await sm.setStatus(p, generate(p, clock.now(), true)), false, 'resync of an unchanged pod');
    }
    // The node lifecycle controller marks the pod not ready (it thinks the node is gone).
    const conditions = p.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: '2026-01-01T12:00:30Z' } : c));
    await api.client.patch(R.pods, 'default', 'web', 'merge', { status: { conditions } }, { subresource: 'status' });
    p = await api.client.get<Pod>(R.pods, 'default', 'web');
    clock.advance(1000);
    assert.equal(await sm.setStatus(p, generate(p, clock.now(), true)), true, 'the kubelet puts its status back');
    p = await api.client.get<Pod>(R.pods, 'default', 'web');
    assert.equal(cond(p, 'Ready')?.status, 'True');
    clock.advance(1000);
    assert.equal(await sm.setStatus(p, generate(p, clock.now(), true)), false);
  } finally {
    await api.stop();
  }
});

test('status manager: a restarted kubelet finding its status in the API writes nothing', { timeout: 30_000 }, async () => {
  const api = await startTestApi();
  try {
    const clock = fakeClock(T0);
    const p = await readyPod(api, new StatusManager(api.client, { clock }), clock);
    clock.advance(60_000);
    const sm = new StatusManager(api.client, { clock });
    assert.equal(await sm.setStatus(p, generate(p, clock.now(), true)), false);
    assert.equal(sm.writes, 0);
  } finally {
    await api.stop();
  }
});

test('status manager: writes the status of ephemeral containers (kubectl debug)', { timeout: 30_000 }, async () => {
  const api = await startTestApi();
  try {
    const clock = fakeClock(T0);
    const sm = new StatusManager(api.client, { clock });
    await readyPod(api, sm, clock);
    await api.client.patch(R.pods, 'default', 'web', 'strategic', { spec: { ephemeralContainers: [{ name: 'dbg', image: 'busybox', imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File' }] } }, { subresource: 'ephemeralcontainers' });
    const p = await api.client.get<Pod>(R.pods, 'default', 'web');
    clock.advance(1000);
    assert.equal(await sm.setStatus(p, generate(p, clock.now(), true)), true);
    const got = await api.client.get<Pod>(R.pods, 'default', 'web');
    assert.deepEqual(got.status?.ephemeralContainerStatuses?.map((s) => [s.name, s.state!.waiting?.reason, s.ready]), [['dbg', 'ContainerCreating', false]]);
    // Ephemeral containers take no part in readiness.
    assert.equal(cond(got, 'Ready')?.status, 'True');
  } finally {
    await api.stop();
  }
});
