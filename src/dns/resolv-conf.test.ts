import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podResolvConf, upstreamsFromResolvConf } from './resolv-conf.js';

const host = '# host\nnameserver 192.168.1.1\nnameserver 127.0.0.53\nsearch lan example.org.\noptions edns0 ndots:2\n';

test('ClusterFirst: cluster searches, cluster DNS, ndots:5', () => {
  assert.equal(podResolvConf('ClusterFirst', 'default', '10.43.0.10', host),
    'search default.svc.cluster.local svc.cluster.local cluster.local lan example.org\nnameserver 10.43.0.10\noptions ndots:5\n');
});

test('Default and ClusterFirst on the host network use the host file', () => {
  const expected = 'search lan example.org\nnameserver 192.168.1.1\nnameserver 127.0.0.53\noptions edns0 ndots:2\n';
  assert.equal(podResolvConf('Default', 'default', '10.43.0.10', host), expected);
  assert.equal(podResolvConf('ClusterFirst', 'default', '10.43.0.10', host, undefined, { hostNetwork: true }), expected);
  assert.match(podResolvConf('ClusterFirstWithHostNet', 'ns1', '10.43.0.10', host, undefined, { hostNetwork: true }), /^search ns1\.svc\.cluster\.local .*\nnameserver 10\.43\.0\.10\n/);
});

test('None and dnsConfig merging', () => {
  assert.equal(podResolvConf('None', 'default', '10.43.0.10', host, { nameservers: ['1.1.1.1'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] }),
    'search a.b\nnameserver 1.1.1.1\noptions ndots:2 edns0\n');
  assert.equal(podResolvConf('ClusterFirst', 'x', '10.43.0.10', '', { nameservers: ['10.43.0.10', '8.8.8.8'], options: [{ name: 'ndots', value: '1' }] }),
    'search x.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.43.0.10\nnameserver 8.8.8.8\noptions ndots:1\n');
});

test('upstreams skip loopback resolvers', () => {
  assert.deepEqual(upstreamsFromResolvConf(host), ['192.168.1.1']);
  assert.deepEqual(upstreamsFromResolvConf('nameserver 127.0.0.53\n'), []);
});
