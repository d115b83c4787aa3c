// Embedded etcd with the real kubectl and etcd: --cluster-init, a second server joining as a
// member, the supervisor restarting a killed member, quorum loss answered with 5xx (not a
// hang) and recovered, member removal, and etcd-snapshot save / wipe / restore. Simulated
// runtime, random ports on 127.0.0.1: no host lock needed.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { K8TS, eventually, freePort, startCluster, type TestCluster } from '../helpers/cluster.js';
import { haveEtcd } from '../../src/storage/testing/etcd-process.js';

const skip = haveEtcd() && existsSync('/usr/bin/etcdctl') ? false : 'needs /usr/bin/etcd and /usr/bin/etcdctl (Debian etcd-server, etcd-client)';

function k8ts(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [K8TS, ...args], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

function etcdctl(dataDir: string, args: string[]): Promise<string> {
  const id = JSON.parse(readFileSync(join(dataDir, 'etcd', 'member.json'), 'utf8')) as { clientURL: string };
  const tls = join(dataDir, 'tls');
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/etcdctl', ['--endpoints', id.clientURL, '--cacert', join(tls, 'server-ca.crt'), '--cert', join(tls, 'etcd', 'client.crt'), '--key', join(tls, 'etcd', 'client.key'), ...args], { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 15_000 }, (err, stdout, stderr) => (err ? reject(new Error(`etcdctl ${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
  });
}

/** The pid of the etcd child of a server, by its member name. */
function memberPid(dataDir: string): Promise<number> {
  const name = (JSON.parse(readFileSync(join(dataDir, 'etcd', 'member.json'), 'utf8')) as { name: string }).name;
  return new Promise((resolve, reject) => {
    execFile('pgrep', ['-f', `etcd --name ${name} `], (err, stdout) => (err ? reject(new Error(`no etcd process for ${name}`)) : resolve(Number(stdout.trim().split('\n')[0]))));
  });
}

const names = (out: string): string[] => out.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!);

