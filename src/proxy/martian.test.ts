// issue 14 / CVE-2020-8558: route_localnet=1 (on the pod bridge, and on `all` while NodePorts
// exist) makes the kernel accept packets to 127.0.0.0/8 from non-loopback interfaces, so a pod
// (or anything on the bridge's link) could reach services the node binds to 127.0.0.1. As
// root, in the kernel: a network namespace on a test bridge routes 127.0.0.0/8 to the node
// and connects to a TCP server on the node's 127.0.0.1. Without rules it gets the server's
// answer (the hole is real, so the test can fail); with the pod network's nat table, and with
// the service proxy's table, it gets nothing; a NodePort on 127.0.0.1 (DNAT'ed) still works, and
// the proxy restores route_localnet on stop. Everything is named k8tst-m* and removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import type { KObject } from '../api/types/index.js';
import type { InformerFactory } from '../client/controller-types.js';
import type { SharedInformer } from '../client/informer-types.js';
import { R } from '../client/resources.js';
import type { ResourceRef } from '../client/types.js';
import { StaticInformer } from '../client/testing/static-informer.js';
import { renderNatTable } from '../runtime/network/hostport-nft.js';
import { startServiceProxy } from './proxy.js';

const canRoot = process.getuid?.() === 0 && spawnSync('nft', ['--version']).status === 0 && spawnSync('ip', ['-V']).status === 0;

function sh(cmd: string, args: string[], opts: { allowFailure?: boolean; input?: string } = {}): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input });
  if (r.status !== 0 && !opts.allowFailure) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** What a TCP client in the namespace reads from host:port ('FAIL' when nothing comes back within 1.5 s). */
function fetchFromNs(ns: string, host: string, port: number): Promise<string> {
  const script = `const s=require('net').connect(${port},'${host}');let d='';s.setTimeout(1500,()=>s.destroy());s.on('data',c=>d+=c);s.on('close',()=>{process.stdout.write(d.trim()||'FAIL');process.exit(0)});s.on('error',()=>{})`;
  return new Promise((resolve) => {
    // Asynchronous: the node-side server runs in this process and must keep accepting.
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => {
      clearTimeout(killer);
      resolve(out || 'FAIL');
    });
  });
}

function fetchLocal(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    let data = '';
    s.setTimeout(1500, () => s.destroy());
    s.on('data', (d) => (data += d.toString()));
    s.on('close', () => resolve(data.trim() || 'FAIL'));
    s.on('error', () => undefined);
  });
}

