// startServiceProxy end to end. (1) With the real in-process API server and informers, and a
// recording `apply` (no root needed): events → coalesced syncs → rules. (2) As root, in the
// kernel: two network namespaces on a test bridge run tiny TCP servers; a fake ClusterIP
// (10.199.41.10, outside the API server's service CIDR, so fed through a static informer
// factory) and a NodePort on 127.0.0.1 must reach both. Everything is named k8tst-* and removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { KObject } from '../api/types/index.js';
import type { InformerFactory } from '../client/controller-types.js';
import type { EventHandler, SharedInformer } from '../client/informer-types.js';
import { R } from '../client/resources.js';
import type { ResourceRef } from '../client/types.js';
import { startTestApi } from '../testing/test-api.js';
import { startServiceProxy } from './proxy.js';
import { StaticInformer } from '../client/testing/static-informer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('proxy follows Services and EndpointSlices from the API, coalescing bursts', async () => {
  const api = await startTestApi();
  const applied: string[] = [];
  const ac = new AbortController();
  try {
    const proxy = startServiceProxy({
      informers: api.informers, nodeName: 'n1', nodeIPs: ['127.0.0.1'], clusterCIDR: '10.42.0.0/16', signal: ac.signal,
      tableName: 'k8tst-unit', routeLocalnetInterfaces: [], log: () => undefined,
      apply: async (r) => void applied.push(r),
    });
    await proxy.ready;
    const svc = await api.client.create(R.services, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    const clusterIP = (svc.spec as { clusterIP: string }).clusterIP;
    await until('reject rule', () => proxy.lastApplied().includes(`${clusterIP} . tcp . 80 : goto reject-chain`));
    const before = applied.length;
    for (let i = 0; i < 5; i++) {
      await api.client.create(R.endpointslices, 'default', {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
        metadata: { name: `web-${i}`, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
        ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
        endpoints: [{ addresses: [`10.42.0.${i + 10}`], nodeName: 'n1', conditions: { ready: true, serving: true, terminating: false } }],
      });
    }
    await until('5 endpoints', () => proxy.lastApplied().includes('numgen random mod 5'));
    assert.ok(applied.length - before <= 3, `burst coalesced (${applied.length - before} applies)`);
    await proxy.stop();
    assert.match(applied[applied.length - 1], /^table ip k8tst-unit\ndelete table ip k8tst-unit\n$/);
  } finally {
    ac.abort();
    await api.stop();
  }
});

// ---- kernel integration (root + nft + ip) ----

function sh(cmd: string, args: string[], allowFailure = false): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0 && !allowFailure) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

function fetchLine(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    let data = '';
    s.setTimeout(2000, () => s.destroy());
    s.on('data', (d) => (data += d.toString()));
    s.on('close', () => resolve(data.trim() || 'FAIL'));
    s.on('error', () => undefined);
  });
}

const canRoot = process.getuid?.() === 0 && spawnSync('nft', ['--version']).status === 0 && spawnSync('ip', ['-V']).status === 0;

