// The status storm of issue 10 at the kubelet level: the kubelet's pod informer lags behind
// its own status writes (a loaded server), while probes and the PLEG keep syncing the pod.
// Each condition's lastTransitionTime must move only with its status, and a pod that stays
// ready must not be written again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../client/resources.js';
import { startHarness, laggingWatchClient } from './testing/harness.js';
import type { Pod } from '../api/types/index.js';

const cond = (p: Readonly<Pod> | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type);

test('kubelet: with a pod informer lagging behind its writes, transition times never move alone and a ready pod is written once', { timeout: 60_000 }, async () => {
  const h = await startHarness({ kubeletClient: (c) => laggingWatchClient(c, 40) });
  try {
    let ready = false;
    h.runtime.execHandler = () => ({ exitCode: ready ? 0 : 1, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) });
    const created = await h.createPod({
      metadata: { name: 'lagged' },
      spec: { containers: [{ name: 'app', image: 'busybox:1.36', readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 }, livenessProbe: { exec: { command: ['true'] }, periodSeconds: 1, failureThreshold: 1000 } }] },
    });
    const events: Pod[] = [];
    const watch = h.api.client.watch<Pod>(R.pods, 'default', { resourceVersion: created.metadata.resourceVersion }, (ev) => {
      if (ev.type === 'MODIFIED') events.push(ev.object);
    });
    await h.until('Running', async () => (await h.getPod('lagged'))?.status?.phase === 'Running', 300);
    ready = true;
    await h.until('Ready', async () => cond(await h.getPod('lagged'), 'Ready')?.status === 'True', 300);
    // Keep going: the clock runs on (300 ms a round) while late events and probe rounds sync the pod.
    for (let i = 0; i < 40; i++) {
      h.clock.advance(300);
      await h.kubelet.relist();
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 200));
    watch.stop();

    const moved: string[] = [];
    for (let i = 1; i < events.length; i++) {
      for (const c of events[i].status?.conditions ?? []) {
        const p = cond(events[i - 1], c.type);
        if (p && p.status === c.status && p.lastTransitionTime !== c.lastTransitionTime) moved.push(`rv ${events[i].metadata.resourceVersion}: ${c.type}=${c.status} ${p.lastTransitionTime}→${c.lastTransitionTime}`);
      }
    }
    assert.deepEqual(moved, [], 'transition times move only with their condition');
    const readyWrites = events.filter((p) => cond(p, 'Ready')?.status === 'True');
    assert.equal(readyWrites.length, 1, `one write for Ready=True, saw ${readyWrites.map((p) => `${p.metadata.resourceVersion}@${cond(p, 'Ready')?.lastTransitionTime}`).join(' ')}`);
  } finally {
    await h.stop();
  }
});
