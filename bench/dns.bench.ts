// Cluster DNS: queries/s from one UDP client on 127.0.0.1 (a window of in-flight queries),
// answered from the record index. No API server: the index is filled by hand through a
// fake informer factory with no objects, then 1,000 services are set directly.
//   node dist/bench/dns.bench.js [--seconds 3] [--window 64]
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';
import { startClusterDns, recordsForService, TYPE } from '../src/dns/index.js';
import { buildQuery } from '../src/dns/testing/dns-client.js';
import type { SharedInformerFactory } from '../src/client/informers/index.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, window: { type: 'string', default: '64' } } });
const inf = { lister: { get: () => undefined, list: () => [], byIndex: () => [] }, addEventHandler: () => ({ dispose() {} }), addIndexer() {}, hasSynced: () => true, whenSynced: async () => {}, lastSyncResourceVersion: () => '' };
const informers = { informerFor: () => inf } as unknown as Pick<SharedInformerFactory, 'informerFor'>;
const abort = new AbortController();
const dns = await startClusterDns({ informers, listen: [{ address: '127.0.0.1', port: 0 }], clusterDomain: 'cluster.local', upstream: [], signal: abort.signal });
await dns.ready;
for (let i = 0; i < 1000; i++) dns.index.set(`svc/default/s${i}`, recordsForService({ metadata: { name: `s${i}`, namespace: 'default' }, spec: { clusterIP: `10.43.${i >> 8}.${i & 255}` } }, [], 'cluster.local'));
const port = dns.addresses[0].port;
const sock = createSocket('udp4');
const queries = Array.from({ length: 1000 }, (_, i) => buildQuery(`s${i}.default.svc.cluster.local`, TYPE.A, { id: i }));
let answered = 0;
let sent = 0;
const deadline = Date.now() + Number(values.seconds) * 1000;
const t0 = process.hrtime.bigint();
await new Promise<void>((resolve) => {
  const send = (): void => { sock.send(queries[sent++ % queries.length], port, '127.0.0.1'); };
  sock.on('message', () => { answered++; if (Date.now() < deadline) send(); else if (answered === sent) resolve(); });
  for (let i = 0; i < Number(values.window); i++) send();
  // Lost datagrams must not hang the run.
  setTimeout(resolve, Number(values.seconds) * 1000 + 2000).unref();
});
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ bench: 'dns', queries: answered, seconds: +secs.toFixed(2), qps: Math.round(answered / secs) }));
sock.close();
abort.abort();
await dns.closed;
