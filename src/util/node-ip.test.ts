import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { defaultNodeIP } from './node-ip.js';

const v4 = (address: string, internal = false): NetworkInterfaceInfo =>
  ({ address, family: 'IPv4', internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: `${address}/24` });
const v6 = (address: string): NetworkInterfaceInfo =>
  ({ address, family: 'IPv6', internal: false, netmask: 'ffff:ffff:ffff:ffff::', mac: '00:00:00:00:00:00', cidr: `${address}/64`, scopeid: 0 });

test('defaultNodeIP: first external IPv4, skipping loopback and pod-network links', { timeout: 5000 }, () => {
  assert.equal(defaultNodeIP({
    lo: [v4('127.0.0.1', true)],
    k8ts0: [v4('10.42.0.1')],
    cni0: [v4('10.42.1.1')],
    'veth1234': [v4('169.254.1.1')],
    'flannel.1': [v4('10.42.2.0')],
    'cali12': [v4('10.42.3.1')],
    'vxlan.calico': [v4('10.42.4.1')],
    docker0: [v4('172.17.0.1')],
    eth0: [v6('fd00::5'), v4('192.168.1.20')],
    eth1: [v4('192.168.2.20')],
  }), '192.168.1.20');
  assert.equal(defaultNodeIP({ lo: [v4('127.0.0.1', true)], eth0: [v6('fd00::5')] }), '127.0.0.1');
  assert.equal(defaultNodeIP({}), '127.0.0.1');
});