test('kernel: ClusterIP and 127.0.0.1 NodePort reach both endpoints', { skip: !canRoot && 'needs root, nft and ip' }, async () => {
  const BR = 'k8tst-pbr';
  const TABLE = 'k8tst-svc';
  const sysctls = ['/proc/sys/net/ipv4/conf/all/route_localnet', `/proc/sys/net/ipv4/conf/${BR}/route_localnet`];
  const saved = new Map<string, string>();
  const servers: ChildProcess[] = [];
  const ac = new AbortController();
  const cleanup = () => {
    for (const s of servers) s.kill('SIGKILL');
    sh('nft', ['delete', 'table', 'ip', TABLE], true);
    for (const [p, v] of saved) if (existsSync(p)) writeFileSync(p, v);
    for (const n of ['k8tst-p1', 'k8tst-p2']) sh('ip', ['netns', 'delete', n], true);
    sh('ip', ['link', 'delete', BR], true);
  };
  cleanup();
  try {
    sh('ip', ['link', 'add', BR, 'type', 'bridge']);
    sh('ip', ['addr', 'add', '10.199.40.1/24', 'dev', BR]);
    sh('ip', ['link', 'set', BR, 'up']);
    for (const p of sysctls) saved.set(p, readFileSync(p, 'utf8').trim());
    for (const i of [1, 2]) {
      const ns = `k8tst-p${i}`;
      sh('ip', ['netns', 'add', ns]);
      sh('ip', ['link', 'add', `k8tst-pv${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      sh('ip', ['link', 'set', `k8tst-pv${i}`, 'master', BR, 'up']);
      sh('bridge', ['link', 'set', 'dev', `k8tst-pv${i}`, 'hairpin', 'on'], true);
      sh('ip', ['-n', ns, 'addr', 'add', `10.199.40.1${i}/24`, 'dev', 'eth0']);
      sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', '10.199.40.1']);
      const srv = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', `require('net').createServer(s=>s.end('p${i}\\n')).listen(8080,()=>console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
      servers.push(srv);
      await new Promise<void>((res) => srv.stdout!.once('data', () => res()));
    }
    const nodePort = 30000 + Math.floor(Math.random() * 2700);
    const services = new StaticInformer([
      { metadata: { namespace: 'default', name: 'web', resourceVersion: '1' }, spec: { type: 'NodePort', clusterIP: '10.199.41.10', ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort }] } },
    ]);
    const slice = (ips: string[]): KObject => ({
      metadata: { namespace: 'default', name: 'web-x', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4',
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
      endpoints: ips.map((ip) => ({ addresses: [ip], nodeName: 'n1', conditions: { ready: true, serving: true, terminating: false } })),
    });
    const slices = new StaticInformer([slice([])]);
    const nodes = new StaticInformer([]);
    const informers: InformerFactory = {
      informerFor: <T extends KObject>(r: ResourceRef) =>
        (r === R.services ? services : r === R.endpointslices ? slices : nodes) as unknown as SharedInformer<T>,
    };
    const logs: string[] = [];
    const proxy = startServiceProxy({
      informers, nodeName: 'n1', nodeIPs: ['127.0.0.1'], clusterCIDR: '10.199.40.0/24', signal: ac.signal,
      tableName: TABLE, routeLocalnetInterfaces: [BR], log: (l) => logs.push(l),
    });
    await proxy.ready;
    assert.deepEqual(logs, []);
    // No endpoints yet: the ClusterIP rejects (RST) at once instead of timing out.
    const t0 = Date.now();
    assert.equal(await fetchLine('10.199.41.10', 80), 'FAIL');
    assert.ok(Date.now() - t0 < 1500, 'rejected, not dropped');

    slices.set([slice(['10.199.40.11', '10.199.40.12'])]);
    await until('rules with endpoints', () => proxy.lastApplied().includes('numgen random mod 2'));
    assert.equal(readFileSync(sysctls[0], 'utf8').trim(), '1');
    const seen = { cluster: new Set<string>(), node: new Set<string>() };
    for (let i = 0; i < 30 && (seen.cluster.size < 2 || seen.node.size < 2); i++) {
      seen.cluster.add(await fetchLine('10.199.41.10', 80));
      seen.node.add(await fetchLine('127.0.0.1', nodePort));
    }
    assert.deepEqual([...seen.cluster].sort(), ['p1', 'p2'], 'ClusterIP reaches both endpoints');
    assert.deepEqual([...seen.node].sort(), ['p1', 'p2'], 'NodePort on 127.0.0.1 reaches both endpoints');

    await proxy.stop();
    assert.notEqual(spawnSync('nft', ['list', 'table', 'ip', TABLE]).status, 0, 'table removed on stop');
    assert.deepEqual(logs, []);
  } finally {
    ac.abort();
    cleanup();
  }
});
