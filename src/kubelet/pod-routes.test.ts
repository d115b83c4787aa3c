// podRoutes reads other nodes' spec.podCIDR. A malformed one used to throw out of podRoutes
// (the CIDR helper threw on a bad address), losing the routes to every other node; it is now
// skipped like a node without a pod CIDR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podRoutes } from './agent.js';

const node = (name: string, podCIDR: string | undefined, ip: string) => ({
  metadata: { name },
  spec: podCIDR === undefined ? {} : { podCIDR },
  status: { addresses: [{ type: 'InternalIP', address: ip }] },
});

test('podRoutes: routes to the other nodes inside the cluster CIDR; a malformed podCIDR is skipped', { timeout: 5000 }, () => {
  const nodes = [
    node('self', '10.42.0.0/24', '192.168.1.1'),
    node('b', '10.42.2.0/24', '192.168.1.3'),
    node('a', '10.42.1.0/24', '192.168.1.2'),
    node('bad', 'junk', '192.168.1.4'),
    node('outside', '10.99.0.0/24', '192.168.1.5'),
    node('none', undefined, '192.168.1.6'),
  ];
  assert.deepEqual(podRoutes(nodes, 'self', '10.42.0.0/16'), [
    { cidr: '10.42.1.0/24', via: '192.168.1.2' },
    { cidr: '10.42.2.0/24', via: '192.168.1.3' },
  ]);
});
