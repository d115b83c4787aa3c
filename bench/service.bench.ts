// Issue "Services, DNS and Ingress" benchmark: requests/s and p99 latency to an nginx pod through
// its ClusterIP (the nftables service proxy: DNAT + conntrack) versus the pod IP directly, in one
// run, from the host with keep-alive connections. Needs root, runc (skips otherwise).
//
// Usage: node dist/bench/service.bench.js [--seconds 5] [--connections 32]
import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer } from './api/server-process.js';
import { RestClient } from '../src/client/rest-client.js';
import { R } from '../src/client/resources.js';
import { cleanupNodeNetwork, forceCleanupRuntime, runtimeSkipReason } from '../test/helpers/node.js';
import { freePort } from '../test/helpers/cluster.js';
import { ensureTestImages } from '../src/runtime/images/testing/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '32' } } });

async function load(url: string, seconds: number, conns: number): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: conns });
  const lat: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = request(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          lat.push(performance.now() - t0);
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conns }, async () => {
    while (performance.now() < end) await one();
  }));
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const pct = (p: number): number => Math.round((lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)] ?? NaN) * 100) / 100;
  return { rps: Math.round(lat.length / secs), p50: pct(50), p99: pct(99), errors };
}

async function main(): Promise<void> {
  const skip = runtimeSkipReason();
  const images = skip ? undefined : ensureTestImages();
  if (skip || !images || 'skip' in images) {
    console.log(`service bench skipped: ${skip ?? (images && 'skip' in images ? images.skip : 'no images')}`);
    return;
  }
  cleanupNodeNetwork();
  const s = await startServer(ROOT, 'sqlite', 60_000, ['--node-ip', '127.0.0.1', '--kubelet-port', String(await freePort()), '--ingress-http-port', String(await freePort()), '--ingress-https-port', String(await freePort())]);
  const c = new RestClient({
    transport: { kind: 'https', server: `https://${s.creds.host}:${s.creds.port}`, ca: s.creds.ca.toString(), cert: s.creds.cert.toString(), key: s.creds.key.toString() },
    userAgent: 'k8ts-bench',
  });
  try {
    execFileSync(process.execPath, [join(ROOT, 'bin/k8ts'), 'image', 'load', join(images.dir, 'nginx-1.14.tar'), '--data-dir', s.dir]);
    await c.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } }, spec: { automountServiceAccountToken: false, containers: [{ name: 'nginx', image: 'library/nginx:1.14-alpine' }] } });
    await c.create(R.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 80 }] } });
    let podIP = '';
    for (let i = 0; i < 300 && !podIP; i++) {
      const p = await c.get(R.pods, 'default', 'web');
      const st = p.status as { podIP?: string; conditions?: Array<{ type: string; status: string }> };
      if (st.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')) podIP = st.podIP ?? '';
      else await new Promise((r) => setTimeout(r, 100));
    }
    const svcIP = ((await c.get(R.services, 'default', 'web')).spec as { clusterIP: string }).clusterIP;
    await new Promise((r) => setTimeout(r, 1000));
    const secs = Number(args.seconds);
    const conns = Number(args.connections);
    await load(`http://${podIP}/`, 1, conns); // warm up
    const direct = await load(`http://${podIP}/`, secs, conns);
    const viaSvc = await load(`http://${svcIP}:8080/`, secs, conns);
    const result = { machine: { date: new Date().toISOString(), nproc: cpus().length, cpu: cpus()[0]?.model }, direct, clusterIP: viaSvc, ratio: Math.round((viaSvc.rps / direct.rps) * 100) / 100 };
    console.log(`pod IP directly:  ${direct.rps} req/s, p50 ${direct.p50} ms, p99 ${direct.p99} ms, errors ${direct.errors}`);
    console.log(`through ClusterIP: ${viaSvc.rps} req/s, p50 ${viaSvc.p50} ms, p99 ${viaSvc.p99} ms, errors ${viaSvc.errors}`);
    console.log(`ratio ClusterIP / pod IP: ${result.ratio} (target >= 0.95)`);
    console.log(`RESULT ${JSON.stringify(result)}`);
    await c.delete(R.pods, 'default', 'web');
    for (let i = 0; i < 100 && (await c.list(R.pods, 'default')).items.length; i++) await new Promise((r) => setTimeout(r, 100));
  } finally {
    c.close();
    forceCleanupRuntime(s.dir);
    await s.stop();
    cleanupNodeNetwork();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
