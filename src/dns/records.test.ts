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

// ----------------------------------------------------------------------------------------
// As CoreDNS's kubernetes plugin (plugin/kubernetes: endpointHostname, findServices,
// findPods, serviceRecordForIP, parseRequest; its handler_test cases).

const names = (a: ReturnType<typeof ask>) => a.answers.map((r) => (r.data as { address?: string; target?: string }).address ?? (r.data as { target: string }).target).sort();
const on = (ix: RecordIndex, name: string, type: number, o: Parameters<typeof answerQuery>[3] = z) => {
  const a = answerQuery(ix, name, type, o);
  assert.equal(a.kind, 'authoritative', `${name} is answered, not forwarded`);
  return a as Extract<typeof a, { kind: 'authoritative' }>;
};

test('headless endpoints: exactly one name each, the hostname when the slice has one, else the dashed IP', () => {
  const ix = new RecordIndex(zone);
  ix.set('svc/default/db', recordsForService(svc('db', { clusterIP: 'None' }), [{
    metadata: { name: 'db-1', namespace: 'default' }, addressType: 'IPv4',
    ports: [{ name: 'sql', port: 5432, protocol: 'TCP' }],
    endpoints: [
      { addresses: ['10.42.0.2'], conditions: { ready: true }, hostname: 'db-0' },
      { addresses: ['10.42.0.3'], conditions: { ready: true } },
      // Two endpoints with one hostname share the name (CoreDNS `dup-name`).
      { addresses: ['10.42.0.4'], conditions: { ready: true }, hostname: 'dup' },
      { addresses: ['10.42.0.5'], conditions: { ready: true }, hostname: 'dup' },
      // Not a DNS label: the dashed IP is used instead.
      { addresses: ['10.42.0.6'], conditions: { ready: true }, hostname: 'Not_A.Label' },
      // Terminating: ready false, still serving; not published.
      { addresses: ['10.42.0.9'], conditions: { ready: false, serving: true, terminating: true }, hostname: 'db-9' },
    ],
  }], zone));
  assert.deepEqual(names(on(ix, 'db-0.db.default.svc.cluster.local', TYPE.A)), ['10.42.0.2']);
  assert.equal(on(ix, '10-42-0-2.db.default.svc.cluster.local', TYPE.A).rcode, RCODE.NXDOMAIN, 'an endpoint with a hostname has no dashed-IP name');
  assert.deepEqual(names(on(ix, '10-42-0-3.db.default.svc.cluster.local', TYPE.A)), ['10.42.0.3']);
  assert.deepEqual(names(on(ix, 'dup.db.default.svc.cluster.local', TYPE.A)), ['10.42.0.4', '10.42.0.5']);
  assert.deepEqual(names(on(ix, '10-42-0-6.db.default.svc.cluster.local', TYPE.A)), ['10.42.0.6']);
  for (const n of ['db-9', '10-42-0-9']) assert.equal(on(ix, `${n}.db.default.svc.cluster.local`, TYPE.A).rcode, RCODE.NXDOMAIN);
  assert.deepEqual(names(on(ix, 'db.default.svc.cluster.local', TYPE.A)), ['10.42.0.2', '10.42.0.3', '10.42.0.4', '10.42.0.5', '10.42.0.6']);
  // SRV: one record per distinct target, weight 100 / the 5 addresses found (CoreDNS: 0 20 …).
  const srv = on(ix, '_sql._tcp.db.default.svc.cluster.local', TYPE.SRV);
  assert.deepEqual(names(srv), ['10-42-0-3.db.default.svc.cluster.local', '10-42-0-6.db.default.svc.cluster.local', 'db-0.db.default.svc.cluster.local', 'dup.db.default.svc.cluster.local']);
  assert.ok(srv.answers.every((r) => (r.data as { weight: number }).weight === 20));
  assert.deepEqual(names(on(ix, '2.0.42.10.in-addr.arpa', TYPE.PTR)), ['db-0.db.default.svc.cluster.local']);
  assert.deepEqual(names(on(ix, '3.0.42.10.in-addr.arpa', TYPE.PTR)), ['10-42-0-3.db.default.svc.cluster.local']);
});

