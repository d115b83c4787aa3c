import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordIndex, recordsForPod, recordsForService } from './records.js';
import { answerQuery } from './answer.js';
import { RCODE, TYPE } from './wire.js';

const zone = 'cluster.local';
const z = { zone, dnsIP: '10.43.0.10' };
const svc = (name: string, spec: Record<string, unknown>) => ({ metadata: { name, namespace: 'default' }, spec });
const slice = { metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4',
  ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  endpoints: [
    { addresses: ['10.42.0.7'], conditions: { ready: true }, hostname: 'web-0' },
    { addresses: ['10.42.0.8'], conditions: {} },
    { addresses: ['10.42.0.9'], conditions: { ready: false }, hostname: 'web-2' },
  ] };

function index(): RecordIndex {
  const ix = new RecordIndex(zone);
  ix.set('svc/default/nginx', recordsForService(svc('nginx', { clusterIP: '10.43.1.2', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { port: 9 }] }), [], zone));
  ix.set('svc/default/web', recordsForService(svc('web', { clusterIP: 'None' }), [slice], zone));
  ix.set('svc/default/ext', recordsForService(svc('ext', { type: 'ExternalName', externalName: 'example.com.' }), [], zone));
  ix.set('svc/default/alias', recordsForService(svc('alias', { type: 'ExternalName', externalName: 'nginx.default.svc.cluster.local' }), [], zone));
  ix.set('pod/default/p', recordsForPod({ metadata: { name: 'p', namespace: 'default' }, status: { podIP: '10.42.0.7' } }, zone));
  return ix;
}

const ask = (name: string, type: number) => {
  const a = answerQuery(index(), name, type, z);
  assert.equal(a.kind, 'authoritative');
  return a as Extract<typeof a, { kind: 'authoritative' }>;
};
const values = (a: ReturnType<typeof ask>) => a.answers.map((r) => JSON.stringify(r.data));

test('ClusterIP service: A, SRV for named ports, PTR', () => {
  assert.deepEqual(values(ask('nginx.default.svc.cluster.local', TYPE.A)), [JSON.stringify({ kind: 'A', address: '10.43.1.2' })]);
  const srv = ask('_http._tcp.nginx.default.svc.cluster.local', TYPE.SRV);
  assert.deepEqual(srv.answers[0].data, { kind: 'SRV', priority: 0, weight: 100, port: 8080, target: 'nginx.default.svc.cluster.local' });
  assert.equal(srv.additionals[0].name, 'nginx.default.svc.cluster.local');
  assert.deepEqual(ask('2.1.43.10.in-addr.arpa', TYPE.PTR).answers[0].data, { kind: 'NAME', target: 'nginx.default.svc.cluster.local' });
});

test('headless service: ready endpoints, hostnames, dashed IPs, SRV per endpoint', () => {
  assert.deepEqual(ask('web.default.svc.cluster.local', TYPE.A).answers.map((r) => (r.data as { address: string }).address), ['10.42.0.7', '10.42.0.8']);
  assert.equal(ask('web-0.web.default.svc.cluster.local', TYPE.A).answers.length, 1);
  assert.equal(ask('10-42-0-8.web.default.svc.cluster.local', TYPE.A).answers.length, 1);
  assert.equal(ask('web-2.web.default.svc.cluster.local', TYPE.A).rcode, RCODE.NXDOMAIN, 'not-ready endpoints are not published');
  const srv = ask('_http._tcp.web.default.svc.cluster.local', TYPE.SRV);
  assert.deepEqual(srv.answers.map((r) => (r.data as { target: string }).target).sort(), ['10-42-0-8.web.default.svc.cluster.local', 'web-0.web.default.svc.cluster.local']);
  assert.equal(srv.additionals.length, 2);
  assert.deepEqual(ask('7.0.42.10.in-addr.arpa', TYPE.PTR).answers[0].data, { kind: 'NAME', target: 'web-0.web.default.svc.cluster.local' });
});

test('ExternalName: CNAME; in-zone targets are chased, external ones reported for resolution', () => {
  const ext = ask('ext.default.svc.cluster.local', TYPE.A);
  assert.deepEqual(ext.answers[0].data, { kind: 'NAME', target: 'example.com' });
  assert.equal(ext.chase, 'example.com');
  const alias = ask('alias.default.svc.cluster.local', TYPE.A);
  assert.deepEqual(values(alias), [JSON.stringify({ kind: 'NAME', target: 'nginx.default.svc.cluster.local' }), JSON.stringify({ kind: 'A', address: '10.43.1.2' })]);
});

test('NXDOMAIN, NODATA, apex, pods, forwarding decisions', () => {
  const nx = ask('nginx.default.svc.cluster.local.default.svc.cluster.local', TYPE.A);
  assert.equal(nx.rcode, RCODE.NXDOMAIN);
  assert.equal(nx.authorities[0].type, TYPE.SOA);
  const nodata = ask('nginx.default.svc.cluster.local', TYPE.AAAA);
  assert.equal(nodata.rcode, RCODE.NOERROR);
  assert.equal(nodata.answers.length, 0);
  assert.equal(nodata.authorities[0].type, TYPE.SOA);
  assert.equal(ask('default.svc.cluster.local', TYPE.A).rcode, RCODE.NOERROR, 'namespace is an empty non-terminal');
  assert.equal(ask('other.svc.cluster.local', TYPE.A).rcode, RCODE.NXDOMAIN);
  assert.equal(ask('cluster.local', TYPE.SOA).answers[0].type, TYPE.SOA);
  assert.equal(ask('cluster.local', TYPE.NS).additionals[0].name, 'ns.dns.cluster.local');
  assert.equal(ask('10-42-0-7.default.pod.cluster.local', TYPE.A).answers.length, 1);
  assert.equal(answerQuery(index(), 'example.com', TYPE.A, z).kind, 'forward');
  assert.equal(answerQuery(index(), '1.1.1.1.in-addr.arpa', TYPE.PTR, z).kind, 'forward');
});

test('set() replaces an owner and delete() removes all its names', () => {
  const ix = index();
  ix.set('svc/default/nginx', recordsForService(svc('nginx', { clusterIP: '10.43.1.3' }), [], zone));
  assert.deepEqual(answerQuery(ix, 'nginx.default.svc.cluster.local', TYPE.A, z).kind === 'authoritative' && (answerQuery(ix, 'nginx.default.svc.cluster.local', TYPE.A, z) as { answers: Array<{ data: unknown }> }).answers[0].data, { kind: 'A', address: '10.43.1.3' });
  assert.equal(answerQuery(ix, '2.1.43.10.in-addr.arpa', TYPE.PTR, z).kind, 'forward');
  for (const o of ['svc/default/nginx', 'svc/default/web', 'svc/default/ext', 'svc/default/alias', 'pod/default/p']) ix.delete(o);
  assert.equal(ix.size, 0);
  assert.equal((answerQuery(ix, 'default.svc.cluster.local', TYPE.A, z) as { rcode: number }).rcode, RCODE.NXDOMAIN);
});
