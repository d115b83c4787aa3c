// Issue "A control plane that nothing can freeze": a controller that spins forever (the test-only
// hook K8TS_TEST_SPIN_CONTROLLER, src/server/test-hooks.ts) stalls only its own loop. With the real
// node running — on the main loop (the default) and on a loop of its own (--node-loop separate) —
// the API server keeps answering (GET p99 under 50 ms), cluster DNS keeps answering, and the
// stall shows in /metrics and in `k8ts status`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request, Agent } from 'node:https';
import { promises as dns } from 'node:dns';
import { parse as parseYaml } from 'yaml';
import { startCluster, eventually, freePort, K8TS, type TestCluster } from '../helpers/cluster.js';
import { cleanupNodeNetwork, forceCleanupRuntime, runtimeSkipReason } from '../helpers/node.js';

const skip = runtimeSkipReason();
let c: TestCluster;
let agent: Agent;

interface Kubeconfig {
  clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
  users: Array<{ user: { 'client-certificate-data': string; 'client-key-data': string } }>;
}

function get(path: string): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, c.url), { agent, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function start(nodeLoop: 'shared' | 'separate'): Promise<void> {
  cleanupNodeNetwork();
  c = await startCluster({
    env: { K8TS_TEST_SPIN_CONTROLLER: '1' },
    extraArgs: ['--node-loop', nodeLoop, '--node-ip', '127.0.0.1', '--kubelet-port', String(await freePort()), '--ingress-http-port', String(await freePort()), '--ingress-https-port', String(await freePort())],
  });
  const kc = parseYaml(readFileSync(c.kubeconfig, 'utf8')) as Kubeconfig;
  const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
  agent = new Agent({ keepAlive: true, ca: b64(kc.clusters[0].cluster['certificate-authority-data']), cert: b64(kc.users[0].user['client-certificate-data']), key: b64(kc.users[0].user['client-key-data']) });
}

async function stop(): Promise<void> {
  agent?.destroy();
  if (!c) return;
  await c.stop();
  forceCleanupRuntime(c.dataDir);
  cleanupNodeNetwork();
  c.cleanup();
}

for (const nodeLoop of ['shared', 'separate'] as const) {
  describe(`a spinning controller (--node-loop ${nodeLoop})`, { skip: skip ?? false, timeout: 120_000 }, () => {
    before(() => start(nodeLoop));
    after(() => stop());
    it('stalls only its own loop: the API and DNS answer, /metrics and k8ts status show the stall', async () => {
      await eventually(async () => / Ready /.test(await c.k(['get', 'nodes', '--no-headers'])), 30_000);
      const resolver = new dns.Resolver({ timeout: 1000, tries: 1 });
      resolver.setServers(['10.42.0.1']);
      assert.deepEqual(await eventually(() => resolver.resolve4('kubernetes.default.svc.cluster.local').catch(() => undefined), 20_000), ['10.43.0.1']);

      await c.k(['create', 'configmap', 'k8ts-test-spin']);
      const metrics = await eventually(async () => {
        const m = await get('/metrics');
        return /k8ts_loop_stalled\{loop="controllers"\} 1/.test(m.body) && m.body;
      }, 20_000);
      if (nodeLoop === 'separate') assert.match(metrics, /k8ts_loop_stalled\{loop="node"\} 0/);
      else assert.doesNotMatch(metrics, /loop="node"/);
      const lag = Number(/k8ts_event_loop_lag_seconds\{loop="controllers"\} (\S+)/.exec(metrics)?.[1]);
      assert.ok(lag >= 2, `controllers lag ${lag} s`);

      // The API server: 300 GETs, one at a time, while the controllers' loop spins.
      const times: number[] = [];
      for (let i = 0; i < 300; i++) {
        const r = await get('/api/v1/namespaces/default/configmaps/k8ts-test-spin');
        assert.equal(r.status, 200);
        times.push(r.ms);
      }
      times.sort((a, b) => a - b);
      const p99 = times[Math.floor(times.length * 0.99) - 1];
      assert.ok(p99 < 50, `GET p99 ${p99.toFixed(1)} ms while a controller spins`);

      // Cluster DNS still answers, and so does the real kubectl.
      assert.deepEqual(await resolver.resolve4('kubernetes.default.svc.cluster.local'), ['10.43.0.1']);
      assert.match(await c.k(['get', 'configmap', 'k8ts-test-spin', '-o', 'name']), /configmap\/k8ts-test-spin/);

      const status = spawnSync(process.execPath, [K8TS, 'status', '--data-dir', c.dataDir], { encoding: 'utf8', timeout: 20_000 });
      const loops = nodeLoop === 'separate' ? /loops: +main \d+ ms, controllers [\d.]+ s STALLED, node \d+ ms/ : /loops: +main \d+ ms, controllers [\d.]+ s STALLED$/m;
      assert.match(status.stdout, loops, status.stdout + status.stderr);
    });
  });
}
