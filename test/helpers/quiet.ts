// The "quiet cluster" procedure shared by test/e2e/quiet-cluster.test.ts and
// bench/quiet.bench.ts: a `bin/k8ts server` running the article's nginx (5 pods probed every
// second), rolled out, then measured while nothing happens:
//
//   start server ─▶ (oci: load the test images) ─▶ watch pods ─▶ apply the article ─▶ rollout status
//   ─▶ settle ─▶ window: storage revision and server CPU at both ends ─▶ writes/s, CPU %
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, freePort, K8TS, type TestCluster } from './cluster.js';
import { credsFromKubeconfig, type Creds } from './http.js';
import { cleanupNodeNetwork, forceCleanupRuntime } from './node.js';
import { ARTICLE_NGINX } from './article.js';
import { ensureTestImages } from '../../src/runtime/images/testing/index.js';
import { processTreeCpuSeconds, storageRevision, watchObjects, type ObjectWatch } from './writes.js';

export interface ArticleCluster {
  c: TestCluster;
  creds: Creds;
  /** Every pod event from before the apply on. */
  pods: ObjectWatch;
  runtime: 'oci' | 'simulated';
}

/** Starts a server, applies the article's nginx and waits for its rollout (at most 3 minutes). */
export async function startArticleCluster(runtime: 'oci' | 'simulated', imagesDir?: string): Promise<ArticleCluster> {
  let args: string[];
  if (runtime === 'oci') {
    cleanupNodeNetwork();
    args = ['--node-ip', '127.0.0.1', '--kubelet-port', String(await freePort()), '--ingress-http-port', String(await freePort()), '--ingress-https-port', String(await freePort())];
  } else args = ['--runtime', 'simulated'];
  const c = await startCluster({ extraArgs: args });
  try {
    if (runtime === 'oci' && imagesDir) {
      for (const f of readdirSync(imagesDir).filter((x) => x.endsWith('.tar'))) {
        const r = spawnSync(process.execPath, [K8TS, 'image', 'load', join(imagesDir, f), '--data-dir', c.dataDir], { encoding: 'utf8', timeout: 120_000 });
        if (r.status !== 0) throw new Error(`image load ${f}: ${r.stderr}`);
      }
    }
    const creds = credsFromKubeconfig(c.kubeconfig);
    const pods = watchObjects(creds, '/api/v1/pods', String(await storageRevision(creds)));
    const f = join(c.dataDir, 'nginx.yaml');
    writeFileSync(f, ARTICLE_NGINX);
    await c.k(['apply', '-f', f]);
    await c.k(['rollout', 'status', 'deployment/nginx-dep', '--timeout=180s'], { timeoutMs: 190_000 });
    return { c, creds, pods, runtime };
  } catch (e) {
    await stopArticleCluster({ c, runtime } as ArticleCluster);
    throw e;
  }
}

/** The article's cluster on real containers with the test images, or why it cannot run here. */
export async function startRealArticleCluster(): Promise<ArticleCluster | { skip: string }> {
  const images = ensureTestImages();
  if ('skip' in images) return { skip: images.skip };
  return startArticleCluster('oci', images.dir);
}

/** Deletes the workload (the kubelet tears its pods down), stops the server, cleans the host. */
export async function stopArticleCluster(a: ArticleCluster): Promise<void> {
  a.pods?.stop();
  await a.c.kubectl(['delete', 'ing,deploy,svc', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 }).catch(() => undefined);
  await a.c.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 }).catch(() => undefined);
  await a.c.stop();
  if (a.runtime === 'oci') {
    forceCleanupRuntime(a.c.dataDir);
    cleanupNodeNetwork();
  }
  a.c.cleanup();
}

export interface QuietFigures {
  seconds: number;
  /** Writes to storage in the window, all resources (our own revision probe excluded). */
  writes: number;
  writesPerSecond: number;
  /** Server CPU (all its threads and k8ts child processes) as % of one core. */
  cpuPercent: number;
  rssMB: number;
  /** Pod watch events in the window. */
  podEvents: number;
}

const rssMB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** Measures a window of `seconds` with nothing happening. */
export async function measureQuiet(a: ArticleCluster, seconds: number): Promise<QuietFigures> {
  const pid = a.c.proc.pid!;
  const podEvents0 = a.pods.events.length;
  const rv0 = await storageRevision(a.creds);
  const cpu0 = processTreeCpuSeconds(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu1 = processTreeCpuSeconds(pid);
  const rv1 = await storageRevision(a.creds);
  const elapsed = (performance.now() - t0) / 1000;
  const writes = rv1 - rv0 - 1;
  return {
    seconds: Math.round(elapsed * 10) / 10,
    writes,
    writesPerSecond: Math.round((writes / elapsed) * 100) / 100,
    cpuPercent: Math.round(((cpu1 - cpu0) / elapsed) * 10000) / 100,
    rssMB: Math.round(rssMB(pid)),
    podEvents: a.pods.events.length - podEvents0,
  };
}