it('embedded etcd: cluster-init, join, member restart, quorum loss, remove, snapshot restore', { skip, timeout: 300_000 }, async () => {
  const clusters: TestCluster[] = [];
  const embedded = async (extra: string[], dataDir?: string, port?: number, ports?: string[]): Promise<{ c: TestCluster; ports: string[] }> => {
    const p = ports ?? [String(await freePort()), String(await freePort())];
    const c = await startCluster({
      ...(dataDir ? { dataDir } : {}),
      ...(port ? { port } : {}),
      extraArgs: ['--runtime', 'simulated', '--simulated-nodes', '0', '--etcd-client-port', p[0]!, '--etcd-peer-port', p[1]!, ...extra],
    });
    clusters.push(c);
    return { c, ports: p };
  };
  try {
    const { c: a, ports: aPorts } = await embedded(['--cluster-init']);
    await a.k(['create', 'namespace', 'k8ts-test-emb']);
    await a.k(['create', 'configmap', 'first', '-n', 'k8ts-test-emb', '--from-literal=a=1']);
    const keys = await etcdctl(a.dataDir, ['get', '--prefix', '/registry', '--keys-only']);
    assert.match(keys, /^\/registry\/core\/configmaps\/k8ts-test-emb\/first$/m);

    // A second server joins with the server token; it serves the same objects with the same CA.
    const token = readFileSync(join(a.dataDir, 'server-token'), 'utf8').trim();
    const { c: b } = await embedded(['--server', a.url, '--token', token]);
    assert.match(await b.k(['get', 'configmaps', '-n', 'k8ts-test-emb', '-o', 'name']), /configmap\/first/);
    await b.k(['create', 'configmap', 'second', '-n', 'k8ts-test-emb']);
    await eventually(async () => (await a.k(['get', 'configmap', 'second', '-n', 'k8ts-test-emb', '-o', 'name'])).includes('second'), 15_000);
    assert.equal(readFileSync(join(b.dataDir, 'tls', 'server-ca.crt'), 'utf8'), readFileSync(join(a.dataDir, 'tls', 'server-ca.crt'), 'utf8'));
    const members = names((await k8ts(['etcd-member', 'list', '--data-dir', a.dataDir])).stdout);
    assert.equal(members.length, 2);
    const bName = (JSON.parse(readFileSync(join(b.dataDir, 'etcd', 'member.json'), 'utf8')) as { name: string }).name;
    assert.ok(members.includes(bName));

    // A wrong token is refused with a plain message.
    const bad = await k8ts(['server', '--server', a.url, '--token', token.replace(/server:.*/, 'server:0123456789abcdef'), '--data-dir', join(b.dataDir, 'x'), '--runtime', 'simulated', '--port', String(await freePort())]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /refused the join \(401\)/);

    // kill -9 of a's etcd member: the supervisor starts it again and a keeps serving.
    const pid = await memberPid(a.dataDir);
    process.kill(pid, 'SIGKILL');
    await eventually(async () => (await memberPid(a.dataDir)) !== pid, 20_000);
    await eventually(async () => (await a.kubectl(['create', 'configmap', 'after-member-kill', '-n', 'k8ts-test-emb'])).code === 0 || undefined, 30_000, 500);

    // Quorum loss (b's server and member killed; 1 of 2 members left): writes answer a 5xx
    // Status instead of hanging, and succeed once b is back.
    const bPid = await memberPid(b.dataDir);
    await b.stop('SIGKILL');
    process.kill(bPid, 'SIGKILL');
    const t0 = Date.now();
    const lost = await a.kubectl(['create', 'configmap', 'during-loss', '-n', 'k8ts-test-emb'], { timeoutMs: 60_000 });
    assert.notEqual(lost.code, 0);
    assert.match(lost.stderr, /Internal error|InternalError|etcd|unavailable|timed out/i);
    assert.ok(Date.now() - t0 < 45_000, `write answered after ${Date.now() - t0} ms`);
    const b2 = (await embedded([], b.dataDir, b.port)).c;
    await eventually(async () => (await a.kubectl(['create', 'configmap', 'after-loss', '-n', 'k8ts-test-emb'])).code === 0 || undefined, 60_000, 500);
    assert.match(await b2.k(['get', 'configmaps', '-n', 'k8ts-test-emb', '-o', 'name']), /configmap\/after-loss/);

    // Removing b's member (then stopping b): a alone is a whole cluster again.
    // etcd refuses a removal until the remaining members have been connected for a while.
    let removed = await k8ts(['etcd-member', 'remove', bName, '--data-dir', a.dataDir]);
    for (let i = 0; removed.code !== 0 && i < 20; i++) {
      assert.match(removed.stderr, /^k8ts: etcd refused to remove member .*: make sure the other members run, then try again$/m);
      await new Promise((r) => setTimeout(r, 1000));
      removed = await k8ts(['etcd-member', 'remove', bName, '--data-dir', a.dataDir]);
    }
    assert.equal(removed.code, 0, removed.stderr);
    await b2.stop();
    assert.deepEqual(names((await k8ts(['etcd-member', 'list', '--data-dir', a.dataDir])).stdout).length, 1);
    await eventually(async () => (await a.kubectl(['create', 'configmap', 'alone', '-n', 'k8ts-test-emb'])).code === 0 || undefined, 30_000, 500);

    // Snapshot, a later write, stop, restore (the later write is gone, the rest is back).
    const snap = join(a.dataDir, 'k8ts-test-snapshot.db');
    const saved = await k8ts(['etcd-snapshot', 'save', snap, '--data-dir', a.dataDir]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, /snapshot saved to .*k8ts-test-snapshot\.db/);
    await a.k(['create', 'configmap', 'after-snapshot', '-n', 'k8ts-test-emb']);
    const refused = await k8ts(['etcd-snapshot', 'restore', snap, '--data-dir', a.dataDir]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /is running: stop the server first/);
    await a.stop();
    const restored = await k8ts(['etcd-snapshot', 'restore', snap, '--data-dir', a.dataDir]);
    assert.equal(restored.code, 0, restored.stderr);
    const a2 = (await embedded(['--cluster-init'], a.dataDir, a.port, aPorts)).c;
    const after = await a2.k(['get', 'configmaps', '-n', 'k8ts-test-emb', '-o', 'name']);
    assert.match(after, /configmap\/first\n/);
    assert.match(after, /configmap\/alone\n/);
    assert.doesNotMatch(after, /after-snapshot/);
    assert.equal(names((await k8ts(['etcd-member', 'list', '--data-dir', a.dataDir])).stdout).length, 1);
  } finally {
    for (const c of clusters) await c.stop().catch(() => undefined);
    for (const d of new Set(clusters.map((c) => c.dataDir))) clusters.find((c) => c.dataDir === d)!.cleanup();
  }
});
