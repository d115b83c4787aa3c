// Issue 10, "Chaos" (must show): the article's nginx (examples/nginx.yaml: Deployment nginx-dep,
// 5 replicas, selector app=server, its Service and Ingress) runs in two namespaces with the same
// names and selector (`default` and `chaos-t2`, as dev/staging would), with real containers. Both
// roll to nginx 1.18 while the server is killed with SIGKILL and restarted 10 times on the same
// data dir and ports: some kills a few hundred ms after a `kubectl set image`, some seconds after a
// restart. Afterwards, with the real kubectl:
//   - `kubectl rollout status` succeeds in both namespaces;
//   - each Deployment has exactly 5 pods, all Ready, all on the new image, owned by its new ReplicaSet;
//   - every ReplicaSet's status counts exactly its own non-terminating pods in its namespace
//     (status.replicas, readyReplicas), never the other namespace's;
//   - no pod is without a controller, no container runs for a pod that no longer exists;
//   - the Ingress still answers "Welcome to nginx!".
// Runs real containers: host lane only (scripts/run-tests.mjs isHostTest), under the host lock.
// K8TS_CHAOS_LOGS=<dir> keeps every server run's log and the final state.db there for diagnosis.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, freePort, eventually, K8TS, SEED, type TestCluster } from '../helpers/cluster.js';
import { cleanupNodeNetwork, forceCleanupRuntime, httpGet, runtimeSkipReason } from '../helpers/node.js';
import { ensureTestImages, testImagePath } from '../../src/runtime/images/testing/index.js';

