// Against a real in-process API server: services become DNS records on a real UDP/TCP
// server on 127.0.0.1; other names go to a fake upstream on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { startTestApi, type TestApi } from '../testing/test-api.js';
import { R } from '../client/resources.js';
import { startClusterDns, type ClusterDns } from './server.js';
import { CLASS_IN, RCODE, TYPE, decodeMessage } from './wire.js';
import { queryTcp, queryUdp, sendUdp, startFakeUpstream } from './testing/dns-client.js';

let api: TestApi;
let dns: ClusterDns;
let port: number;
let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
const abort = new AbortController();
setMaxListeners(0, abort.signal);

before(async () => {
  api = await startTestApi();
  upstream = await startFakeUpstream((q, tcp) => {
    const name = q.questions[0].name;
    if (name === 'big.example') {
      if (!tcp) return { tc: true };
      return { answers: Array.from({ length: 60 }, (_, i) => ({ name, type: TYPE.A, class: CLASS_IN, ttl: 60, data: { kind: 'A' as const, address: `192.0.2.${i}` } })) };
    }
    if (name === 'example.com' || name === 'www.example.org') return { answers: [{ name, type: TYPE.A, class: CLASS_IN, ttl: 60, data: { kind: 'A', address: '93.184.216.34' } }] };
    return { header: { rcode: RCODE.NXDOMAIN } as never };
  });
  dns = await startClusterDns({ informers: api.informers, listen: [{ address: '127.0.0.1', port: 0 }], clusterDomain: 'cluster.local', upstream: [`127.0.0.1:${upstream.port}`], signal: abort.signal });
  port = dns.addresses[0].port;
  await dns.ready;
  const c = api.client;
  await c.create(R.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx-service' }, spec: { selector: { app: 'nginx' }, ports: [{ name: 'http', port: 8080, targetPort: 80 }] } });
  await c.create(R.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'web', port: 80 }] } });
  await c.create(R.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'www.example.org' } });
  await c.create(R.endpointslices, 'default', {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'nginx-1', labels: { 'kubernetes.io/service-name': 'nginx' } }, addressType: 'IPv4',
    ports: [{ name: 'web', port: 80, protocol: 'TCP' }],
    endpoints: [{ addresses: ['10.42.0.20'], hostname: 'web-0', conditions: { ready: true } }, { addresses: ['10.42.0.21'], hostname: 'web-1', conditions: { ready: true } }],
  });
  for (let i = 0; i < 200 && dns.index.lookup('web-1.nginx.default.svc.cluster.local').kind !== 'found'; i++) await new Promise((r) => setTimeout(r, 25));
  for (let i = 0; i < 200 && dns.index.lookup('ext.default.svc.cluster.local').kind !== 'found'; i++) await new Promise((r) => setTimeout(r, 25));
});
after(async () => { abort.abort(); await dns?.closed; await upstream?.close(); await api?.stop(); });

const addrs = (m: ReturnType<typeof decodeMessage>) => m.answers.filter((r) => r.type === TYPE.A).map((r) => (r.data as { address: string }).address).sort();

test('ClusterIP service over UDP and TCP', async () => {
  const svc = await api.client.get(R.services, 'default', 'nginx-service') as unknown as { spec: { clusterIP: string } };
  for (const m of [await queryUdp(port, 'nginx-service.default.svc.cluster.local', TYPE.A), await queryTcp(port, 'nginx-service.default.svc.cluster.local', TYPE.A)]) {
    assert.equal(m.header.rcode, RCODE.NOERROR);
    assert.ok(m.header.aa);
    assert.deepEqual(addrs(m), [svc.spec.clusterIP]);
    assert.equal(m.answers[0].ttl, 5);
  }
  const srv = await queryUdp(port, '_http._tcp.nginx-service.default.svc.cluster.local', TYPE.SRV);
  assert.equal((srv.answers[0].data as { port: number }).port, 8080);
  const ptrName = `${svc.spec.clusterIP.split('.').reverse().join('.')}.in-addr.arpa`;
  assert.equal(((await queryUdp(port, ptrName, TYPE.PTR)).answers[0].data as { target: string }).target, 'nginx-service.default.svc.cluster.local');
});