test('kernel: a pod sending to the node\'s 127.0.0.1 over the bridge gets nothing; NodePort on 127.0.0.1 still works', { skip: !canRoot && 'needs root, nft and ip', timeout: 60_000 }, async () => {
  const BR = 'k8tst-mbr';
  const NS = 'k8tst-m1';
  const NAT = 'k8tst-mnat';
  const SVC = 'k8tst-msvc';
  const ALL = '/proc/sys/net/ipv4/conf/all/route_localnet';
  const brSysctl = `/proc/sys/net/ipv4/conf/${BR}/route_localnet`;
  const savedAll = readFileSync(ALL, 'utf8').trim();
  const procs: ChildProcess[] = [];
  let secret: Server | undefined;
  const ac = new AbortController();
  const cleanup = (): void => {
    for (const p of procs) p.kill('SIGKILL');
    secret?.close();
    for (const t of [NAT, SVC]) sh('nft', ['delete', 'table', 'ip', t], { allowFailure: true });
    writeFileSync(ALL, savedAll);
    sh('ip', ['netns', 'delete', NS], { allowFailure: true });
    sh('ip', ['link', 'delete', BR], { allowFailure: true });
  };
  cleanup();
  try {
    sh('ip', ['link', 'add', BR, 'type', 'bridge']);
    sh('ip', ['addr', 'add', '10.199.42.1/24', 'dev', BR]);
    sh('ip', ['link', 'set', BR, 'up']);
    writeFileSync(brSysctl, '1'); // as the pod network sets it (bridge.ts)
    sh('ip', ['netns', 'add', NS]);
    sh('ip', ['link', 'add', 'k8tst-mv1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS]);
    sh('ip', ['link', 'set', 'k8tst-mv1', 'master', BR, 'up']);
    sh('ip', ['-n', NS, 'addr', 'add', '10.199.42.11/24', 'dev', 'eth0']);
    sh('ip', ['-n', NS, 'link', 'set', 'eth0', 'up']);
    // The hostile pod: lo stays down (no local 127/8 routes) and 127.0.0.0/8 goes to the node.
    sh('ip', ['netns', 'exec', NS, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet; echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet']);
    sh('ip', ['-n', NS, 'route', 'add', '127.0.0.0/8', 'via', '10.199.42.1', 'dev', 'eth0']);
    sh('ip', ['-n', NS, 'route', 'add', 'default', 'via', '10.199.42.1']);
    // A pod-side backend for the NodePort.
    const backend = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', `require('net').createServer(s=>s.end('backend\\n')).listen(8080,'10.199.42.11',()=>console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    procs.push(backend);
    await new Promise<void>((res) => backend.stdout!.once('data', () => res()));
    // The node's loopback-only service.
    secret = createServer((s) => s.end('secret\n'));
    await new Promise<void>((res) => secret!.listen(0, '127.0.0.1', () => res()));
    const port = (secret.address() as { port: number }).port;

    assert.equal(await fetchFromNs(NS, '127.0.0.1', port), 'secret', 'without the rule, the pod reaches the node\'s 127.0.0.1 (the hole)');

    sh('nft', ['-f', '-'], { input: renderNatTable(NAT, '10.199.42.0/24', BR) });
    assert.equal(await fetchFromNs(NS, '127.0.0.1', port), 'FAIL', 'the pod network\'s nat table drops it');
    sh('nft', ['delete', 'table', 'ip', NAT]);
    assert.equal(await fetchFromNs(NS, '127.0.0.1', port), 'secret', 'and only the rule did');

    const nodePort = 30000 + Math.floor(Math.random() * 2700);
    const services = new StaticInformer([
      { metadata: { namespace: 'default', name: 'web', resourceVersion: '1' }, spec: { type: 'NodePort', clusterIP: '10.199.43.10', ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort }] } },
    ]);
    const slices = new StaticInformer([{
      metadata: { namespace: 'default', name: 'web-x', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4',
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
      endpoints: [{ addresses: ['10.199.42.11'], nodeName: 'n1', conditions: { ready: true, serving: true, terminating: false } }],
    } as KObject]);
    const nodes = new StaticInformer([]);
    const informers: InformerFactory = {
      informerFor: <T extends KObject>(r: ResourceRef) => (r === R.services ? services : r === R.endpointslices ? slices : nodes) as unknown as SharedInformer<T>,
    };
    writeFileSync(ALL, '0');
    const logs: string[] = [];
    const proxy = startServiceProxy({
      informers, nodeName: 'n1', nodeIPs: ['127.0.0.1'], clusterCIDR: '10.199.42.0/24', signal: ac.signal,
      tableName: SVC, routeLocalnetInterfaces: [BR], log: (l) => logs.push(l),
    });
    await proxy.ready;
    assert.deepEqual(logs, []);
    assert.equal(readFileSync(ALL, 'utf8').trim(), '1', 'route_localnet on all while a NodePort exists');
    assert.equal(await fetchFromNs(NS, '127.0.0.1', port), 'FAIL', 'the proxy table drops it too');
    assert.equal(await fetchLocal('127.0.0.1', nodePort), 'backend', 'NodePort on 127.0.0.1 (DNAT\'ed) still works');
    await proxy.stop();
    assert.equal(readFileSync(ALL, 'utf8').trim(), '0', 'route_localnet on all restored on stop');
    assert.notEqual(spawnSync('nft', ['list', 'table', 'ip', SVC]).status, 0, 'table removed on stop');
  } finally {
    ac.abort();
    cleanup();
  }
});
