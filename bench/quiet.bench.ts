// The cost of a quiet cluster: `bin/k8ts server` running the article's nginx (5 pods,
// readiness and liveness probes every second), rolled out and left alone; over a window it
// prints the server's writes/s (all resources, from the storage revision), which resources
// they went to (watches on the usual suspects), its CPU (% of one core, utime+stime of the
// server and its k8ts child processes) and RSS.
//   node dist/bench/quiet.bench.js [--runtime oci|simulated] [--window-seconds 60] [--settle-seconds 10] [--k8ts PATH]
// --k8ts: the bin/k8ts to run (default this checkout's), e.g. another checkout's build for a
// before/after comparison (the test helpers start `$K8TS_BIN`).
// The oci runtime runs real containers: run it under `flock /tmp/k8ts-host.lock`.
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { ensureTestImages } from '../src/runtime/images/testing/index.js';
import type { ArticleCluster } from '../test/helpers/quiet.js';
import type { ObjectWatch } from '../test/helpers/writes.js';

const { values } = parseArgs({ options: { runtime: { type: 'string', default: 'oci' }, 'window-seconds': { type: 'string', default: '60' }, 'settle-seconds': { type: 'string', default: '10' }, k8ts: { type: 'string' } } });
// The helpers read K8TS_BIN when first imported, hence the dynamic imports below.
if (values.k8ts) process.env.K8TS_BIN = resolve(values.k8ts);
const { startArticleCluster, stopArticleCluster, measureQuiet } = await import('../test/helpers/quiet.js');
const { statusWriteViolations, storageRevision, watchObjects } = await import('../test/helpers/writes.js');
const { K8TS } = await import('../test/helpers/cluster.js');
const runtime = values.runtime === 'simulated' ? 'simulated' : 'oci';
const windowSeconds = Number(values['window-seconds']);

/** Where idle writes usually go. */
const WATCHED = [
  '/api/v1/pods', '/api/v1/nodes', '/api/v1/events', '/api/v1/endpoints', '/api/v1/configmaps',
  '/apis/coordination.k8s.io/v1/leases', '/apis/discovery.k8s.io/v1/endpointslices', '/apis/apps/v1/replicasets', '/apis/apps/v1/deployments',
];

let a: ArticleCluster | undefined;
const stopAll = async (): Promise<void> => {
  if (a) await stopArticleCluster(a).catch((e) => console.error(`cleanup: ${(e as Error).message}`));
  a = undefined;
};
process.on('SIGINT', () => void stopAll().finally(() => process.exit(130)));
const limit = setTimeout(() => {
  console.error('quiet.bench: time limit (15 min) reached');
  void stopAll().finally(() => process.exit(1));
}, 15 * 60_000);

try {
  let imagesDir: string | undefined;
  if (runtime === 'oci') {
    const images = ensureTestImages();
    if ('skip' in images) throw new Error(`test images: ${images.skip}`);
    imagesDir = images.dir;
  }
  console.error(`quiet.bench: starting a server (${runtime}) with the article's nginx...`);
  const t0 = performance.now();
  a = await startArticleCluster(runtime, imagesDir);
  console.error(`quiet.bench: rolled out in ${((performance.now() - t0) / 1000).toFixed(1)} s; settling ${values['settle-seconds']} s`);
  await new Promise((r) => setTimeout(r, Number(values['settle-seconds']) * 1000));
  const rv = String(await storageRevision(a.creds));
  const watches: Array<[string, ObjectWatch]> = WATCHED.map((p) => [p, watchObjects(a!.creds, p, rv)]);
  console.error(`quiet.bench: measuring ${windowSeconds} s`);
  const q = await measureQuiet(a, windowSeconds);
  for (const [, w] of watches) w.stop();
  const byResource = Object.fromEntries(watches.map(([p, w]) => [p.split('/').at(-1)!, w.events.filter((e) => e.object.metadata.name !== 'k8ts-test-revision-probe').length]));
  const perObject = new Map<string, number>();
  for (const [p, w] of watches) {
    for (const e of w.events) {
      const m = e.object.metadata;
      if (m.name === 'k8ts-test-revision-probe') continue;
      const k = `${p.split('/').at(-1)}/${m.namespace ? `${m.namespace}/` : ''}${m.name}`;
      perObject.set(k, (perObject.get(k) ?? 0) + 1);
    }
  }
  const top = [...perObject].sort((x, y) => y[1] - x[1]).slice(0, 6);
  const violations = statusWriteViolations(a.pods.events);
  // Where the memory is: per-loop heaps from /metrics (builds with the loops split; 404 before).
  const { api } = await import('../test/helpers/http.js');
  const m = await api(a.creds, 'GET', '/metrics').catch(() => ({ status: 0, body: '' }));
  const heapLines = m.status === 200 ? m.body.split('\n').filter((l) => /^(k8ts_loop_heap_bytes|nodejs_heap_size_used_bytes|nodejs_external_memory_bytes)[{ ]/.test(l)) : [];
  console.log(`runtime ${runtime}, 5 nginx pods probed every 1 s, idle window ${q.seconds} s`);
  console.log(`  writes        ${q.writes} (${q.writesPerSecond}/s)`);
  console.log(`  by resource   ${Object.entries(byResource).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`);
  console.log(`  most written  ${top.map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  console.log(`  server CPU    ${q.cpuPercent} % of one core`);
  console.log(`  server RSS    ${q.rssMB} MB`);
  console.log(`  pod status    ${violations.length} repeated or flipping writes since the apply`);
  for (const l of heapLines) console.log(`  /metrics ${l}`);
  console.log(`RESULT ${JSON.stringify({ heapMetrics: heapLines, date: new Date().toISOString(), cpus: cpus().length, cpuModel: cpus()[0]?.model, k8ts: K8TS, runtime, ...q, byResource, statusViolations: violations.length })}`);
} catch (e) {
  console.error(`quiet.bench failed: ${(e as Error).stack}`);
  process.exitCode = 1;
} finally {
  clearTimeout(limit);
  await stopAll();
}
