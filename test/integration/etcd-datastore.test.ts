// k8ts on a real etcd (--datastore etcd://), driven by the real kubectl: objects, watches,
// keys laid out as upstream (/registry/...), two API servers on one etcd, restart and kill -9
// of everything. Simulated runtime, random ports: no host lock needed.
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { KUBECTL, eventually, startCluster, type TestCluster } from '../helpers/cluster.js';
import { haveEtcd, startTestEtcd } from '../../src/storage/testing/etcd-process.js';

const skip = haveEtcd() ? false : 'no /usr/bin/etcd (Debian etcd-server)';
const ETCDCTL = '/usr/bin/etcdctl';

function etcdctl(endpoint: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(ETCDCTL, ['--endpoints', endpoint, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 15_000 }, (err, stdout, stderr) => (err ? reject(new Error(`etcdctl ${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
  });
}

const serverArgs = ['--runtime', 'simulated', '--simulated-nodes', '0'];

it('k8ts on etcd: kubectl create/get/watch, /registry keys, two servers, restart and kill -9', { skip, timeout: 240_000 }, async () => {
  const etcd = await startTestEtcd();
  const clusters: TestCluster[] = [];
  const start = async (dataDir?: string, port?: number): Promise<TestCluster> => {
    const c = await startCluster({ datastore: etcd.spec, extraArgs: serverArgs, ...(dataDir ? { dataDir } : {}), ...(port ? { port } : {}) });
    clusters.push(c);
    return c;
  };
  try {
    const a = await start();
    await a.k(['create', 'namespace', 'k8ts-test-etcd']);
    await a.k(['create', 'configmap', 'one', '-n', 'k8ts-test-etcd', '--from-literal=a=1']);

    // A kubectl watch sees a later create.
    const watch = spawn(KUBECTL, ['get', 'configmaps', '-n', 'k8ts-test-etcd', '--watch', '-o', 'name'], { env: { ...process.env, KUBECONFIG: a.kubeconfig, HOME: a.dataDir } });
    let watched = '';
    watch.stdout.on('data', (d: Buffer) => (watched += d.toString()));
    try {
      await eventually(() => watched.includes('configmap/one'), 15_000);
      await a.k(['create', 'configmap', 'two', '-n', 'k8ts-test-etcd', '--from-literal=b=2']);
      await eventually(() => watched.includes('configmap/two'), 15_000);
    } finally {
      watch.kill();
    }

    // Keys as upstream lays them out, visible to etcd's own client.
    if (existsSync(ETCDCTL)) {
      const keys = (await etcdctl(etcd.clientUrl, ['get', '--prefix', '/registry', '--keys-only'])).split('\n').filter(Boolean);
      assert.ok(keys.includes('/registry/core/configmaps/k8ts-test-etcd/one'), keys.join('\n'));
      assert.ok(keys.includes('/registry/core/namespaces/k8ts-test-etcd'), keys.join('\n'));
    }

    // A second API server on the same etcd serves the same objects, and writes go both ways.
    const b = await start();
    assert.match(await b.k(['get', 'configmaps', '-n', 'k8ts-test-etcd', '-o', 'name']), /configmap\/one\nconfigmap\/two/);
    await b.k(['create', 'configmap', 'three', '-n', 'k8ts-test-etcd', '--from-literal=c=3']);
    await eventually(async () => (await a.k(['get', 'configmaps', '-n', 'k8ts-test-etcd', '-o', 'name'])).includes('configmap/three'), 15_000);
    const rvA = JSON.parse(await a.k(['get', 'configmap', 'three', '-n', 'k8ts-test-etcd', '-o', 'json'])).metadata.resourceVersion;
    const rvB = JSON.parse(await b.k(['get', 'configmap', 'three', '-n', 'k8ts-test-etcd', '-o', 'json'])).metadata.resourceVersion;
    assert.equal(rvA, rvB);
    // Optimistic concurrency across servers: an update with a stale resourceVersion is refused.
    await a.k(['label', 'configmap', 'three', '-n', 'k8ts-test-etcd', 'x=1']);
    const stale = await b.kubectl(['label', 'configmap', 'three', '-n', 'k8ts-test-etcd', 'y=1', `--resource-version=${rvB}`]);
    assert.notEqual(stale.code, 0);
    assert.match(stale.stderr, /the object has been modified/);

    // Clean restart of one server: everything is back.
    await b.stop();
    const before = JSON.parse(await a.k(['get', 'configmap', 'one', '-n', 'k8ts-test-etcd', '-o', 'json']));
    const b2 = await start(b.dataDir, b.port);
    const again = JSON.parse(await b2.k(['get', 'configmap', 'one', '-n', 'k8ts-test-etcd', '-o', 'json']));
    assert.equal(again.metadata.uid, before.metadata.uid);
    assert.equal(again.metadata.resourceVersion, before.metadata.resourceVersion);

    // kill -9 everything (both servers and etcd), start again: every object is back.
    await a.stop('SIGKILL');
    await b2.stop('SIGKILL');
    await etcd.kill();
    await etcd.restart();
    const a2 = await start(a.dataDir, a.port);
    assert.equal(await a2.k(['get', 'configmaps', '-n', 'k8ts-test-etcd', '-o', 'name']), 'configmap/kube-root-ca.crt\nconfigmap/one\nconfigmap/three\nconfigmap/two\n');
    const after = JSON.parse(await a2.k(['get', 'configmap', 'three', '-n', 'k8ts-test-etcd', '-o', 'json']));
    assert.equal(after.metadata.labels.x, '1');
    await a2.k(['create', 'configmap', 'four', '-n', 'k8ts-test-etcd']);
  } finally {
    for (const c of clusters) {
      await c.stop('SIGKILL').catch(() => undefined);
    }
    for (const c of new Set(clusters.map((c) => c.dataDir))) {
      clusters.find((x) => x.dataDir === c)!.cleanup();
    }
    await etcd.stop();
  }
});

it('k8ts server says what to do when etcd is unreachable', { skip, timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'k8ts-test-'));
  try {
    await assert.rejects(startCluster({ dataDir, datastore: 'etcd://127.0.0.1:1', extraArgs: serverArgs }), (e: unknown) => {
      assert.match((e as Error).message, /k8ts: cannot reach etcd at http:\/\/127\.0\.0\.1:1 \(.*\): start etcd there or fix --datastore\n/);
      return true;
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
