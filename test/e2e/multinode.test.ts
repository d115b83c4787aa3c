// Issue "The k8ts command … agents joining, multi-node networking": three machines made of
// network namespaces on one bridge (test/helpers/hosts.ts): `k8ts server` in k8tsmn-h0, two
// `k8ts agent`s joining with the server's token in k8tsmn-h1 and k8tsmn-h2. The real kubectl
// (run inside h0) drives it; traffic crosses nodes through host-gw routes and the nft proxy.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, KUBECTL, K8TS, SEED } from '../helpers/cluster.js';
import { cleanupCgroups, forceCleanupRuntime, runtimeSkipReason } from '../helpers/node.js';
import { createHosts, hostsSkipReason, type Host, type Hosts } from '../helpers/hosts.js';
import { ensureTestImages } from '../../src/runtime/images/testing/index.js';
import { whoami } from '../helpers/manifests.js';

const skip = runtimeSkipReason() ?? hostsSkipReason();
let hosts: Hosts;
let base = '';
const dirs: string[] = [];
const procs: Array<ChildProcess | undefined> = [];
let images: { dir: string } | { skip: string } = { skip: 'not built' };

const h = (i: number): Host => hosts.hosts[i];
const kubeconfig = (): string => join(dirs[0], 'kubeconfig.yaml');

/** kubectl inside the server's host (its kubeconfig points at 127.0.0.1 there). */
function k(args: string[], input?: string): string {
  const r = hosts.run(h(0), KUBECTL, ['--kubeconfig', kubeconfig(), ...args], { input, timeoutMs: 150_000 });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}
const json = (args: string[]): any => JSON.parse(k([...args, '-o', 'json']));

/** GET from inside a host with busybox wget; the body, or undefined on failure. */
function wget(from: Host, url: string): string | undefined {
  const r = hosts.run(from, '/bin/busybox', ['wget', '-q', '-O', '-', url], { timeoutMs: 10_000 });
  return r.status === 0 ? r.stdout : undefined;
}

function startNode(i: number, args: string[]): ChildProcess {
  const log = openSync(join(base, `h${i}.log`), 'a');
  return hosts.spawn(h(i), process.execPath, [K8TS, ...args], { stdio: ['ignore', log, log] });
}

function loadImages(i: number): void {
  if ('skip' in images) return;
  for (const f of readdirSync(images.dir).filter((x) => x.endsWith('.tar'))) {
    const r: { status: number | null; stderr: string } = spawnSync(process.execPath, [K8TS, "image", "load", join(images.dir, f), "--data-dir", dirs[i]], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
  }
}

function startAgent(i: number): ChildProcess {
  const token = readFileSync(join(dirs[0], 'node-token'), 'utf8').trim();
  return startNode(i, ['agent', '--server', `https://${h(0).ip}:6443`, '--token', token, '--data-dir', dirs[i], '--node-name', h(i).name, '--node-ip', h(i).ip]);
}

const stopped = (p: ChildProcess | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (!p || p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
  });

const nodeOf = (pods: any[], name: string): string => pods.find((p) => p.metadata.name === name)?.spec.nodeName;
const readyPods = (selector: string): any[] =>
  json(['get', 'pods', '-l', selector]).items.filter((p: any) => !p.metadata.deletionTimestamp && p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));

before(async () => {
  if (skip) return;
  images = ensureTestImages();
  if ('skip' in images) return;
  hosts = createHosts('k8tsmn', 3);
  base = mkdtempSync('/tmp/k8ts-multinode-');
  for (let i = 0; i < 3; i++) dirs.push(join(base, `h${i}`));
  // A short grace period (the kubelet renews its Lease every 10 s) so a killed agent's node
  // turns NotReady within the test's patience.
  procs[0] = startNode(0, ['server', '--data-dir', dirs[0], '--node-name', h(0).name, '--node-ip', h(0).ip, '--node-monitor-grace-period', '15']);
  await eventually(() => existsSync(join(dirs[0], 'node-token')) && existsSync(join(dirs[0], 'images.sock')), 30_000);
  loadImages(0);
  for (const i of [1, 2]) procs[i] = startAgent(i);
  for (const i of [1, 2]) {
    await eventually(() => existsSync(join(dirs[i], 'images.sock')), 30_000);
    loadImages(i);
  }
});

