import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSubset, KObject } from '../../api/types/index.js';
import { setLogSink } from '../../util/log.js';
import { R } from '../../client/resources.js';
import { FakeInformerFactory, FakeRecorder, fakeClock, newTestContext, waitForIdle } from '../../client/testing/index.js';
import { EndpointsController } from './index.js';

const service: KObject = {
  apiVersion: 'v1', kind: 'Service',
  metadata: { name: 'nginx-service', namespace: 'default' },
  spec: { clusterIP: '10.43.0.20', selector: { app: 'server' }, ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }] },
};
const pod: KObject & { status: unknown } = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'p1', namespace: 'default', labels: { app: 'server' } },
  spec: { nodeName: 'node-1', containers: [{ name: 'nginx', ports: [{ containerPort: 80 }] }] },
  status: { phase: 'Running', podIP: '10.42.0.5', podIPs: [{ ip: '10.42.0.5' }], conditions: [{ type: 'Ready', status: 'True' }] },
};

test('Endpoints that exist but are not in the cache yet (the restart race): a quiet retry, then an update', async () => {
  const lines: string[] = [];
  const prev = setLogSink((l) => void lines.push(l));
  try {
    const t = newTestContext();
    const clock = fakeClock();
    const svc = t.client.seed(R.services, service);
    const p = t.client.seed(R.pods, pod);
    // Left by the previous run of the server, with a stale address.
    const stale = t.client.seed(R.endpoints, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'nginx-service', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.42.0.99' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }] });
    const informers = new FakeInformerFactory(); // the Endpoints list has not been seen yet
    informers.add(R.services, svc);
    informers.add(R.pods, p);
    const abort = new AbortController();
    const c = new EndpointsController({ client: t.client, informers, recorder: () => new FakeRecorder(), clock, signal: abort.signal });
    c.controller.run();
    await waitForIdle(c.controller, 2000);
    assert.equal(t.client.actionsFor('create', 'endpoints').length, 1);
    assert.equal(c.controller.queue.numRequeues('default/nginx-service'), 1, 'retried after a back-off, not at once');
    assert.deepEqual(lines.filter((l) => l.startsWith('E')), [], 'AlreadyExists is not an error worth a log line');
    informers.add(R.endpoints, stale);
    clock.advance(5);
    await waitForIdle(c.controller, 2000);
    const ep = t.client.object<KObject & { subsets?: EndpointSubset[] }>(R.endpoints, 'default', 'nginx-service')!;
    assert.deepEqual(ep.subsets?.[0].addresses?.map((a) => a.ip), ['10.42.0.5']);
    assert.equal(c.controller.queue.numRequeues('default/nginx-service'), 0);
    abort.abort();
  } finally {
    setLogSink(prev);
  }
});