test('endpoint names and PTRs exist under ClusterIP services too, as CoreDNS answers them', () => {
  const ix = new RecordIndex(zone);
  ix.set('svc/default/api', recordsForService(svc('api', { clusterIP: '10.43.0.50', ports: [{ name: 'http', port: 80 }] }), [{
    metadata: { name: 'api-1', namespace: 'default' }, addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [{ addresses: ['10.42.0.20'], conditions: { ready: true } }, { addresses: ['10.42.0.21'], conditions: { ready: false } }],
  }], zone));
  assert.deepEqual(names(on(ix, 'api.default.svc.cluster.local', TYPE.A)), ['10.43.0.50'], 'the service name stays the ClusterIP');
  assert.deepEqual(names(on(ix, '10-42-0-20.api.default.svc.cluster.local', TYPE.A)), ['10.42.0.20']);
  assert.equal(on(ix, '10-42-0-21.api.default.svc.cluster.local', TYPE.A).rcode, RCODE.NXDOMAIN);
  const srv = on(ix, '_http._tcp.api.default.svc.cluster.local', TYPE.SRV);
  assert.deepEqual(srv.answers.map((r) => r.data), [{ kind: 'SRV', priority: 0, weight: 100, port: 80, target: 'api.default.svc.cluster.local' }]);
  assert.deepEqual(names(on(ix, '20.0.42.10.in-addr.arpa', TYPE.PTR)), ['10-42-0-20.api.default.svc.cluster.local']);
  assert.deepEqual(names(on(ix, '50.0.43.10.in-addr.arpa', TYPE.PTR)), ['api.default.svc.cluster.local']);
});

test('namespaces: NXDOMAIN under a namespace that does not exist and for a missing service of one that does; `<ns>.svc` NODATA only if it exists', () => {
  const ix = index();
  ix.setNamespace('default', true);
  ix.setNamespace('empty', true);
  for (const apex of ['svc.cluster.local', 'pod.cluster.local']) {
    const a = on(ix, apex, TYPE.A);
    assert.deepEqual([a.rcode, a.answers.length, a.authorities[0].type], [RCODE.NOERROR, 0, TYPE.SOA], apex);
  }
  for (const ns of ['default', 'empty']) {
    assert.equal(on(ix, `${ns}.svc.cluster.local`, TYPE.A).rcode, RCODE.NOERROR, `${ns}.svc: existing namespace, NODATA`);
    assert.equal(on(ix, `${ns}.pod.cluster.local`, TYPE.A).rcode, RCODE.NOERROR, `${ns}.pod: existing namespace, NODATA`);
  }
  for (const name of [
    'ghost.svc.cluster.local', 'ghost.pod.cluster.local', // no such namespace
    'nginx.ghost.svc.cluster.local', 'web-0.web.ghost.svc.cluster.local', '_http._tcp.nginx.ghost.svc.cluster.local', '10-42-0-7.ghost.pod.cluster.local',
    'nosuch.default.svc.cluster.local', 'nosuch.empty.svc.cluster.local', // existing namespace, no such service
    '_tcp.nginx.default.svc.cluster.local', 'a.b.nginx.default.svc.cluster.local', // not names CoreDNS parses
    'x.web-0.web.default.svc.cluster.local', 'sub.ext.default.svc.cluster.local',
    'foo.cluster.local', 'dns.cluster.local',
    '*.default.svc.cluster.local', 'nginx.*.svc.cluster.local', '*.svc.cluster.local', // no wildcards (removed from CoreDNS)
  ]) {
    const a = on(ix, name, TYPE.A);
    assert.equal(a.rcode, RCODE.NXDOMAIN, name);
    assert.equal(a.authorities[0].type, TYPE.SOA);
  }
  ix.setNamespace('empty', false);
  assert.equal(on(ix, 'empty.svc.cluster.local', TYPE.A).rcode, RCODE.NXDOMAIN, 'deleted namespace');
  // Records imply their namespace even before its informer event.
  const early = new RecordIndex(zone);
  early.set('svc/late/x', recordsForService({ metadata: { name: 'x', namespace: 'late' }, spec: { clusterIP: '10.43.0.9' } }, [], zone));
  assert.equal(on(early, 'late.svc.cluster.local', TYPE.A).rcode, RCODE.NOERROR);
  assert.equal(on(early, 'late.pod.cluster.local', TYPE.A).rcode, RCODE.NOERROR);
});

