// issue 14: a Service without a selector plus hand-written endpoints must not point cluster
// traffic (an Ingress, a NodePort) at the node's own 127.0.0.1 or a link-local metadata
// address. The real kubectl against a simulated-runtime server: the endpoint objects are
// refused with upstream's field paths and messages; the Ingress itself is fine, it just has no
// endpoint to send to.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { startTestApi } from '../../src/testing/test-api.js';
import { reconcileKubernetesEndpoints } from '../../src/apiserver/bootstrap.js';
import { systemContext } from '../../src/apiserver/context.js';
import { R } from '../../src/client/resources.js';
import type { EndpointSlice, Endpoints } from '../../src/api/types/index.js';

let c: TestCluster;
before(async () => {
  c = await startCluster({ datastore: 'memory', extraArgs: ['--runtime', 'simulated'] });
});
after(async () => {
  await c?.stop();
  c?.cleanup();
});

const SERVICE_AND_INGRESS = `apiVersion: v1
kind: Service
metadata: { name: apiserver-leak }
spec:
  ports: [{ name: http, port: 80, targetPort: 6443 }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: apiserver-leak }
spec:
  rules:
  - http:
      paths:
      - { path: /, pathType: Prefix, backend: { service: { name: apiserver-leak, port: { number: 80 } } } }
`;

const endpoints = (ip: string): string => `apiVersion: v1
kind: Endpoints
metadata: { name: apiserver-leak }
subsets:
- addresses: [{ ip: "${ip}" }]
  ports: [{ name: http, port: 6443, protocol: TCP }]
`;

const slice = (ip: string): string => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: apiserver-leak-1, labels: { kubernetes.io/service-name: apiserver-leak } }
addressType: IPv4
endpoints: [{ addresses: ["${ip}"] }]
ports: [{ name: http, port: 6443, protocol: TCP }]
`;

describe('endpoint addresses', () => {
  it('an Ingress to a selector-less Service cannot be given a loopback or link-local endpoint', { timeout: 60_000 }, async () => {
    await c.k(['apply', '-f', '-'], { input: SERVICE_AND_INGRESS });
    const ep = await c.kubectl(['apply', '-f', '-'], { input: endpoints('127.0.0.1') });
    assert.notEqual(ep.code, 0);
    assert.match(ep.stderr, /The Endpoints "apiserver-leak" is invalid: subsets\[0\]\.addresses\[0\]\.ip: Invalid value: "127\.0\.0\.1": may not be in the loopback range \(127\.0\.0\.0\/8, ::1\/128\)/);
    const es = await c.kubectl(['apply', '-f', '-'], { input: slice('169.254.169.254') });
    assert.notEqual(es.code, 0);
    assert.match(es.stderr, /EndpointSlice "apiserver-leak-1" is invalid: endpoints\[0\]\.addresses\[0\]: Invalid value: "169\.254\.169\.254": may not be in the link-local range \(169\.254\.0\.0\/16, fe80::\/10\)/);
    const es2 = await c.kubectl(['apply', '-f', '-'], { input: slice('127.0.0.1') });
    assert.match(es2.stderr, /may not be in the loopback range/);
    // Nothing was stored, and an update cannot smuggle the address in either.
    assert.match((await c.kubectl(['get', 'endpoints', 'apiserver-leak'])).stderr, /NotFound|not found/);
    assert.match((await c.kubectl(['get', 'endpointslices', 'apiserver-leak-1'])).stderr, /NotFound|not found/);
    await c.k(['apply', '-f', '-'], { input: endpoints('10.42.0.9') });
    const upd = await c.kubectl(['apply', '-f', '-'], { input: endpoints('::ffff:127.0.0.1') });
    assert.match(upd.stderr, /may not be in the loopback range/);
    const stored = JSON.parse(await c.k(['get', 'endpoints', 'apiserver-leak', '-o', 'json']));
    assert.deepEqual(stored.subsets[0].addresses.map((a: { ip: string }) => a.ip), ['10.42.0.9']);
  });

  it("the API server's own kubernetes Endpoints may advertise 127.0.0.1 (single-host cluster)", { timeout: 30_000 }, async () => {
    const api = await startTestApi();
    try {
      await reconcileKubernetesEndpoints(api.server.core, systemContext(), '127.0.0.1', 6443);
      const ep = await api.client.get<Endpoints>(R.endpoints, 'default', 'kubernetes');
      assert.equal(ep.subsets?.[0].addresses?.[0].ip, '127.0.0.1');
      const sl = await api.client.get<EndpointSlice>(R.endpointslices, 'default', 'kubernetes');
      assert.deepEqual(sl.endpoints[0].addresses, ['127.0.0.1']);
    } finally {
      await api.stop();
    }
  });
});
