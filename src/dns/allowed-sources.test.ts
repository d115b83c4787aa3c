// Cluster DNS answers only its own networks (issue 14): sourceFilter as a pure predicate, and a
// real UDP/TCP server on 127.0.0.1 that is told loopback is not among its networks: REFUSED on
// both transports, nothing forwarded, malformed packets unanswered; with loopback allowed it
// answers as usual.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { StaticInformer } from '../client/testing/static-informer.js';
import type { InformerFactory } from '../client/controller-types.js';
import type { SharedInformer } from '../client/informer-types.js';
import type { KObject } from '../api/types/index.js';
import { sourceFilter, startClusterDns } from './server.js';
import { CLASS_IN, RCODE, TYPE } from './wire.js';
import { queryTcp, queryUdp, sendUdp, startFakeUpstream } from './testing/dns-client.js';

test('sourceFilter: IPv4 CIDRs, single addresses, IPv4-mapped sources', () => {
  const ok = sourceFilter(['10.42.0.0/16', '127.0.0.0/8', '::1', '192.0.2.7']);
  for (const a of ['10.42.0.7', '10.42.255.255', '127.0.0.1', '127.9.9.9', '::1', '192.0.2.7', '::ffff:10.42.1.1', '::FFFF:127.0.0.1']) assert.ok(ok(a), a);
  for (const a of ['10.43.0.1', '192.0.2.8', '169.254.169.254', '::2', 'fe80::1', '', 'x', '::ffff:8.8.8.8']) assert.ok(!ok(a), a);
  assert.throws(() => sourceFilter(['10.0.0.0/33']));
  assert.throws(() => sourceFilter(['not-an-address']));
});

test('a query from outside the allowed networks is REFUSED and never forwarded', { timeout: 20_000 }, async () => {
  const upstream = await startFakeUpstream((q) => ({ answers: [{ name: q.questions[0].name, type: TYPE.A, class: CLASS_IN, ttl: 60, data: { kind: 'A', address: '192.0.2.1' } }] }));
  const empty = new StaticInformer([]);
  const informers: Pick<InformerFactory, 'informerFor'> = { informerFor: <T extends KObject>() => empty as unknown as SharedInformer<T> };
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  try {
    const start = (allowedSources: string[]) =>
      startClusterDns({ informers, listen: [{ address: '127.0.0.1', port: 0 }], clusterDomain: 'cluster.local', upstream: [`127.0.0.1:${upstream.port}`], signal: abort.signal, allowedSources });
    const closed = await start(['10.42.0.0/16']);
    await closed.ready;
    const port = closed.addresses[0].port;
    const udp = await queryUdp(port, 'example.com', TYPE.A);
    assert.equal(udp.header.rcode, RCODE.REFUSED);
    assert.deepEqual(udp.answers, []);
    const tcp = await queryTcp(port, 'kubernetes.default.svc.cluster.local', TYPE.A);
    assert.equal(tcp.header.rcode, RCODE.REFUSED);
    assert.deepEqual(upstream.queries, { udp: 0, tcp: 0 }, 'nothing forwarded');
    // Malformed from a stranger: no FORMERR, no answer at all.
    await assert.rejects(sendUdp(port, Buffer.from('000100000001000000000000ff', 'hex'), 500), /udp timeout/);

    const open = await start(['127.0.0.0/8']);
    await open.ready;
    const ok = await queryUdp(open.addresses[0].port, 'example.com', TYPE.A);
    assert.equal(ok.header.rcode, RCODE.NOERROR);
    assert.equal(ok.answers.length, 1);
  } finally {
    abort.abort();
    await upstream.close();
  }
});
