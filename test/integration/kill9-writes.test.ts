// Durability of the write path end to end (issue 18): 10 clients create objects over HTTPS as
// fast as the server takes them (so SQLite commits them in groups), the server is killed with
// SIGKILL mid-load, restarted on the same data dir, and every create that was answered 201 is
// there with the resourceVersion and uid it was answered with; new writes continue above them.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { startCluster } from '../helpers/cluster.js';
import { api, credsFromKubeconfig } from '../helpers/http.js';

const CLIENTS = 10;
const KILL_AFTER_ACKS = 1500;
const LOAD_LIMIT_MS = 60_000;

interface Acked {
  name: string;
  resourceVersion: string;
  uid: string;
}

it('every create answered before kill -9 of the server is there after the restart', { timeout: 180_000 }, async () => {
  const c1 = await startCluster({ extraArgs: ['--disable', 'controllers,scheduler,agent'] });
  let c2: Awaited<ReturnType<typeof startCluster>> | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    const creds = credsFromKubeconfig(c1.kubeconfig);
    const ns = await api(creds, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'k8ts-test-kill9' } }));
    assert.equal(ns.status, 201, ns.body);
    const acked: Acked[] = [];
    let killed = false;
    let inFlightAtKill = 0;
    let inFlight = 0;
    let seq = 0;
    const deadline = Date.now() + LOAD_LIMIT_MS;
    const client = async (): Promise<void> => {
      while (!killed && Date.now() < deadline) {
        const name = `k8ts-test-cm-${seq++}`;
        const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: name } });
        inFlight++;
        try {
          const r = await api(creds, 'POST', '/api/v1/namespaces/k8ts-test-kill9/configmaps', body, {}, { agent, timeoutMs: 20_000 });
          // A 201 read in full is an acknowledged create, even when it arrives after the kill.
          if (r.status === 201) {
            const o = r.json<{ metadata: { resourceVersion: string; uid: string } }>();
            acked.push({ name, resourceVersion: o.metadata.resourceVersion, uid: o.metadata.uid });
          } else if (!killed) {
            throw new Error(`create ${name}: ${r.status} ${r.body}`);
          }
        } catch (e) {
          if (!killed) throw e;
        } finally {
          inFlight--;
        }
        if (!killed && acked.length >= KILL_AFTER_ACKS) {
          killed = true;
          inFlightAtKill = inFlight;
          c1.proc.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, () => client()));
    assert.ok(killed, `the load reached only ${acked.length} acknowledged creates in ${LOAD_LIMIT_MS} ms`);
    assert.ok(inFlightAtKill > 0, 'the kill landed while creates were in flight');
    await c1.stop();

    c2 = await startCluster({ dataDir: c1.dataDir, port: c1.port, extraArgs: ['--disable', 'controllers,scheduler,agent'] });
    const creds2 = credsFromKubeconfig(c2.kubeconfig);
    const list = await api(creds2, 'GET', '/api/v1/namespaces/k8ts-test-kill9/configmaps', undefined, {}, { timeoutMs: 30_000 });
    assert.equal(list.status, 200, list.body);
    const stored = new Map<string, { resourceVersion: string; uid: string }>();
    for (const o of list.json<{ items: Array<{ metadata: { name: string; resourceVersion: string; uid: string } }> }>().items) stored.set(o.metadata.name, o.metadata);
    const lost = acked.filter((a) => stored.get(a.name)?.resourceVersion !== a.resourceVersion || stored.get(a.name)?.uid !== a.uid);
    assert.deepEqual(lost.slice(0, 5), [], `${lost.length} of ${acked.length} acknowledged creates lost or changed`);
    assert.ok(stored.size >= acked.length);
    // Revisions continue above every acknowledged one: none is handed out twice.
    const maxAcked = Math.max(...acked.map((a) => Number(a.resourceVersion)));
    const next = await api(creds2, 'POST', '/api/v1/namespaces/k8ts-test-kill9/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'k8ts-test-after' } }));
    assert.equal(next.status, 201, next.body);
    assert.ok(Number(next.json().metadata.resourceVersion) > maxAcked);
  } finally {
    agent.destroy();
    await c1.stop();
    if (c2) await c2.stop();
    c1.cleanup();
  }
});
