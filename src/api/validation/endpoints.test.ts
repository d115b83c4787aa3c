import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types/index.js';
import type { FieldError } from '../status.js';
import { validateObject } from './index.js';
import { specialIPMessages } from '../special-ip.js';

const msgs = (errs: FieldError[]): string[] => errs.map((e) => `${e.field}: ${e.message}`);
const LOOP = 'may not be in the loopback range (127.0.0.0/8, ::1/128)';
const LL = 'may not be in the link-local range (169.254.0.0/16, fe80::/10)';
const LLM = 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)';

test('specialIPMessages classifies as Go net.IP does', () => {
  for (const ip of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) assert.deepEqual(specialIPMessages(ip), [LOOP], ip);
  for (const ip of ['169.254.169.254', 'fe80::1', 'febf::ffff', '::ffff:169.254.0.1']) assert.deepEqual(specialIPMessages(ip), [LL], ip);
  for (const ip of ['224.0.0.251', 'ff02::1', 'ff12::2']) assert.deepEqual(specialIPMessages(ip), [LLM], ip);
  assert.deepEqual(specialIPMessages('0.0.0.0'), ['may not be unspecified (0.0.0.0)']);
  assert.deepEqual(specialIPMessages('::'), ['may not be unspecified (::)']);
  for (const ip of ['10.42.0.7', '128.0.0.1', '126.255.255.255', '169.253.1.1', '224.0.1.1', 'fec0::1', 'fd00::1', 'ff05::2', '::2', '::ffff:10.0.0.1', '2001:db8::127.0.0.1', 'x', '']) {
    assert.deepEqual(specialIPMessages(ip), [], ip);
  }
});

test('Endpoints: special addresses refused with upstream field paths and messages', () => {
  const ep = {
    metadata: { name: 'e', namespace: 'd' },
    subsets: [
      { addresses: [{ ip: '10.0.0.1' }, { ip: '127.0.0.1' }], notReadyAddresses: [{ ip: '169.254.169.254' }], ports: [{ port: 6443, protocol: 'TCP' }] },
      { addresses: [{ ip: 'nope' }, { ip: '0.0.0.0' }], ports: [{ name: 'a', port: 1, protocol: 'TCP' }, { port: 70000, protocol: 'ICMP' }] },
      { ports: [{ port: 80, protocol: 'TCP' }] },
    ],
  };
  assert.deepEqual(msgs(validateObject('', 'Endpoints', ep as KObject)), [
    `subsets[0].addresses[1].ip: Invalid value: "127.0.0.1": ${LOOP}`,
    `subsets[0].notReadyAddresses[0].ip: Invalid value: "169.254.169.254": ${LL}`,
    'subsets[1].addresses[0].ip: Invalid value: "nope": must be a valid IP address',
    'subsets[1].addresses[1].ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
    'subsets[1].ports[1].name: Required value',
    'subsets[1].ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'subsets[1].ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    'subsets[2]: Required value: must specify `addresses` or `notReadyAddresses`',
  ]);
  const ok = { metadata: { name: 'e', namespace: 'd' }, subsets: [{ addresses: [{ ip: '10.42.0.9', nodeName: 'n1' }], ports: [{ port: 80, protocol: 'TCP' }] }] };
  assert.deepEqual(msgs(validateObject('', 'Endpoints', ok as KObject)), []);
  // The API server's own writes (its advertised address) may be loopback.
  assert.deepEqual(msgs(validateObject('', 'Endpoints', ep as KObject, { allowSpecialEndpointIPs: true })).filter((m) => m.includes('range')), []);
});

test('EndpointSlice: special addresses refused, per address', () => {
  const es = (addressType: string, addresses: string[]): KObject => ({
    metadata: { name: 's', namespace: 'd' }, addressType, endpoints: [{ addresses: [addressType === 'IPv6' ? 'fd00::1' : '10.0.0.1'] }, { addresses }], ports: [],
  }) as unknown as KObject;
  assert.deepEqual(msgs(validateObject('discovery.k8s.io', 'EndpointSlice', es('IPv4', ['127.0.0.1']))), [`endpoints[1].addresses[0]: Invalid value: "127.0.0.1": ${LOOP}`]);
  assert.deepEqual(msgs(validateObject('discovery.k8s.io', 'EndpointSlice', es('IPv4', ['224.0.0.1']))), [`endpoints[1].addresses[0]: Invalid value: "224.0.0.1": ${LLM}`]);
  assert.deepEqual(msgs(validateObject('discovery.k8s.io', 'EndpointSlice', es('IPv6', ['fe80::1']))), [`endpoints[1].addresses[0]: Invalid value: "fe80::1": ${LL}`]);
  // An invalid IPv4 gets the format message only; FQDN slices are not IPs at all.
  assert.deepEqual(msgs(validateObject('discovery.k8s.io', 'EndpointSlice', es('IPv4', ['::1']))), ['endpoints[1].addresses[0]: Invalid value: "::1": must be a valid IPv4 address']);
  assert.deepEqual(msgs(validateObject('discovery.k8s.io', 'EndpointSlice', es('FQDN', ['localhost']))), []);
});

test('Service externalIPs: the same addresses are refused (they would capture the node\'s own traffic)', () => {
  const svc = {
    metadata: { name: 's', namespace: 'd' },
    spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], externalIPs: ['192.0.2.10', '127.0.0.1', '169.254.169.254'] },
  };
  assert.deepEqual(msgs(validateObject('', 'Service', svc as unknown as KObject)).filter((m) => m.startsWith('spec.externalIPs')), [
    `spec.externalIPs[1]: Invalid value: "127.0.0.1": ${LOOP}`,
    `spec.externalIPs[2]: Invalid value: "169.254.169.254": ${LL}`,
  ]);
});
