// Integration tests of OciRuntime with real runc, conmon, tini and the direct bridge network.
// Needs root and the Debian tools (skipped with the reason otherwise). Everything is named
// k8tst*, lives on bridge k8tst-br1 / 10.199.2.0/24, and is removed at the end.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, rmdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerConfig, PodSandboxConfig } from '../types.js';
import { DirectBridgeNetwork } from '../network/bridge.js';
import { OciRuntime } from './runtime.js';
import { StaticRootfsProvider, TOOLS, buildBusyboxLayer, containerSkipReason, leakInventory } from './testing/rootfs.js';
import { cgroupMounts } from './cgroups.js';
import { httpGet } from '../../testing/http.js';

const skip = containerSkipReason();
const PREFIX = 'k8tstr';
const CGROUP_ROOT = '/k8tstr';

function podConfig(name: string, extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
  return {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    attempt: 0,
    hostname: name,
    hostNetwork: false,
    portMappings: [],
    labels: {},
    annotations: {},
    cgroupParent: `${CGROUP_ROOT}/pod-uid-${name}`,
    ...extra,
  };
}

function ctrConfig(dir: string, name: string, args: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    name,
    attempt: 0,
    image: 'busybox',
    args,
    env: [{ name: 'GREETING', value: 'hi' }],
    mounts: [],
    resources: {},
    security: {},
    tty: false,
    stdin: false,
    stdinOnce: false,
    labels: { app: name },
    annotations: {},
    logPath: join(dir, 'logs', `${name}-${Math.random().toString(36).slice(2, 8)}.log`),
    ...extra,
  };
}

