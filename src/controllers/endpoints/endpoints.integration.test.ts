// Against a real in-process API server: a service's Endpoints and EndpointSlices list its
// ready pods as addresses and its not-ready pods as notReadyAddresses / ready=false.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint, EndpointSubset, KObject } from '../../api/types/index.js';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { R } from '../../client/resources.js';
import { registration as endpointsRegistration } from './index.js';
import { registration as sliceRegistration } from '../endpointslice/index.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
  await endpointsRegistration.register(api.ctx);
  await sliceRegistration.register(api.ctx);
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

async function runningPod(name: string, ip: string, ready: boolean): Promise<void> {
  const p = await api.client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'echo' } }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] } });
  const status = { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2024-01-01T00:00:00Z' }] };
  await api.client.updateStatus(R.pods, 'default', { ...p, status });
}

test('Endpoints and EndpointSlices track ready and not-ready pods', async () => {
  await api.client.create(R.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', labels: { tier: 'web' } }, spec: { selector: { app: 'echo' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } });
  await runningPod('a', '10.42.0.10', true);
  await runningPod('b', '10.42.0.11', false);
  const ep = await eventually('endpoints', async () => {
    const e = await api.client.get<KObject>(R.endpoints, 'default', 'echo');
    const s = (e.subsets as EndpointSubset[] | undefined)?.[0];
    return s?.addresses?.length === 1 && s.notReadyAddresses?.length === 1 ? e : undefined;
  });
  const subset = (ep.subsets as EndpointSubset[])[0];
  assert.equal(subset.addresses?.[0].ip, '10.42.0.10');
  assert.equal(subset.notReadyAddresses?.[0].targetRef?.name, 'b');
  assert.deepEqual(subset.ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
  assert.equal(ep.metadata.labels?.tier, 'web');
  const slice = await eventually('slice', async () => {
    const l = await api.client.list(R.endpointslices, 'default', { labelSelector: 'kubernetes.io/service-name=echo' });
    return l.items.length === 1 && (l.items[0].endpoints as unknown[] | undefined)?.length === 2 ? l.items[0] : undefined;
  });
  const eps = slice.endpoints as Endpoint[];
  assert.deepEqual(eps.map((e) => [e.addresses[0], e.conditions!.ready]).sort(), [['10.42.0.10', true], ['10.42.0.11', false]]);
  assert.equal(slice.metadata.ownerReferences?.[0].kind, 'Service');
  // Deleting the service deletes its Endpoints.
  await api.client.delete(R.services, 'default', 'echo');
  await eventually('endpoints gone', async () => {
    try { await api.client.get(R.endpoints, 'default', 'echo'); return undefined; } catch { return true; }
  });
});
