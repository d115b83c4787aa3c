// Against a real in-process API server: a node whose Lease stops renewing goes Unknown,
// gets the unreachable taints, and its pod is evicted and then force-deleted by pod GC.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/types/index.js';
import { getCondition } from '../../api/pod-util.js';
import { isNotFound } from '../../api/status.js';
import { rfc3339Micro } from '../../util/time.js';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { R } from '../../client/resources.js';
import { nodeLifecycleRegistration, type Taint } from './index.js';
import { podGCRegistration } from '../podgc/index.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
  await nodeLifecycleRegistration({ nodeMonitorGracePeriodMs: 1000, nodeMonitorPeriodMs: 200 }).register(api.ctx);
  await podGCRegistration({ gcCheckPeriodMs: 200 }).register(api.ctx);
});
after(async () => { await api?.stop(); });

async function eventually<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  return assert.fail(`timed out waiting for ${what}`);
}

test('a silent node goes Unknown, is tainted, and its pods are evicted', async () => {
  const now = new Date().toISOString().slice(0, 19) + 'Z';
  const node = await api.client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  await api.client.updateStatus(R.nodes, undefined, { ...node, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }] } });
  await api.client.create(R.leases, 'kube-node-lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: rfc3339Micro() } });
  const tol = (key: string) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 });
  await api.client.create(R.pods, 'default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'victim' },
    spec: { nodeName: 'n1', terminationGracePeriodSeconds: 1, tolerations: [tol('node.kubernetes.io/unreachable'), tol('node.kubernetes.io/not-ready')], containers: [{ name: 'c', image: 'x' }] },
  });
  const tainted = await eventually('unreachable taint', async () => {
    const n = await api.client.get<KObject>(R.nodes, undefined, 'n1');
    const taints = (n.spec as { taints?: Taint[] }).taints ?? [];
    return taints.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute') ? n : undefined;
  });
  const ready = getCondition(tainted, 'Ready');
  assert.equal(ready?.status, 'Unknown');
  assert.equal(ready?.reason, 'NodeStatusUnknown');
  assert.equal(ready?.message, 'Kubelet stopped posting node status.');
  await eventually('pod gone', async () => {
    try { await api.client.get(R.pods, 'default', 'victim'); return undefined; } catch (err) { return isNotFound(err) ? true : undefined; }
  });
  // The kubelet comes back: taints go.
  const fresh = await api.client.get<KObject>(R.nodes, undefined, 'n1');
  const t = new Date().toISOString().slice(0, 19) + 'Z';
  await api.client.updateStatus(R.nodes, undefined, { ...fresh, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: t, lastTransitionTime: t }] } });
  await eventually('taints removed', async () => {
    const n = await api.client.get<KObject>(R.nodes, undefined, 'n1');
    return ((n.spec as { taints?: Taint[] }).taints ?? []).length === 0 ? true : undefined;
  });
});