after(async () => {
  if (!hosts) return;
  try {
    k(['delete', 'deploy,svc,ing', '--all', '--wait=true', '--timeout=60s']);
  } catch {
    /* the cluster may be half down after a failure: the clean-up below still runs */
  }
  for (const p of procs) p?.kill('SIGTERM');
  await Promise.all(procs.map(stopped));
  for (const d of dirs) forceCleanupRuntime(d);
  hosts.destroy();
  cleanupCgroups();
  rmSync(base, { recursive: true, force: true });
});

describe('three nodes: a server and two agents in network namespaces', { skip: skip ?? false }, () => {
  it('agents join with the token; every node is Ready with its own pod CIDR', { timeout: 300_000 }, async (t) => {
    if ('skip' in images) return t.skip(images.skip);
    const nodes = await eventually(() => {
      const items = json(['get', 'nodes']).items;
      return items.length === 3 && items.every((n: any) => n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True')) && items;
    }, 30_000);
    const cidrs = Object.fromEntries(nodes.map((n: any) => [n.metadata.name, n.spec.podCIDR]));
    // The server's node has the first block; the agents (joining at the same time) the next two.
    assert.equal(cidrs['k8tsmn-h0'], '10.42.0.0/24');
    assert.deepEqual(new Set([cidrs['k8tsmn-h1'], cidrs['k8tsmn-h2']]), new Set(['10.42.1.0/24', '10.42.2.0/24']));
    // host-gw: each host routes the other nodes' pod CIDRs via their addresses.
    const routes = hosts.run(h(1), 'ip', ['route', 'show', 'proto', '233']).stdout;
    assert.ok(routes.includes('10.42.0.0/24 via 192.168.77.10'), routes);
    assert.ok(routes.includes(`${cidrs['k8tsmn-h2']} via 192.168.77.12`), routes);
    // A wrong token gets one plain line.
    const bad = hosts.run(h(2), process.execPath, [K8TS, 'agent', '--server', `https://${h(0).ip}:6443`, '--token', 'K10' + '0'.repeat(64) + '::node:nope1234', '--data-dir', join(base, 'bad'), '--node-name', 'bad']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr.trim(), /^k8ts: the server at https:\/\/192\.168\.77\.10:6443 presents a CA that does not match the token/);
  });

  it("the article's nginx runs with pods on all nodes, reachable through one Service and the Ingress", { timeout: 300_000 }, async (t) => {
    if ('skip' in images) return t.skip(images.skip);
    k(['apply', '-f', join(SEED, 'nginx.yaml')]);
    k(['rollout', 'status', 'deployment/nginx-dep', '--timeout=120s']);
    const pods = readyPods('app=server');
    assert.equal(pods.length, 5);
    assert.deepEqual(new Set(pods.map((p: any) => p.spec.nodeName)), new Set(['k8tsmn-h0', 'k8tsmn-h1', 'k8tsmn-h2']));
    // Pod to pod across nodes: from a pod on h2 to every nginx pod (logs and exec go through
    // the API server to the agent's kubelet).
    const onH2 = pods.find((p: any) => p.spec.nodeName === 'k8tsmn-h2');
    for (const p of pods) assert.match(k(['exec', onH2.metadata.name, '--', 'wget', '-qO-', `http://${p.status.podIP}/`]), /Welcome to nginx!/);
    assert.match(k(['logs', onH2.metadata.name]), /GET \/ HTTP\/1\.1/);
    // The Service by name (cluster DNS lives on the server's node) from pods on the agents.
    for (const p of pods.filter((x: any) => x.spec.nodeName !== 'k8tsmn-h0')) assert.match(k(['exec', p.metadata.name, '--', 'wget', '-qO-', 'http://nginx-service:8080/']), /Welcome to nginx!/);
    // The Ingress on the server's address, from another machine; every backend answers.
    for (let i = 0; i < 20; i++) assert.match(wget(h(1), `http://${h(0).ip}/`) ?? 'no answer', /Welcome to nginx!/);
    const answered = pods.filter((p: any) => /"GET \/ HTTP\/1\.1" 200 \d+ "-" "Wget"/.test(k(['logs', p.metadata.name])));
    assert.ok(answered.length >= 3, `requests through the Ingress reached only ${answered.map((p: any) => p.metadata.name)}`);
  });

  it("a Service's endpoints on every node answer through the ClusterIP and through NodePorts on every node's address", { timeout: 300_000 }, async (t) => {
    if ('skip' in images) return t.skip(images.skip);
    k(['apply', '-f', '-'], WHOAMI);
    k(['rollout', 'status', 'deployment/whoami', '--timeout=90s']);
    const pods = readyPods('app=whoami');
    assert.deepEqual(new Set(pods.map((p: any) => p.spec.nodeName)), new Set(['k8tsmn-h0', 'k8tsmn-h1', 'k8tsmn-h2']));
    const svc = json(['get', 'svc', 'whoami']);
    const nodePort = svc.spec.ports[0].nodePort as number;
    // ClusterIP from each machine: every answer comes from a whoami pod; all three are reached.
    const seen = new Set<string>();
    for (let i = 0; i < 60 && seen.size < 3; i++) {
      const body = wget(h(i % 3), `http://${svc.spec.clusterIP}:8080/`);
      assert.ok(body, 'ClusterIP answered');
      seen.add(nodeOf(pods, body.trim()));
    }
    assert.equal(seen.size, 3, `ClusterIP reached pods on ${[...seen]}`);
    // The API server behind the `kubernetes` Service, from a machine that is not the server.
    const api = hosts.run(h(2), process.execPath, ['-e', "require('https').get({ host: '10.43.0.1', path: '/version', rejectUnauthorized: false, timeout: 5000 }, (r) => { console.log(r.statusCode); process.exit(0); }).on('error', (e) => { console.log(e.message); process.exit(1); })"]);
    assert.equal(api.stdout.trim(), '200', `https://10.43.0.1/version from ${h(2).name}: ${api.stdout}${api.stderr}`);
    // NodePort on each node's non-loopback address, from the other machines.
    for (const target of [0, 1, 2]) {
      const from = h((target + 1) % 3);
      const body = wget(from, `http://${h(target).ip}:${nodePort}/`);
      assert.ok(body && nodeOf(pods, body.trim()), `NodePort ${h(target).ip}:${nodePort} from ${from.name}`);
    }
  });

  it('an agent killed: its node turns NotReady and its pods come back on the other nodes', { timeout: 300_000 }, async (t) => {
    if ('skip' in images) return t.skip(images.skip);
    const before = readyPods('app=whoami');
    const lost = before.filter((p: any) => p.spec.nodeName === 'k8tsmn-h2').map((p: any) => p.metadata.name);
    assert.ok(lost.length >= 1);
    procs[2]!.kill('SIGKILL');
    await stopped(procs[2]);
    await eventually(() => json(['get', 'node', 'k8tsmn-h2']).status.conditions.find((c: any) => c.type === 'Ready').status !== 'True', 40_000, 500);
    // The whoami pods tolerate the unreachable taint for 2 s only: they are evicted and
    // replaced on the two live nodes.
    const after = await eventually(() => {
      const ready = readyPods('app=whoami');
      return ready.length === 3 && ready.every((p: any) => p.spec.nodeName !== 'k8tsmn-h2') && ready;
    }, 90_000, 1000);
    assert.ok(after.every((p: any) => !lost.includes(p.metadata.name)));
    const svc = json(['get', 'svc', 'whoami']);
    for (let i = 0; i < 10; i++) {
      const body = wget(h(1), `http://${svc.spec.clusterIP}:8080/`);
      assert.ok(body && after.some((p: any) => p.metadata.name === body.trim()), `ClusterIP answer ${body} after the failover`);
    }
  });
});

// Three pods that answer with their own name, spread one per node, evicted 2 s after their node
// is lost; a NodePort Service.
const WHOAMI = whoami('whoami', {
  replicas: 3,
  port: 8080,
  service: ['type: NodePort'],
  podSpec: [
    'topologySpreadConstraints:',
    '- {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: whoami}}}',
    'tolerations:',
    '- {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}',
    '- {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}',
  ],
});
