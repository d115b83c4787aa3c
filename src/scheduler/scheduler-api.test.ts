// Integration: the scheduler against a real in-process API server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi } from '../testing/test-api.js';
import { R } from '../client/resources.js';
import type { KObject, Pod } from '../api/types/index.js';
import { startScheduler } from './index.js';

function node(name: string, cpu: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: {
      capacity: { cpu, memory: '4Gi', pods: '110' },
      allocatable: { cpu, memory: '4Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }],
    },
  };
}

function pod(name: string, cpu: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu } } }] },
  };
}

async function eventually<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('scheduler binds pods and reports an impossible one (real API)', async () => {
  const api = await startTestApi();
  try {
    const c = api.client;
    for (const [n, cpu] of [['n1', '2'], ['n2', '2'], ['n3', '2']]) {
      const created = await c.create(R.nodes, undefined, node(n, cpu));
      // status is ignored on create for nodes in some servers; write it explicitly.
      await c.updateStatus(R.nodes, undefined, { ...created, status: node(n, cpu).status });
    }
    await startScheduler(api.ctx);
    await c.create(R.pods, 'default', pod('web-1', '500m'));
    await c.create(R.pods, 'default', pod('web-2', '500m'));
    await c.create(R.pods, 'default', pod('huge', '16'));
    for (const name of ['web-1', 'web-2']) {
      const p = await eventually(async () => {
        const p = await c.get<Pod>(R.pods, 'default', name);
        return p.spec?.nodeName ? p : undefined;
      });
      assert.match(p.spec?.nodeName ?? '', /^n[123]$/);
      assert.equal(p.status?.conditions?.find((x) => x.type === 'PodScheduled')?.status, 'True');
    }
    const huge = await eventually(async () => {
      const p = await c.get<Pod>(R.pods, 'default', 'huge');
      return p.status?.conditions?.some((x) => x.type === 'PodScheduled') ? p : undefined;
    });
    const cond = huge.status?.conditions?.find((x) => x.type === 'PodScheduled');
    assert.equal(cond?.status, 'False');
    assert.equal(cond?.reason, 'Unschedulable');
    assert.equal(cond?.message, '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..');
    const ev = await eventually(async () => {
      const list = await c.list<KObject & { reason?: string; message?: string; type?: string; involvedObject?: { name?: string } }>(R.events, 'default');
      return list.items.find((e) => e.reason === 'FailedScheduling' && e.involvedObject?.name === 'huge');
    });
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, cond?.message);
    const scheduled = await eventually(async () => {
      const list = await c.list<KObject & { reason?: string; message?: string; involvedObject?: { name?: string } }>(R.events, 'default');
      return list.items.find((e) => e.reason === 'Scheduled' && e.involvedObject?.name === 'web-1');
    });
    assert.match(scheduled.message ?? '', /^Successfully assigned default\/web-1 to n[123]$/);
  } finally {
    await api.stop();
  }
});
