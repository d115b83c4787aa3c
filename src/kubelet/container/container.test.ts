import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expand } from './expansion.js';
import { containerArgv } from './command.js';
import { managedHostsFile } from './dns.js';
import { serviceEnv } from './env.js';
import { linuxResources } from './resources.js';
import type { PodSpec, ServicePort } from '../../api/types/index.js';

test('expand: $(VAR), $$ escapes, unknown kept', () => {
  const m = (n: string) => ({ A: 'x', B: 'y' } as Record<string, string>)[n];
  assert.equal(expand('$(A)-$(B)', m), 'x-y');
  assert.equal(expand('$$(A)', m), '$(A)');
  assert.equal(expand('$(C) $A $', m), '$(C) $A $');
  assert.equal(expand('$(A', m), '$(A');
});

test('containerArgv: command replaces Entrypoint and drops Cmd; args replace only Cmd', () => {
  const img = { Entrypoint: ['/ep'], Cmd: ['default'] };
  const none = () => undefined;
  assert.deepEqual(containerArgv({ name: 'c' }, img, none), ['/ep', 'default']);
  assert.deepEqual(containerArgv({ name: 'c', args: ['a'] }, img, none), ['/ep', 'a']);
  assert.deepEqual(containerArgv({ name: 'c', command: ['/x'] }, img, none), ['/x']);
  assert.deepEqual(containerArgv({ name: 'c', command: ['/x'], args: ['b'] }, img, none), ['/x', 'b']);
});

test('managedHostsFile: pod IP line and host aliases', () => {
  const f = managedHostsFile(['10.42.0.5'], 'web-0', 'web-0.web.default.svc.cluster.local', [{ ip: '1.2.3.4', hostnames: ['foo', 'bar'] }]);
  assert.match(f, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
  assert.match(f, /\n10\.42\.0\.5\tweb-0\.web\.default\.svc\.cluster\.local\tweb-0\n/);
  assert.match(f, /\n# Entries added by HostAliases\.\n1\.2\.3\.4\tfoo\tbar\n$/);
});

test('serviceEnv: docker-link variables; kubernetes always, others only with service links', () => {
  const svc = (ns: string, name: string, ports: ServicePort[]) => ({ metadata: { namespace: ns, name }, spec: { clusterIP: '10.43.0.7', ports } });
  const all = [svc('default', 'kubernetes', [{ name: 'https', port: 443 }]), svc('app', 'my-db', [{ name: 'pg', port: 5432, protocol: 'TCP' }]), svc('other', 'x', [{ port: 1 }])];
  const e = serviceEnv(all, 'app', true);
  assert.equal(e.get('MY_DB_SERVICE_HOST'), '10.43.0.7');
  assert.equal(e.get('MY_DB_SERVICE_PORT_PG'), '5432');
  assert.equal(e.get('MY_DB_PORT'), 'tcp://10.43.0.7:5432');
  assert.equal(e.get('MY_DB_PORT_5432_TCP_ADDR'), '10.43.0.7');
  assert.equal(e.get('KUBERNETES_SERVICE_PORT'), '443');
  assert.equal(e.has('X_SERVICE_HOST'), false);
  const off = serviceEnv(all, 'app', false);
  assert.equal(off.has('MY_DB_SERVICE_HOST'), false);
  assert.equal(off.get('KUBERNETES_SERVICE_HOST'), '10.43.0.7');
});

test('linuxResources: shares from requests, quota from limits, minimums', () => {
  assert.deepEqual(linuxResources({ name: 'c' }), { pidsLimit: 4096, cpuShares: 2 });
  assert.deepEqual(linuxResources({ name: 'c', resources: { limits: { cpu: '1', memory: '1Gi' } } }), { pidsLimit: 4096, cpuShares: 1024, cpuPeriod: 100000, cpuQuota: 100000, memoryLimitBytes: 2 ** 30 });
  assert.equal(linuxResources({ name: 'c', resources: { limits: { cpu: '1m' } } }).cpuQuota, 1000);
});
