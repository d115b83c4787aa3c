import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types/index.js';
import { tableFor } from './index.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const meta = { name: 'svc', namespace: 'default', creationTimestamp: '2024-04-30T12:00:00Z' };
const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KObject => ({ metadata: meta, spec, status });
const row = (o: KObject) => tableFor('', 'Service').row(o, NOW);

test('service columns', () => {
  assert.deepEqual(tableFor('', 'Service').columns.map((c) => c.name), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
});

test('ClusterIP and NodePort services', () => {
  assert.deepEqual(
    row(svc({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 443, protocol: 'TCP' }], selector: { app: 'server' } })),
    ['svc', 'ClusterIP', '10.96.0.10', '<none>', '443/TCP', '24h', 'app=server'],
  );
  assert.deepEqual(
    row(svc({ type: 'NodePort', clusterIPs: ['10.96.1.1'], ports: [{ port: 8080, nodePort: 30365, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] })).slice(1, 5),
    ['NodePort', '10.96.1.1', '<none>', '8080:30365/TCP,53/UDP'],
  );
  assert.equal(row(svc({ type: 'ClusterIP', clusterIPs: ['10.0.0.1'], externalIPs: ['1.2.3.4', '5.6.7.8'] }))[3], '1.2.3.4,5.6.7.8');
});

test('headless and port-less services', () => {
  const r = row(svc({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] }));
  assert.equal(r[2], 'None');
  assert.equal(r[4], '<none>');
  assert.equal(r[6], '<none>');
});

test('LoadBalancer external IPs', () => {
  assert.equal(row(svc({ type: 'LoadBalancer', ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] }, { loadBalancer: {} }))[3], '<pending>');
  assert.equal(
    row(svc({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '203.0.113.9' }, { hostname: 'lb.example.com' }, { ip: '203.0.113.9' }] } }))[3],
    '203.0.113.9,lb.example.com',
  );
  assert.equal(row(svc({ type: 'LoadBalancer', externalIPs: ['9.9.9.9'] }, { loadBalancer: { ingress: [{ ip: '1.1.1.1' }] } }))[3], '1.1.1.1,9.9.9.9');
});

test('ExternalName services show the external name', () => {
  const r = row(svc({ type: 'ExternalName', externalName: 'db.example.com' }));
  assert.deepEqual(r.slice(1, 5), ['ExternalName', '<none>', 'db.example.com', '<none>']);
});

test('endpoints list three addresses then a count', () => {
  const ep: KObject = {
    metadata: { name: 'web' },
    subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }, { ip: 'fd00::5' }], ports: [{ port: 80 }] }],
  };
  assert.equal(tableFor('', 'Endpoints').row(ep, NOW)[1], '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...');
  assert.equal(tableFor('', 'Endpoints').row({ metadata: { name: 'e' } }, NOW)[1], '<none>');
  const v6: KObject = { metadata: { name: 'v6' }, subsets: [{ addresses: [{ ip: 'fd00::5' }], ports: [{ port: 80 }] }] };
  assert.equal(tableFor('', 'Endpoints').row(v6, NOW)[1], '[fd00::5]:80');
  const headless: KObject = { metadata: { name: 'h' }, subsets: [{ addresses: [{ ip: '10.0.0.9' }] }] };
  assert.equal(tableFor('', 'Endpoints').row(headless, NOW)[1], '10.0.0.9');
});

test('endpoint slices', () => {
  const es: KObject = {
    metadata: { name: 'web-abc' }, addressType: 'IPv4',
    ports: [{ port: 80, name: 'http' }, { name: 'metrics' }, {}],
    endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }],
  };
  assert.deepEqual(tableFor('discovery.k8s.io', 'EndpointSlice').row(es, NOW).slice(0, 4), ['web-abc', 'IPv4', '80,metrics,*', '10.0.0.1,10.0.0.2']);
  assert.deepEqual(tableFor('discovery.k8s.io', 'EndpointSlice').row({ metadata: { name: 'e' } }, NOW).slice(2, 4), ['<unset>', '<unset>']);
});

test('ingress', () => {
  const ing: KObject = {
    metadata: { name: 'web' },
    spec: { ingressClassName: 'nginx', rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }], tls: [{ hosts: ['a.example.com'] }] },
    status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } },
  };
  assert.deepEqual(tableFor('networking.k8s.io', 'Ingress').row(ing, NOW).slice(0, 5), ['web', 'nginx', 'a.example.com,b.example.com', '192.0.2.1', '80, 443']);
  assert.deepEqual(tableFor('networking.k8s.io', 'Ingress').row({ metadata: { name: 'x' }, spec: { rules: [{}] } }, NOW).slice(1, 5), ['<none>', '*', '', '80']);
});

test('ingress class parameters and network policy selector', () => {
  const ic: KObject = { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'p' } } };
  assert.deepEqual(tableFor('networking.k8s.io', 'IngressClass').row(ic, NOW).slice(0, 3), ['nginx', 'k8s.io/ingress-nginx', 'IngressParameters.k8s.example.com/p']);
  const np: KObject = { metadata: { name: 'deny' }, spec: { podSelector: { matchLabels: { role: 'db' } } } };
  assert.equal(tableFor('networking.k8s.io', 'NetworkPolicy').row(np, NOW)[1], 'role=db');
  assert.equal(tableFor('networking.k8s.io', 'NetworkPolicy').row({ metadata: { name: 'all' }, spec: { podSelector: {} } }, NOW)[1], '<none>');
});