test('headless service with hostnames (StatefulSet style)', async () => {
  assert.deepEqual(addrs(await queryUdp(port, 'nginx.default.svc.cluster.local', TYPE.A)), ['10.42.0.20', '10.42.0.21']);
  assert.deepEqual(addrs(await queryTcp(port, 'web-0.nginx.default.svc.cluster.local', TYPE.A)), ['10.42.0.20']);
  const srv = await queryUdp(port, '_web._tcp.nginx.default.svc.cluster.local', TYPE.SRV);
  assert.equal(srv.answers.length, 2);
  assert.equal(srv.additionals.filter((r) => r.type === TYPE.A).length, 2);
});

test('ExternalName: CNAME plus the resolved target', async () => {
  const m = await queryUdp(port, 'ext.default.svc.cluster.local', TYPE.A);
  assert.equal(m.answers[0].type, TYPE.CNAME);
  assert.deepEqual(m.answers[0].data, { kind: 'NAME', target: 'www.example.org' });
  assert.deepEqual(addrs(m), ['93.184.216.34']);
});

test('NXDOMAIN with SOA for search-path expansions; NODATA for missing types', async () => {
  const nx = await queryUdp(port, 'nginx-service.default.svc.cluster.local.default.svc.cluster.local', TYPE.A);
  assert.equal(nx.header.rcode, RCODE.NXDOMAIN);
  assert.equal(nx.authorities[0].type, TYPE.SOA);
  const nodata = await queryUdp(port, 'nginx-service.default.svc.cluster.local', TYPE.AAAA);
  assert.equal(nodata.header.rcode, RCODE.NOERROR);
  assert.equal(nodata.answers.length, 0);
  assert.equal(nodata.authorities[0].type, TYPE.SOA);
});

test('forwarding: answers relayed and cached; truncation falls back to TCP upstream and to TC for the client', async () => {
  const before = upstream.queries.udp;
  const a = await queryUdp(port, 'example.com', TYPE.A);
  assert.deepEqual(addrs(a), ['93.184.216.34']);
  await queryUdp(port, 'example.com', TYPE.A);
  assert.equal(upstream.queries.udp - before, 1, 'second answer from the cache');
  assert.equal((await queryUdp(port, 'nope.example', TYPE.A)).header.rcode, RCODE.NXDOMAIN);
  const big = await queryUdp(port, 'big.example', TYPE.A);
  assert.ok(big.header.tc, 'too big for plain UDP: TC set');
  assert.ok(upstream.queries.tcp >= 1);
  assert.equal(addrs(await queryTcp(port, 'big.example', TYPE.A)).length, 60);
  assert.equal(addrs(await queryUdp(port, 'big.example', TYPE.A, { edns: 4096 })).length, 60);
});

test('updates follow the API; malformed queries get FORMERR or are dropped', async () => {
  await api.client.delete(R.services, 'default', 'ext');
  for (let i = 0; i < 200 && dns.index.lookup('ext.default.svc.cluster.local').kind === 'found'; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal((await queryUdp(port, 'ext.default.svc.cluster.local', TYPE.A)).header.rcode, RCODE.NXDOMAIN);
  const bad = Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0xff]);
  const res = decodeMessage(await sendUdp(port, bad));
  assert.equal(res.header.id, 0x1234);
  assert.equal(res.header.rcode, RCODE.FORMERR);
  // Still serving.
  assert.equal((await queryUdp(port, 'nginx.default.svc.cluster.local', TYPE.A)).header.rcode, RCODE.NOERROR);
});

test('namespaces from the API: `<ns>.svc` is NXDOMAIN until the namespace exists, then NODATA', async () => {
  const name = 'team-dns';
  const rcode = async (q: string) => (await queryUdp(port, q, TYPE.A)).header.rcode;
  assert.equal(await rcode(`${name}.svc.cluster.local`), RCODE.NXDOMAIN);
  await api.client.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  for (let i = 0; i < 200 && !dns.index.hasNamespace(name); i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(await rcode(`${name}.svc.cluster.local`), RCODE.NOERROR);
  assert.equal(await rcode(`${name}.pod.cluster.local`), RCODE.NOERROR);
  assert.equal(await rcode(`nginx.${name}.svc.cluster.local`), RCODE.NXDOMAIN, 'existing namespace, no such service');
  assert.equal(await rcode('default.svc.cluster.local'), RCODE.NOERROR);
});