const NAMESPACES = ['default', 'chaos-t2'];
const NEW_IMAGE = 'library/nginx:1.18-alpine';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * When each of the 10 kills comes: `after` the named moment, `ms` later. The first two land a
 * few hundred ms after a `set image` (the Deployment controller is creating the new ReplicaSet
 * and scaling it), the rest at varied moments after the previous restart. A restarted kubelet
 * reports its pods unready until their first readiness probe passes (as upstream's does), and
 * with minReadySeconds 10 a rollout only moves on after ~11 s without a restart: the long gaps
 * let it move on, so that later kills hit old pods terminating and new ones starting.
 */
const KILLS: Array<{ after: 'set-image' | 'restart'; ms: number }> = [
  { after: 'set-image', ms: 300 },
  { after: 'set-image', ms: 600 },
  { after: 'restart', ms: 1_500 },
  { after: 'restart', ms: 16_000 },
  { after: 'restart', ms: 250 },
  { after: 'restart', ms: 4_000 },
  { after: 'restart', ms: 18_000 },
  { after: 'restart', ms: 700 },
  { after: 'restart', ms: 15_000 },
  { after: 'restart', ms: 400 },
];

interface Meta {
  name: string;
  namespace: string;
  uid: string;
  deletionTimestamp?: string;
  ownerReferences?: Array<{ uid: string; kind: string; name: string; controller?: boolean }>;
  annotations?: Record<string, string>;
}
interface Pod {
  metadata: Meta;
  spec: { containers: Array<{ name: string; image: string }> };
  status: { phase?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ restartCount: number }> };
}
interface ReplicaSet {
  metadata: Meta;
  spec: { replicas: number };
  status: { replicas?: number; readyReplicas?: number; observedGeneration?: number };
}
interface Deployment {
  metadata: Meta;
  status: { replicas?: number; readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

const ready = (p: Pod): boolean => p.status.phase === 'Running' && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const controllerOf = (m: Meta): string | undefined => m.ownerReferences?.find((o) => o.controller)?.uid;

/** Pod uids of the runc containers that run now under the data dir's runtime. */
function runningContainerPods(dataDir: string): string[] {
  const root = join(dataDir, 'runtime');
  const listed = spawnSync('runc', ['--root', join(root, 'runc'), 'list', '--format', 'json'], { encoding: 'utf8' });
  const running = ((JSON.parse(listed.stdout || 'null') ?? []) as Array<{ id: string; status: string }>).filter((c) => c.status === 'running');
  return running.map((c) => {
    try {
      const meta = JSON.parse(readFileSync(join(root, 'containers', c.id, 'meta.json'), 'utf8')) as { sandboxId: string };
      const sb = JSON.parse(readFileSync(join(root, 'sandboxes', `${meta.sandboxId}.json`), 'utf8')) as { config: { uid: string; namespace: string; name: string } };
      return `${sb.config.namespace}/${sb.config.name}/${sb.config.uid}`;
    } catch {
      return `container ${c.id} without records`;
    }
  });
}

describe('chaos: two namespaces roll out while the server is killed -9 and restarted 10 times (real containers)', { skip: runtimeSkipReason() ?? false, timeout: 900_000 }, () => {
  let base: string;
  let dataDir: string;
  let c: TestCluster | undefined;
  let images: { dir: string } | { skip: string };
  let serverArgs: string[];
  let apiPort: number;
  let ingressPort: number;
  /** Every server run's output, for the diagnosis of a failure. */
  const logs: string[] = [];
  const started = Date.now();

  const start = async (): Promise<TestCluster> => {
    const cl = await startCluster({ dataDir, port: apiPort, extraArgs: serverArgs });
    logs.push('');
    const i = logs.length - 1;
    cl.proc.stdout!.on('data', (d: Buffer) => (logs[i] += d.toString()));
    cl.proc.stderr!.on('data', (d: Buffer) => (logs[i] += d.toString()));
    logs[i] = cl.log();
    return cl;
  };
  /** kubectl that must succeed, retried while a just-restarted server settles (bounded). */
  const k = (args: string[], timeoutMs = 30_000): Promise<string> =>
    eventually(async () => {
      const r = await c!.kubectl(args, { timeoutMs: 20_000 });
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout || ' ';
    }, timeoutMs, 250);
  const list = async <T,>(what: string, ns: string): Promise<T[]> => (JSON.parse(await k(['get', what, '-n', ns, '-o', 'json'])) as { items: T[] }).items;
  const tailOfLogs = (): string => logs.map((l, i) => `── server run ${i + 1} (last lines) ──\n${l.split('\n').slice(-25).join('\n')}`).slice(-3).join('\n');

  before(async () => {
    images = ensureTestImages();
    if ('skip' in images) return;
    cleanupNodeNetwork();
    base = mkdtempSync(join(tmpdir(), 'k8ts-chaos-'));
    dataDir = join(base, 'data');
    mkdirSync(dataDir);
    apiPort = await freePort();
    ingressPort = await freePort();
    serverArgs = ['--node-ip', '127.0.0.1', '--kubelet-port', String(await freePort()), '--ingress-http-port', String(ingressPort), '--ingress-https-port', String(await freePort())];
    c = await start();
    for (const img of ['nginx114', 'nginx118'] as const) {
      const r = spawnSync(process.execPath, [K8TS, 'image', 'load', testImagePath(img), '--data-dir', dataDir], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, `image load ${img}: ${r.stderr}`);
    }
  }, { timeout: 200_000 });

  after(async () => {
    if (!base) return;
    if (c) await c.stop('SIGKILL').catch(() => undefined);
    const keep = process.env.K8TS_CHAOS_LOGS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      logs.forEach((l, i) => writeFileSync(join(keep, `server-${i + 1}.log`), l));
      for (const f of ['state.db', 'state.db-wal']) if (existsSync(join(dataDir, f))) copyFileSync(join(dataDir, f), join(keep, f));
    }
    // `k8ts stop` removes the data dir's pods whether or not its server runs.
    spawnSync(process.execPath, [K8TS, 'stop', '--data-dir', dataDir], { encoding: 'utf8', timeout: 150_000 });
    if (existsSync(dataDir)) forceCleanupRuntime(dataDir);
    cleanupNodeNetwork();
    rmSync(base, { recursive: true, force: true });
  }, { timeout: 240_000 });

  it("the article's nginx runs in default and chaos-t2 with the same names and selector", { timeout: 240_000 }, async (t) => {
    if ('skip' in images) return t.skip(images.skip);
    await k(['create', 'namespace', 'chaos-t2']);
    for (const ns of NAMESPACES) await k(['apply', '-n', ns, '-f', join(SEED, 'nginx.yaml')]);
    for (const ns of NAMESPACES) await c!.k(['rollout', 'status', '-n', ns, 'deployment/nginx-dep', '--timeout=180s'], { timeoutMs: 190_000 });
    t.diagnostic(`both rolled out ${((Date.now() - started) / 1000).toFixed(0)} s after the test started`);
  });

  it('set image in both, 10 kills -9 and restarts during the rollouts', { timeout: 300_000 }, async (t) => {
    if (!c) return t.skip('no cluster');
    const chaosStart = Date.now();
    let setImages = 0;
    let maxLive = 0;
    let restartedAt = Date.now();
    for (const [i, kill] of KILLS.entries()) {
      if (kill.after === 'set-image' && setImages < NAMESPACES.length) {
        await k(['set', 'image', '-n', NAMESPACES[setImages++], 'deployment/nginx-dep', `nginx=${NEW_IMAGE}`]);
      }
      // After a restart the delay counts from the restart (the pod sample below takes part of it).
      const moment = kill.after === 'restart' ? restartedAt : Date.now();
      await sleep(Math.max(0, kill.ms - (Date.now() - moment)));
      const killedAfter = Date.now() - moment;
      const pid = c.proc.pid;
      await c.stop('SIGKILL');
      const t0 = Date.now();
      c = await start();
      restartedAt = Date.now();
      // Pods never multiply: a rolling update with maxSurge 1 holds at most 6 live pods per
      // Deployment at any moment, also right after a restart (the ReplicaSet controller acts on
      // synced caches only).
      const pods = (JSON.parse(await k(['get', 'pods', '-A', '-o', 'json'])) as { items: Pod[] }).items;
      const counts = NAMESPACES.map((ns) => {
        const inNs = pods.filter((p) => p.metadata.namespace === ns);
        const live = inNs.filter((p) => !p.metadata.deletionTimestamp).length;
        maxLive = Math.max(maxLive, live);
        return `${ns} ${live} live/${inNs.length - live} terminating`;
      });
      t.diagnostic(`kill ${i + 1}: ${killedAfter} ms after the ${kill.after} (pid ${pid}), restarted in ${restartedAt - t0} ms; pods: ${counts.join(', ')}`);
      assert.ok(maxLive <= 6, `more than 5 + maxSurge live pods in a namespace: ${counts.join(', ')}`);
    }
    // A kill list with fewer set-image moments than namespaces still rolls both.
    while (setImages < NAMESPACES.length) await k(['set', 'image', '-n', NAMESPACES[setImages++], 'deployment/nginx-dep', `nginx=${NEW_IMAGE}`]);
    t.diagnostic(`10 kills and restarts in ${((Date.now() - chaosStart) / 1000).toFixed(1)} s`);
  });

  it('both Deployments end with exactly 5 ready pods on the new image; no ReplicaSet counts the other namespace; no orphans; the Ingress answers', { timeout: 400_000 }, async (t) => {
    if (!c) return t.skip('no cluster');
    const settleStart = Date.now();
    try {
      for (const ns of NAMESPACES) {
        const r = await c.kubectl(['rollout', 'status', '-n', ns, 'deployment/nginx-dep', '--timeout=240s'], { timeoutMs: 250_000 });
        assert.equal(r.code, 0, `rollout status in ${ns}: ${r.stderr}${r.stdout}`);
      }
      t.diagnostic(`rollouts done ${((Date.now() - settleStart) / 1000).toFixed(1)} s after the last restart`);

      // The old pods terminate after the rollout: wait (bounded) until exactly 5 pods remain.
      const final = await eventually(async () => {
        const out: Record<string, { pods: Pod[]; rss: ReplicaSet[]; dep: Deployment }> = {};
        for (const ns of NAMESPACES) {
          const pods = await list<Pod>('pods', ns);
          if (pods.length !== 5 || !pods.every(ready)) return undefined;
          const dep = JSON.parse(await k(['get', 'deployment/nginx-dep', '-n', ns, '-o', 'json'])) as Deployment;
          if (dep.status.readyReplicas !== 5 || dep.status.availableReplicas !== 5 || dep.status.updatedReplicas !== 5 || dep.status.replicas !== 5) return undefined;
          out[ns] = { pods, rss: await list<ReplicaSet>('replicasets', ns), dep };
        }
        return out;
      }, 120_000, 1000);

      for (const ns of NAMESPACES) {
        const { pods, rss, dep } = final[ns];
        for (const p of pods) {
          assert.equal(p.metadata.deletionTimestamp, undefined, `${ns}/${p.metadata.name} is terminating`);
          assert.deepEqual(p.spec.containers.map((x) => x.image), [NEW_IMAGE], `${ns}/${p.metadata.name} runs the new image`);
        }
        // Every ReplicaSet is the Deployment's, and counts only its own live pods of its namespace.
        for (const rs of rss) {
          assert.equal(controllerOf(rs.metadata), dep.metadata.uid, `${ns}/${rs.metadata.name} is owned by ${ns}/nginx-dep`);
          const own = pods.filter((p) => controllerOf(p.metadata) === rs.metadata.uid && !p.metadata.deletionTimestamp);
          assert.equal(rs.status.replicas ?? 0, own.length, `${ns}/${rs.metadata.name}: status.replicas ${rs.status.replicas} for ${own.length} pods of its own`);
          assert.equal(rs.status.readyReplicas ?? 0, own.filter(ready).length, `${ns}/${rs.metadata.name}: readyReplicas`);
          assert.equal(rs.spec.replicas, own.length, `${ns}/${rs.metadata.name}: spec.replicas ${rs.spec.replicas}, ${own.length} pods`);
        }
        const current = rss.filter((rs) => rs.spec.replicas === 5);
        assert.equal(current.length, 1, `${ns}: one ReplicaSet holds the 5 replicas: ${rss.map((r) => `${r.metadata.name}=${r.spec.replicas}`)}`);
        for (const p of pods) assert.equal(controllerOf(p.metadata), current[0].metadata.uid, `${ns}/${p.metadata.name} belongs to the new ReplicaSet`);
        const restarts = pods.map((p) => p.status.containerStatuses?.reduce((n, x) => n + x.restartCount, 0) ?? 0);
        t.diagnostic(`${ns}: ${rss.map((r) => `${r.metadata.name} spec ${r.spec.replicas} status ${r.status.replicas ?? 0}`).join(', ')}; container restarts of its pods: ${restarts.join(', ')}`);
      }

      // No pod anywhere without a controller that exists in its namespace.
      const all = (JSON.parse(await k(['get', 'pods', '-A', '-o', 'json'])) as { items: Pod[] }).items;
      const allRs = (JSON.parse(await k(['get', 'replicasets', '-A', '-o', 'json'])) as { items: ReplicaSet[] }).items;
      for (const p of all) {
        const owner = controllerOf(p.metadata);
        assert.ok(owner, `${p.metadata.namespace}/${p.metadata.name} has no owner`);
        assert.ok(allRs.some((rs) => rs.metadata.uid === owner && rs.metadata.namespace === p.metadata.namespace), `${p.metadata.namespace}/${p.metadata.name}: its owner ${owner} is no ReplicaSet of its namespace`);
      }

      // No container runs for a pod that is gone: exactly one nginx per live pod (bounded wait for
      // the kubelet to finish tearing down the old pods' containers).
      const live = new Set(all.map((p) => `${p.metadata.namespace}/${p.metadata.name}/${p.metadata.uid}`));
      const running = await eventually(() => {
        const r = runningContainerPods(dataDir);
        return r.length === live.size && r.every((x) => live.has(x)) ? r : undefined;
      }, 60_000, 500).catch(() => runningContainerPods(dataDir));
      assert.deepEqual([...running].sort(), [...live].sort(), 'one running container per live pod, none else');

      // The Ingress (either namespace's: both have the same default backend) reaches an nginx.
      const body = await eventually(async () => {
        const b = await httpGet(`http://127.0.0.1:${ingressPort}/`, {}, 5000);
        return b.includes('Welcome to nginx!') ? b : undefined;
      }, 30_000, 500);
      assert.match(body, /Welcome to nginx!/);
      t.diagnostic(`settled ${((Date.now() - settleStart) / 1000).toFixed(1)} s after the last restart; the test ran ${((Date.now() - started) / 1000).toFixed(0)} s so far`);
    } catch (e) {
      t.diagnostic(tailOfLogs());
      throw e;
    }
  });
});
