import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  compileRules, renderFullRules, renderProxyRules, servicePortId, usableEndpoints, type ProxyEndpoint, type ProxyServicePort, type ProxyState,
} from './rules.js';
import { buildServicePorts } from './state.js';
import type { EndpointSlice, KObject } from '../api/types/index.js';

const canCheck = process.getuid?.() === 0 && spawnSync('nft', ['--version']).status === 0;

function ep(ip: string, o: Partial<ProxyEndpoint> = {}): ProxyEndpoint {
  return { ip, port: 8080, local: true, ready: true, serving: true, terminating: false, ...o };
}
function svc(o: Partial<ProxyServicePort> = {}): ProxyServicePort {
  return {
    namespace: 'default', name: 'web', portName: 'http', protocol: 'tcp', port: 80, clusterIP: '10.43.0.10',
    externalIPs: [], externalTrafficLocal: false, internalTrafficLocal: false, endpoints: [ep('10.42.0.5')], ...o,
  };
}
function render(...services: ProxyServicePort[]): string {
  const st: ProxyState = { tableName: 'k8tst-svc', clusterCIDR: '10.42.0.0/16', nodeIPs: ['192.0.2.2'], services };
  return check(renderProxyRules(st));
}
function check(rules: string): string {
  if (canCheck) {
    const r = spawnSync('nft', ['-c', '-f', '-'], { input: rules });
    assert.equal(r.status, 0, `nft -c rejected the rules: ${r.stderr}\n${rules}`);
  }
  return rules;
}
const id = servicePortId(svc());