test('pods: insecure answers any dashed IPv4/IPv6 in an existing namespace; verified only pods that exist; disabled nothing', () => {
  const ix = new RecordIndex(zone);
  ix.setNamespace('default', true);
  const insecure = { ...z, pods: 'insecure' as const };
  assert.deepEqual(names(on(ix, '10-42-0-99.default.pod.cluster.local', TYPE.A, insecure)), ['10.42.0.99']);
  assert.equal(on(ix, '10-42-0-99.default.pod.cluster.local', TYPE.AAAA, insecure).answers.length, 0, 'NODATA for the other family');
  assert.equal(on(ix, '10-42-0-99.default.pod.cluster.local', TYPE.AAAA, insecure).rcode, RCODE.NOERROR);
  assert.deepEqual(on(ix, 'fd00--7.default.pod.cluster.local', TYPE.AAAA, insecure).answers.map((r) => r.data), [{ kind: 'AAAA', address: 'fd00::7' }]);
  for (const bad of ['10-42-0-999', '10-42-0', '010-42-0-1', 'web', '1-2-3-4-5']) assert.equal(on(ix, `${bad}.default.pod.cluster.local`, TYPE.A, insecure).rcode, RCODE.NXDOMAIN, bad);
  assert.equal(on(ix, '10-42-0-99.ghost.pod.cluster.local', TYPE.A, insecure).rcode, RCODE.NXDOMAIN, 'namespace does not exist');
  assert.equal(on(ix, '10-42-0-99.default.pod.cluster.local', TYPE.A).rcode, RCODE.NXDOMAIN, 'verified: no such pod');
  ix.set('pod/default/p', recordsForPod({ metadata: { name: 'p', namespace: 'default' }, status: { phase: 'Running', podIP: '10.42.0.99' } }, zone));
  assert.deepEqual(names(on(ix, '10-42-0-99.default.pod.cluster.local', TYPE.A)), ['10.42.0.99']);
  assert.equal(on(ix, '10-42-0-99.other.pod.cluster.local', TYPE.A).rcode, RCODE.NXDOMAIN, 'verified: the namespace must match');
  assert.deepEqual(recordsForPod({ metadata: { name: 'done', namespace: 'default' }, status: { phase: 'Succeeded', podIP: '10.42.0.98' } }, zone), [], 'finished pods give their IP back');
  const disabled = { ...z, pods: 'disabled' as const };
  assert.equal(on(ix, 'default.pod.cluster.local', TYPE.A, disabled).rcode, RCODE.NXDOMAIN);
  assert.equal(on(ix, 'pod.cluster.local', TYPE.A, disabled).rcode, RCODE.NOERROR);
});

test('dns-version TXT; reverse names: PTR answers for known addresses, everything else forwarded', () => {
  const ix = index();
  assert.deepEqual(on(ix, 'dns-version.cluster.local', TYPE.TXT).answers.map((r) => [r.ttl, r.data]), [[28800, { kind: 'TXT', texts: ['1.1.0'] }]]);
  assert.equal(on(ix, 'dns-version.cluster.local', TYPE.A).rcode, RCODE.NXDOMAIN);
  assert.equal(on(ix, 'nginx.default.svc.cluster.local', TYPE.TXT).rcode, RCODE.NOERROR, 'TXT of a name with other records: NODATA');
  assert.equal(on(ix, 'nginx.default.svc.cluster.local', TYPE.TXT).answers.length, 0);
  assert.equal(on(ix, '2.1.43.10.in-addr.arpa', TYPE.PTR).answers.length, 1);
  assert.equal(answerQuery(ix, '2.1.43.10.in-addr.arpa', TYPE.A, z).kind, 'forward', 'not a PTR question');
  assert.equal(answerQuery(ix, '1.43.10.in-addr.arpa', TYPE.PTR, z).kind, 'forward', 'a partial reverse name');
});