async function waitFor<T>(fn: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('OciRuntime (runc + conmon + direct bridge)', { skip }, () => {
  let dir: string;
  let root: string;
  let network: DirectBridgeNetwork;
  let rt: OciRuntime;
  let ipForward: string;

  before(async () => {
    ipForward = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
    dir = await mkdtemp(join(tmpdir(), 'k8tst-rt-'));
    root = join(dir, 'runtime');
    const layer = await buildBusyboxLayer(join(dir, 'layers', 'busybox'));
    const images = new StaticRootfsProvider();
    images.add('busybox', [layer], { Env: ['PATH=/bin:/sbin', 'FROM_IMAGE=1'], WorkingDir: '/www' });
    network = new DirectBridgeNetwork({ podCidr: '10.199.2.0/24', stateDir: join(root, 'network'), namePrefix: PREFIX, bridge: 'k8tst-br1' });
    rt = new OciRuntime({ root, runcPath: TOOLS.runc, conmonPath: TOOLS.conmon, tiniPath: TOOLS.tini, rootfs: images, network, cgroupRoot: CGROUP_ROOT, namePrefix: PREFIX });
  });

  after(async () => {
    if (!rt) return;
    for (const s of await rt.listPodSandboxes().catch(() => [])) await rt.removePodSandbox(s.id).catch((e) => console.error('cleanup', e));
    for (const c of await rt.listContainers().catch(() => [])) await rt.removeContainer(c.id).catch((e) => console.error('cleanup', e));
    await network.destroy().catch(() => undefined);
    for (const m of await cgroupMounts()) await rmdir(join(m, CGROUP_ROOT)).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    const others = (await readdir('/sys/class/net')).some((l) => l.startsWith('k8ts'));
    if (ipForward === '0' && !others) await import('node:fs/promises').then((f) => f.writeFile('/proc/sys/net/ipv4/ip_forward', '0'));
  });

  it('runs a pod: IP, httpd reachable, env, hostname, status, logs, exec, port-forward, graceful stop', async (t) => {
    const sb = await rt.runPodSandbox(podConfig('k8tst-web', { portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 18431 }] }));
    // A failed assertion must not leave the pod behind for the next test (which checks that
    // nothing is left over); removing an already removed sandbox is a no-op.
    t.after(() => rt.removePodSandbox(sb).catch(() => undefined));
    const sst = await rt.podSandboxStatus(sb);
    assert.equal(sst?.state, 'ready');
    assert.match(sst!.ip, /^10\.199\.2\.\d+$/);
    const c1 = await rt.createContainer(sb, ctrConfig(dir, 'web', ['sh', '-c', 'echo started; echo oops >&2; exec httpd -f -p 80 -h /www']));
    assert.equal((await rt.containerStatus(c1))?.state, 'created');
    await rt.startContainer(c1);
    const st = await rt.containerStatus(c1);
    assert.equal(st?.state, 'running');
    assert.ok(st?.pid && st.pid > 0);
    assert.equal(st?.imageRef.startsWith('sha256:'), true);

    assert.match(await waitFor(() => httpGet(`http://${sst!.ip}:80/`, {}, 2000)), /hello from busybox httpd/);
    assert.match(await waitFor(() => httpGet(`http://127.0.0.1:18431/`, {}, 2000)), /hello from busybox httpd/, 'hostPort via 127.0.0.1');

    const env = await rt.execSync(c1, ['sh', '-c', 'echo $GREETING $FROM_IMAGE $HOSTNAME; hostname; pwd; cat /proc/1/cmdline | tr "\\0" " "; echo; id -u'], 5);
    assert.equal(env.exitCode, 0, env.stderr.toString());
    const lines = env.stdout.toString().trim().split('\n');
    assert.equal(lines[0], 'hi 1 k8tst-web');
    assert.equal(lines[1], 'k8tst-web');
    assert.equal(lines[2], '/www');
    assert.match(lines[3]!, /^\/\.k8ts\/tini -g -- sh -c/);
    assert.equal(lines[4], '0');
    const caps = await rt.execSync(c1, ['sh', '-c', 'grep CapBnd /proc/self/status'], 5);
    assert.match(caps.stdout.toString(), /CapBnd:\s+00000000a80425fb/, 'Docker default capability set');
    const failing = await rt.execSync(c1, ['sh', '-c', 'exit 7'], 5);
    assert.equal(failing.exitCode, 7);
    const t0 = Date.now();
    const slow = await rt.execSync(c1, ['sleep', '30'], 1);
    assert.equal(slow.exitCode, 124);
    assert.ok(Date.now() - t0 < 4000);

    // Logs (CRI format, via conmon).
    const log = await waitFor(async () => {
      const t = await readFile(st!.logPath, 'utf8');
      return t.includes('stderr F oops') && t;
    });
    assert.match(log, /^\S+ stdout F started$/m);

    // Port-forward through the netns to a loopback-only listener.
    const e2 = await rt.exec(c1, ['sh', '-c', 'exec httpd -f -p 127.0.0.1:8081 -h /www'], { tty: false, stdin: false });
    const conn = await waitFor(() => rt.portForward(sb, 8081));
    const body = await new Promise<string>((resolve, reject) => {
      let b = '';
      conn.on('data', (d: Buffer) => (b += d.toString()));
      conn.on('end', () => resolve(b));
      conn.on('error', reject);
      conn.write('GET / HTTP/1.0\r\n\r\n');
    });
    assert.match(body, /200 OK[\s\S]*hello from busybox httpd/);
    e2.kill();
    await e2.exit;
    await assert.rejects(rt.portForward(sb, 8089), /refused|ECONNREFUSED/i);

    // Interactive TTY exec through script(1).
    const tty = await rt.exec(c1, ['sh'], { tty: true, stdin: true });
    let out = '';
    tty.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await tty.resize?.(100, 40);
    // The size travels on conmon's control FIFO, the command on the attach socket (as kubectl's
    // resize messages travel beside stdin): the shell may run a first `stty size` before the new
    // size is set, so ask again until it reports it (bounded; the assertion below decides).
    for (const deadline = Date.now() + 10_000; !/40 100/.test(out) && Date.now() < deadline; ) {
      tty.stdin!.write('stty size\n');
      await new Promise((r) => setTimeout(r, 200));
    }
    tty.stdin!.write('tty; exit 5\n');
    assert.equal(await tty.exit, 5);
    assert.match(out, /40 100/);
    assert.match(out, /\/dev\/pts\/\d+/);

    // SIGTERM reaches httpd through tini: stops well before the grace period.
    const t1 = Date.now();
    await rt.stopContainer(c1, 10);
    assert.ok(Date.now() - t1 < 3000, `stop took ${Date.now() - t1} ms`);
    const ex = await rt.containerStatus(c1);
    assert.equal(ex?.state, 'exited');
    assert.equal(ex?.exitCode, 143);
    assert.equal(ex?.reason, 'Error');
    assert.ok(ex?.finishedAt && ex.finishedAt >= t1 - 1000);
    await rt.removePodSandbox(sb);
    assert.equal(await rt.podSandboxStatus(sb), undefined);
  });

  it('shares IPC/UTS/network between containers, reports Completed/Error/OOMKilled, enforces limits', async () => {
    const sb = await rt.runPodSandbox(podConfig('k8tst-multi'));
    const a = await rt.createContainer(sb, ctrConfig(dir, 'a', ['httpd', '-f', '-p', '8080', '-h', '/www']));
    await rt.startContainer(a);
    const b = await rt.createContainer(
      sb,
      ctrConfig(dir, 'b', ['sleep', '1000'], { resources: { memoryLimitBytes: 32 * 1024 * 1024, cpuShares: 512, cpuQuota: 50000, cpuPeriod: 100000, pidsLimit: 64 } }),
    );
    await rt.startContainer(b);
    let last = '';
    const r = await waitFor(async () => {
      const x = await rt.execSync(b, ['sh', '-c', 'wget -q -O - http://127.0.0.1:8080/ && hostname && for n in ipc uts net; do readlink /proc/self/ns/$n; done'], 5);
      last = `${x.exitCode} ${x.stdout} ${x.stderr}`;
      return x.exitCode === 0 && x;
    }).catch((e: Error) => Promise.reject(new Error(`${e.message}: ${last}`)));
    const [, host, ...nsB] = r.stdout.toString().trim().split('\n');
    assert.equal(host, 'k8tst-multi');
    const nsA = (await rt.execSync(a, ['sh', '-c', 'for n in ipc uts net pid; do readlink /proc/self/ns/$n; done'], 5)).stdout.toString().trim().split('\n');
    assert.deepEqual(nsA.slice(0, 3), nsB, 'IPC, UTS and network namespaces shared');
    const pidB = (await rt.execSync(b, ['readlink', '/proc/self/ns/pid'], 5)).stdout.toString().trim();
    assert.notEqual(nsA[3], pidB, 'PID namespace per container');
    const cg = await rt.execSync(b, ['sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/pids/pids.max'], 5);
    assert.deepEqual(cg.stdout.toString().trim().split('\n'), ['33554432', '512', '50000', '64']);

    const done = await rt.createContainer(sb, ctrConfig(dir, 'done', ['true']));
    await rt.startContainer(done);
    const bad = await rt.createContainer(sb, ctrConfig(dir, 'bad', ['sh', '-c', 'exit 3']));
    await rt.startContainer(bad);
    const oom = await rt.createContainer(
      sb,
      ctrConfig(dir, 'oom', ['sh', '-c', 'dd if=/dev/zero of=/dev/null bs=100M count=1'], { resources: { memoryLimitBytes: 16 * 1024 * 1024 } }),
    );
    await rt.startContainer(oom);
    const exited = async (id: string) => {
      const s = await rt.containerStatus(id);
      return s?.state === 'exited' && s;
    };
    assert.equal((await waitFor(() => exited(done))).reason, 'Completed');
    const badSt = await waitFor(() => exited(bad));
    assert.deepEqual([badSt.exitCode, badSt.reason], [3, 'Error']);
    const oomSt = await waitFor(() => exited(oom));
    assert.deepEqual([oomSt.exitCode, oomSt.reason], [137, 'OOMKilled']);
    assert.equal((await rt.listContainers({ sandboxId: sb })).length, 5);

    // A new runtime instance over the same root (agent restart) re-adopts everything.
    const rt2 = new OciRuntime({ root, runcPath: TOOLS.runc, conmonPath: TOOLS.conmon, tiniPath: TOOLS.tini, rootfs: new StaticRootfsProvider(), network, cgroupRoot: CGROUP_ROOT, namePrefix: PREFIX });
    const again = await rt2.listContainers({ sandboxId: sb });
    assert.deepEqual(
      again.map((c) => [c.name, c.state, c.reason ?? '']).sort(),
      [['a', 'running', ''], ['b', 'running', ''], ['bad', 'exited', 'Error'], ['done', 'exited', 'Completed'], ['oom', 'exited', 'OOMKilled']],
    );
    assert.equal((await rt2.podSandboxStatus(sb))?.state, 'ready');
    await rt2.stopPodSandbox(sb);
    assert.equal((await rt2.containerStatus(a))?.state, 'exited');
    await rt2.removePodSandbox(sb);
  });

  it('a sandbox whose network namespace vanished (as after a reboot) is not ready, and is removed cleanly', async () => {
    const sb = await rt.runPodSandbox(podConfig('k8tst-gone'));
    const st = await rt.podSandboxStatus(sb);
    assert.equal(st?.state, 'ready');
    const { spawnSync } = await import('node:child_process');
    assert.equal(spawnSync('ip', ['netns', 'del', st!.netnsPath.split('/').pop()!]).status, 0);
    assert.equal((await rt.podSandboxStatus(sb))?.state, 'notready');
    assert.equal((await rt.listPodSandboxes()).find((x) => x.id === sb)?.state, 'notready');
    await rt.stopPodSandbox(sb);
    await rt.removePodSandbox(sb);
    assert.equal(await rt.podSandboxStatus(sb), undefined);
  });

  it('containerStats reads the container cgroup: CPU time and working set grow with work; none once removed', async (t) => {
    const sb = await rt.runPodSandbox(podConfig('k8tst-stats'));
    t.after(() => rt.removePodSandbox(sb).catch(() => undefined));
    const c = await rt.createContainer(sb, ctrConfig(dir, 'busy', ['sh', '-c', 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=8 2>/dev/null; while :; do :; done']));
    await rt.startContainer(c);
    const s = await waitFor(async () => {
      const x = await rt.containerStats(c);
      return x && (x.cpuUsageNanoseconds ?? 0) > 50_000_000 && (x.memoryWorkingSetBytes ?? 0) > 8 * 1024 * 1024 && x;
    }, 15_000);
    assert.ok((s.memoryUsageBytes ?? 0) >= (s.memoryWorkingSetBytes ?? 0), JSON.stringify(s));
    await rt.stopPodSandbox(sb);
    await rt.removePodSandbox(sb);
    assert.equal(await rt.containerStats(c), undefined);
  });

  it('creates and deletes 20 pods with a running container each and leaves nothing behind', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const sb = await rt.runPodSandbox(podConfig(`k8tst-cycle-${i}`, i % 5 === 0 ? { portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 18500 + i }] } : {}));
      const c = await rt.createContainer(sb, ctrConfig(dir, `c${i}`, ['sleep', '1000']));
      await rt.startContainer(c);
      ids.push(sb);
    }
    assert.equal((await rt.listContainers()).filter((c) => c.state === 'running' && ids.includes(c.sandboxId)).length, 20);
    for (const sb of ids) {
      await rt.stopPodSandbox(sb);
      await rt.removePodSandbox(sb);
    }
    const inv = await leakInventory({ root, cgroupRoot: CGROUP_ROOT, linkPrefix: PREFIX, netnsPrefix: PREFIX });
    assert.deepEqual(inv, { netns: [], mounts: [], cgroups: [], links: [], procs: [] });
    assert.equal((await network.allocations()).size, 0);
    assert.deepEqual(await readdir(join(root, 'containers')), []);
    assert.deepEqual((await readdir(join(root, 'sandboxes'))).length, 0);
    assert.deepEqual(await readdir(join(root, 'exits')), []);
  });
});