test('empty state: just the table skeleton, replaced atomically', () => {
  const r = render();
  assert.match(r, /^table ip k8tst-svc\ndelete table ip k8tst-svc\ntable ip k8tst-svc \{/);
  assert.match(r, /type nat hook prerouting priority dstnat/);
  assert.match(r, /ct mark & 0x00004000 == 0x00004000 masquerade/);
  assert.doesNotMatch(r, /elements/);
});

test('ClusterIP with one endpoint: map entry, masquerade from outside the cluster, hairpin, dnat', () => {
  const r = render(svc());
  assert.ok(r.includes(`10.43.0.10 . tcp . 80 : goto clusterip-${id}`));
  assert.ok(r.includes(`chain clusterip-${id} {\n    ip saddr != 10.42.0.0/16 ct mark set ct mark | 0x00004000\n    goto svc-${id}`));
  assert.ok(r.includes(`chain svc-${id} {\n    goto endpoint-${id}__10.42.0.5/8080`));
  assert.ok(r.includes(`ip saddr 10.42.0.5 ct mark set ct mark | 0x00004000\n    meta l4proto tcp dnat to 10.42.0.5:8080`));
  assert.doesNotMatch(r, /numgen/);
  assert.doesNotMatch(r, /reject-chain\n/);
});

test('multiple endpoints: random load balancing over ready ones only', () => {
  const r = render(svc({ endpoints: [ep('10.42.0.5'), ep('10.42.0.6'), ep('10.42.0.7', { ready: false, serving: false })] }));
  assert.ok(r.includes(`numgen random mod 2 vmap { 0 : goto endpoint-${id}__10.42.0.5/8080, 1 : goto endpoint-${id}__10.42.0.6/8080 }`));
  assert.doesNotMatch(r, /10\.42\.0\.7/);
});

test('terminating serving endpoints are used only when nothing is ready', () => {
  const term = ep('10.42.0.8', { ready: false, serving: true, terminating: true });
  assert.deepEqual(usableEndpoints([ep('10.42.0.5'), term]).map((e) => e.ip), ['10.42.0.5']);
  assert.deepEqual(usableEndpoints([term, ep('10.42.0.9', { ready: false, serving: false })]).map((e) => e.ip), ['10.42.0.8']);
  assert.ok(render(svc({ endpoints: [term] })).includes('dnat to 10.42.0.8:8080'));
});

test('no endpoints: reject (tcp reset / icmp) in the filter hooks, no nat entry', () => {
  const r = render(svc({ endpoints: [], nodePort: 30080 }));
  assert.ok(r.includes('10.43.0.10 . tcp . 80 : goto reject-chain'));
  assert.ok(r.includes('tcp . 30080 : goto reject-chain'));
  assert.ok(r.includes('meta l4proto tcp reject with tcp reset'));
  assert.doesNotMatch(r, /clusterip-/);
  assert.doesNotMatch(r, /dnat/);
});

test('NodePort on every local address (fib daddr type local), masqueraded', () => {
  const r = render(svc({ nodePort: 30080 }));
  assert.ok(r.includes('fib daddr type local meta l4proto . th dport vmap @service-nodeports'));
  assert.ok(r.includes(`tcp . 30080 : goto external-${id}`));
  assert.ok(r.includes(`chain external-${id} {\n    ct mark set ct mark | 0x00004000\n    goto svc-${id}`));
});

test('externalTrafficPolicy Local: node-local endpoints, client IP kept, local origin short-circuited', () => {
  const r = render(svc({ nodePort: 30080, externalTrafficLocal: true, endpoints: [ep('10.42.0.5'), ep('10.42.1.5', { local: false })] }));
  assert.ok(r.includes(`chain external-${id} {\n    fib saddr type local ct mark set ct mark | 0x00004000 goto svc-${id}\n    goto local-${id}\n  }`));
  assert.ok(r.includes(`chain local-${id} {\n    goto endpoint-${id}__10.42.0.5/8080\n  }`));
  assert.ok(r.includes(`numgen random mod 2`)); // the cluster chain still has both
  const none = render(svc({ nodePort: 30080, externalTrafficLocal: true, endpoints: [ep('10.42.1.5', { local: false })] }));
  assert.ok(none.includes(`chain local-${id} {\n    drop\n  }`));
});

test('internalTrafficPolicy Local: ClusterIP goes to node-local endpoints only', () => {
  const r = render(svc({ internalTrafficLocal: true, endpoints: [ep('10.42.0.5'), ep('10.42.1.5', { local: false })] }));
  assert.ok(r.includes(`goto local-${id}`));
  assert.ok(r.includes(`chain local-${id} {\n    goto endpoint-${id}__10.42.0.5/8080\n  }`));
  assert.doesNotMatch(r, /10\.42\.1\.5/);
});

test('sessionAffinity ClientIP: per-endpoint dynamic sets with the timeout', () => {
  const r = render(svc({ affinityTimeoutSeconds: 60, endpoints: [ep('10.42.0.5'), ep('10.42.0.6')] }));
  assert.ok(r.includes(`set affinity-${id}__10.42.0.5/8080 {\n    type ipv4_addr; flags dynamic,timeout; timeout 60s;`));
  assert.ok(r.includes(`ip saddr @affinity-${id}__10.42.0.6/8080 goto endpoint-${id}__10.42.0.6/8080`));
  assert.ok(r.includes(`update @affinity-${id}__10.42.0.5/8080 { ip saddr }`));
});

test('UDP and external / LoadBalancer IPs', () => {
  const u = svc({ portName: 'dns', protocol: 'udp', port: 53, endpoints: [ep('10.42.0.5', { port: 5353 })], externalIPs: ['192.0.2.50'] });
  const uid = servicePortId(u);
  const r = render(u);
  assert.ok(r.includes(`10.43.0.10 . udp . 53 : goto clusterip-${uid}`));
  assert.ok(r.includes(`192.0.2.50 . udp . 53 : goto external-${uid}`));
  assert.ok(r.includes('meta l4proto udp dnat to 10.42.0.5:5353'));
});

test('hostile or invalid data never reaches the ruleset', () => {
  const r = render(svc({ name: 'x; flush ruleset', clusterIP: '10.43.0.10; drop', endpoints: [ep('1.2.3.4 ; drop'), ep('10.42.0.5', { port: 70000 })] }));
  assert.doesNotMatch(r, /flush ruleset|; drop|70000/);
});

test('full rebuild carries live affinity entries over (remaining time, capped at the timeout)', () => {
  const st: ProxyState = {
    tableName: 'k8tst-svc', clusterCIDR: '10.42.0.0/16', nodeIPs: [],
    services: [svc({ affinityTimeoutSeconds: 60, endpoints: [ep('10.42.0.5'), ep('10.42.0.6')] })],
  };
  const keep = new Map([
    [`affinity-${id}__10.42.0.5/8080`, [{ ip: '192.0.2.7', expiresSeconds: 42 }, { ip: '192.0.2.8', expiresSeconds: 500 }, { ip: '1.2.3.4 } ; flush ruleset', expiresSeconds: 5 }]],
    [`affinity-${id}__10.42.0.99/8080`, [{ ip: '192.0.2.9', expiresSeconds: 5 }]], // endpoint gone: dropped
  ]);
  const r = check(renderFullRules(compileRules(st), keep));
  assert.ok(r.includes(`set affinity-${id}__10.42.0.5/8080 {\n    type ipv4_addr; flags dynamic,timeout; timeout 60s; elements = { 192.0.2.7 expires 42s, 192.0.2.8 expires 60s }\n  }`));
  assert.ok(r.includes(`set affinity-${id}__10.42.0.6/8080 {\n    type ipv4_addr; flags dynamic,timeout; timeout 60s;\n  }`));
  assert.doesNotMatch(r, /192\.0\.2\.9|flush ruleset/);
  assert.equal(renderFullRules(compileRules(st)), renderProxyRules(st), 'without entries: the plain rendering');
});

test('two services claiming the same IP and port: the first by id gets it, the table stays valid', () => {
  const a = svc({ name: 'a', clusterIP: '10.43.0.1', externalIPs: ['192.0.2.50'] });
  const b = svc({ name: 'b', clusterIP: '10.43.0.2', externalIPs: ['192.0.2.50'] });
  const first = servicePortId(a) < servicePortId(b) ? a : b;
  const r = render(a, b);
  assert.equal(r.match(/192\.0\.2\.50 \. tcp \. 80 :/g)?.length, 1);
  assert.ok(r.includes(`192.0.2.50 . tcp . 80 : goto external-${servicePortId(first)}`));
});

function obj<T extends KObject = KObject>(o: Record<string, unknown>): T {
  return o as T;
}

test('buildServicePorts: slices, named ports, publishNotReadyAddresses, ExternalName, headless, LB ingress', () => {
  const services = [
    obj({ metadata: { namespace: 'ns', name: 'a' }, spec: { type: 'LoadBalancer', clusterIP: '10.43.0.1', publishNotReadyAddresses: true, externalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP', ports: [{ name: 'web', port: 80, targetPort: 'http', nodePort: 31000 }] }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.9' }] } } }),
    obj({ metadata: { namespace: 'ns', name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } }),
    obj({ metadata: { namespace: 'ns', name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } }),
  ];
  const slices = [
    obj<EndpointSlice>({
      metadata: { namespace: 'ns', name: 'a-1', labels: { 'kubernetes.io/service-name': 'a' } }, addressType: 'IPv4',
      ports: [{ name: 'web', protocol: 'TCP', port: 8080 }],
      endpoints: [
        { addresses: ['10.42.0.5'], nodeName: 'n1', conditions: { ready: true, serving: true, terminating: false } },
        { addresses: ['10.42.0.6'], nodeName: 'n2', conditions: { ready: false, serving: true, terminating: false } },
      ],
    }),
  ];
  const ports = buildServicePorts(services, slices, 'n1');
  assert.equal(ports.length, 1);
  const p = ports[0];
  assert.equal(p.nodePort, 31000);
  assert.deepEqual(p.externalIPs, ['192.0.2.9']);
  assert.equal(p.externalTrafficLocal, true);
  assert.equal(p.affinityTimeoutSeconds, 10800);
  assert.deepEqual(p.endpoints.map((e) => [e.ip, e.port, e.local, e.ready]), [['10.42.0.5', 8080, true, true], ['10.42.0.6', 8080, false, true]]);
  render(...ports);
});

test('1,000 services x 10 endpoints render quickly', () => {
  const many: ProxyServicePort[] = [];
  for (let i = 0; i < 1000; i++) {
    const eps = Array.from({ length: 10 }, (_, j) => ep(`10.42.${Math.floor((i * 10 + j) / 250)}.${((i * 10 + j) % 250) + 1}`));
    many.push(svc({ name: `s${i}`, clusterIP: `10.43.${Math.floor(i / 250)}.${(i % 250) + 1}`, nodePort: 30000 + i, endpoints: eps }));
  }
  const t0 = performance.now();
  const r = renderProxyRules({ tableName: 'k8tst-svc', clusterCIDR: '10.42.0.0/16', nodeIPs: [], services: many });
  assert.ok(performance.now() - t0 < 2000);
  assert.equal(r.match(/dnat to/g)?.length, 10_000);
});
