// Defence in depth behind API validation: the proxy never DNATs to loopback, link-local or
// unspecified endpoints, except the node's own address (a single-host cluster on 127.0.0.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderProxyRules, withoutSpecialEndpoints, type ProxyEndpoint, type ProxyServicePort } from './rules.js';

const ep = (ip: string): ProxyEndpoint => ({ ip, port: 6443, local: true, ready: true, serving: true, terminating: false });
const svc = (ips: string[]): ProxyServicePort => ({
  namespace: 'default', name: 'leak', portName: 'http', protocol: 'tcp', port: 80, clusterIP: '10.43.0.50',
  externalIPs: [], externalTrafficLocal: false, internalTrafficLocal: false, endpoints: ips.map(ep),
});

test('special endpoint addresses are dropped before rules are compiled; the node\'s own are kept', () => {
  const out = withoutSpecialEndpoints([svc(['127.0.0.1', '169.254.169.254', '0.0.0.0', '224.0.0.1', '10.42.0.9'])], ['192.0.2.2']);
  assert.deepEqual(out[0].endpoints.map((e) => e.ip), ['10.42.0.9']);
  const own = withoutSpecialEndpoints([svc(['127.0.0.1'])], ['127.0.0.1']);
  assert.deepEqual(own[0].endpoints.map((e) => e.ip), ['127.0.0.1']);
  const clean = [svc(['10.42.0.9'])];
  assert.equal(withoutSpecialEndpoints(clean, [])[0], clean[0], 'untouched ports are the same object (rules reused)');
  // Only loopback endpoints: the service has none, so it rejects instead of reaching 127.0.0.1.
  const rules = renderProxyRules({ tableName: 'k8tst-svc', clusterCIDR: '10.42.0.0/16', nodeIPs: ['192.0.2.2'], services: withoutSpecialEndpoints([svc(['127.0.0.1'])], ['192.0.2.2']) });
  assert.ok(rules.includes('10.43.0.50 . tcp . 80 : goto reject-chain'));
  assert.ok(!rules.includes('dnat to 127.0.0.1'));
});
