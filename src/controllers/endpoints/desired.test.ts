import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSubset, KObject } from '../../api/types/index.js';
import { desiredEndpoints, desiredSubsets, truncateSubsets } from './desired.js';
import { findPort, shouldPodBeInEndpoints } from './pod-endpoints.js';

function svc(spec: Record<string, unknown>, labels?: Record<string, string>): KObject {
  return { metadata: { name: 'web', namespace: 'ns', labels, creationTimestamp: '2024-01-01T00:00:00Z' }, spec: { clusterIP: '10.43.0.5', ...spec } };
}

function pod(name: string, ip: string | undefined, opts: { ready?: boolean; ports?: { name: string; containerPort: number }[]; deleting?: boolean; phase?: string; hostname?: string; subdomain?: string } = {}): KObject {
  return Object.freeze({
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:01:00Z' } : {}) },
    spec: { nodeName: 'n1', hostname: opts.hostname, subdomain: opts.subdomain, containers: [{ name: 'c', ports: opts.ports ?? [] }] },
    status: { phase: opts.phase ?? 'Running', podIP: ip, conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: '2024-01-01T00:00:30Z' }] },
  }) as KObject;
}

test('ready and not-ready pods land in addresses and notReadyAddresses', () => {
  const s = svc({ selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
  const { subsets } = desiredSubsets(s, [pod('a', '10.42.0.2'), pod('b', '10.42.0.1', { ready: false }), pod('c', undefined)]);
  assert.deepEqual(subsets, [{
    addresses: [{ ip: '10.42.0.2', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } }],
    notReadyAddresses: [{ ip: '10.42.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'b', uid: 'uid-b' } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  }]);
});

test('named target ports resolve per pod; pods lacking the name get a smaller subset', () => {
  const s = svc({ selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }, { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' }] });
  const a = pod('a', '10.42.0.1', { ports: [{ name: 'web', containerPort: 8080 }] });
  const b = pod('b', '10.42.0.2', { ports: [{ name: 'web', containerPort: 8081 }] });
  const c = pod('c', '10.42.0.3');
  const { subsets } = desiredSubsets(s, [c, b, a]);
  const summary = subsets.map((x: EndpointSubset) => ({ ips: (x.addresses ?? []).map((y) => y.ip), ports: (x.ports ?? []).map((p) => `${p.name}:${p.port}`) }));
  assert.deepEqual(summary, [
    { ips: ['10.42.0.1'], ports: ['http:8080', 'metrics:9090'] },
    { ips: ['10.42.0.2'], ports: ['http:8081', 'metrics:9090'] },
    { ips: ['10.42.0.3'], ports: ['metrics:9090'] },
  ]);
  assert.equal(findPort(c, { port: 80, targetPort: 'web' }), undefined);
  assert.equal(findPort(c, { port: 80 }), 80);
});

test('identical port sets share one subset', () => {
  const s = svc({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] });
  const { subsets } = desiredSubsets(s, [pod('b', '10.42.0.2'), pod('a', '10.42.0.1')]);
  assert.equal(subsets.length, 1);
  assert.deepEqual(subsets[0].addresses?.map((a) => a.ip), ['10.42.0.1', '10.42.0.2']);
  assert.deepEqual(subsets[0].ports, [{ port: 80, protocol: 'TCP' }]);
});

test('terminating and terminal pods are skipped unless publishNotReadyAddresses', () => {
  const ports = [{ port: 80, protocol: 'TCP' }];
  const pods = [pod('a', '10.42.0.1', { deleting: true }), pod('b', '10.42.0.2', { phase: 'Succeeded' }), pod('c', '10.42.0.3', { ready: false })];
  assert.deepEqual(desiredSubsets(svc({ selector: {}, ports }), pods).subsets.map((s) => [s.addresses?.length, s.notReadyAddresses?.length]), [[undefined, 1]]);
  const pub = desiredSubsets(svc({ selector: {}, ports, publishNotReadyAddresses: true }), pods).subsets;
  assert.deepEqual(pub[0].addresses?.map((a) => a.ip), ['10.42.0.1', '10.42.0.3']);
  assert.equal(shouldPodBeInEndpoints(pods[1], true), false);
});

test('headless service: hostname when subdomain matches, no ports, headless label', () => {
  const s = svc({ selector: { app: 'web' }, clusterIP: 'None' }, { tier: 'x' });
  const ep = desiredEndpoints(s, [pod('web-0', '10.42.0.9', { hostname: 'web-0', subdomain: 'web' }), pod('x', '10.42.0.8', { hostname: 'x', subdomain: 'other' })], undefined)!;
  assert.deepEqual(ep.metadata.labels, { tier: 'x', 'service.kubernetes.io/headless': '' });
  assert.equal(ep.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'], '2024-01-01T00:00:30Z');
  const subsets = ep.subsets as EndpointSubset[];
  assert.equal(subsets.length, 1);
  assert.deepEqual(subsets[0].addresses?.map((a) => a.hostname), [undefined, 'web-0']);
  assert.equal(subsets[0].ports, undefined);
});

test('no write when the current Endpoints already matches', () => {
  const s = svc({ selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] });
  const pods = [pod('a', '10.42.0.1')];
  const first = desiredEndpoints(s, pods, undefined)!;
  const current = { ...first, metadata: { ...first.metadata, resourceVersion: '5' } };
  assert.equal(desiredEndpoints(s, pods, current), undefined);
  const changed = desiredEndpoints(s, [...pods, pod('b', '10.42.0.2')], current)!;
  assert.equal(changed.metadata.resourceVersion, '5');
});

test('over capacity keeps ready addresses first and says truncated', () => {
  const addrs = (n: number, p: string) => Array.from({ length: n }, (_, i) => ({ ip: `${p}.${i}` }));
  const r = truncateSubsets([{ notReadyAddresses: addrs(5, 'b') }, { addresses: addrs(8, 'a') }], 10);
  assert.equal(r.truncated, true);
  assert.deepEqual(r.subsets.map((s) => [s.addresses?.length, s.notReadyAddresses?.length]), [[undefined, 2], [8, undefined]]);
});
