import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi } from '../../testing/test-api.js';
import { R } from '../../client/resources.js';
import { SimulatedCluster } from './simulated-cluster.js';
import { nextAction } from './pod-simulator.js';
import type { KObject } from '../../api/types/index.js';

async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pod = (name: string, node: string, extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }], ...extra },
});

test('nextAction: readiness waits for the probe delay; completion pods finish', () => {
  const base = { metadata: { name: 'p', uid: 'u' }, spec: { containers: [{ name: 'c', readinessProbe: { initialDelaySeconds: 5 } }] }, status: { phase: 'Pending' } } as KObject;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const a = nextAction(base, { podIP: '10.42.0.2', hostIP: '127.1.0.1' }, t0);
  assert.equal(a.kind, 'status');
  if (a.kind !== 'status') return;
  assert.equal(a.then, 5000);
  const running = { ...base, status: a.status } as KObject;
  assert.equal((running.status as any).conditions.find((c: any) => c.type === 'Ready').status, 'False');
  assert.deepEqual(nextAction(running, { podIP: '', hostIP: '' }, t0 + 1000), { kind: 'wait', ms: 4000 });
  const b = nextAction(running, { podIP: '', hostIP: '' }, t0 + 5000);
  assert.equal(b.kind === 'status' && (b.status as any).conditions.find((c: any) => c.type === 'Ready').status, 'True');
  const job = { metadata: { name: 'j', uid: 'u', annotations: { 'sim.k8ts.io/exit-code': '3' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c' }] }, status: { phase: 'Running', startTime: '2026-01-01T00:00:00Z', containerStatuses: [{ state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }] } } as KObject;
  const done = nextAction(job, { podIP: '', hostIP: '' }, t0 + 1000);
  assert.equal(done.kind === 'status' && (done.status as any).phase, 'Failed');
  assert.deepEqual(nextAction({ ...job, metadata: { ...job.metadata, deletionTimestamp: 'x' } }, { podIP: '', hostIP: '' }, t0), { kind: 'delete' });
});

test('simulated nodes register, run pods, finish deletions, and stop heartbeating when stopped', async () => {
  const api = await startTestApi();
  try {
    const sim = new SimulatedCluster({ client: api.client, informers: api.informers, signal: api.ctx.signal, count: 2, renewIntervalMs: 1000 });
    await sim.start();
    const nodes = await api.client.list(R.nodes);
    assert.deepEqual(nodes.items.map((n) => n.metadata.name).sort(), ['k8ts-sim-0', 'k8ts-sim-1']);
    assert.equal((nodes.items[0].status as any).conditions.find((c: any) => c.type === 'Ready').status, 'True');
    await api.client.create(R.pods, 'default', pod('p1', 'k8ts-sim-0'));
    const running = await until(async () => {
      const p = await api.client.get(R.pods, 'default', 'p1');
      return (p.status as any).conditions?.find((c: any) => c.type === 'Ready')?.status === 'True' && p;
    });
    assert.equal((running.status as any).phase, 'Running');
    assert.match((running.status as any).podIP, /^10\.42\.0\.\d+$/);
    await api.client.delete(R.pods, 'default', 'p1');
    await until(async () => !(await api.client.list(R.pods, 'default')).items.length);
    // A stopped node freezes its pods and its Lease.
    sim.stopNode('k8ts-sim-1');
    await new Promise((r) => setTimeout(r, 300));
    const lease0 = await api.client.get(R.leases, 'kube-node-lease', 'k8ts-sim-1');
    await api.client.create(R.pods, 'default', pod('frozen', 'k8ts-sim-1'));
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(((await api.client.get(R.pods, 'default', 'frozen')).status as any).phase, 'Pending');
    const lease1 = await api.client.get(R.leases, 'kube-node-lease', 'k8ts-sim-1');
    assert.equal((lease1.spec as any).renewTime, (lease0.spec as any).renewTime, 'a stopped node does not renew its Lease');
    const live = await api.client.get(R.leases, 'kube-node-lease', 'k8ts-sim-0');
    assert.notEqual((live.spec as any).renewTime, undefined);
    await sim.restartNode('k8ts-sim-1');
    await until(async () => ((await api.client.get(R.pods, 'default', 'frozen')).status as any).phase === 'Running');
  } finally {
    await api.stop();
  }
});
