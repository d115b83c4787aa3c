// nodes/NAME/proxy/PATH: the API server forwards a plain GET to the node's kubelet with its
// kubelet-client certificate (as upstream, what metrics-server and the dashboard's node stats use);
// the user needs `get nodes/proxy`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStreamingHarness, NODE_NAME, type StreamingHarness } from './testing/harness.js';
import { nodeProxyPath } from './kubelet-proxy.js';

let h: StreamingHarness;
before(async () => {
  h = await startStreamingHarness();
});
after(async () => {
  await h?.stop();
});

test('node proxy paths: the rest of the path and the query, minus insecureSkipTLSVerifyBackend', () => {
  assert.equal(nodeProxyPath(['metrics', 'resource'], new URL('https://x/?insecureSkipTLSVerifyBackend=true')), '/metrics/resource');
  assert.equal(nodeProxyPath(['stats', 'summary'], new URL('https://x/?only_cpu_and_memory=true')), '/stats/summary?only_cpu_and_memory=true');
});

test('GET nodes/N/proxy/PATH reaches the kubelet', { timeout: 30_000 }, async () => {
  const health = await h.client.request('GET', `/api/v1/nodes/${NODE_NAME}/proxy/healthz`);
  assert.equal(health.status, 200);
  assert.equal(health.body.toString(), 'ok');
  // The kubelet's own metrics: it accepted the API server's client certificate.
  const metrics = await h.client.request('GET', `/api/v1/nodes/${NODE_NAME}/proxy/metrics`);
  assert.equal(metrics.status, 200, metrics.body.toString());
  assert.match(metrics.body.toString(), /^# HELP /m);
  const missing = await h.client.request('GET', '/api/v1/nodes/no-such-node/proxy/healthz');
  assert.equal(missing.status, 404);
});
