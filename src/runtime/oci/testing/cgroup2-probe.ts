// Run by cgroup2-mount.test.ts inside a private mount namespace (`unshare --mount --propagation
// private`), as root: mounts a cgroup2 filesystem, checks that k8ts detects it as v2 and that the
// v2 driver's pod tree holds processes — one placed by hand, and one container runc starts (with
// cgroup2 also mounted over /sys/fs/cgroup, which makes runc use its v2 manager) from a spec
// buildOciSpec made for v2. On a v1/hybrid host v1 holds the controllers, so the tree has none:
// placement is what this shows, limits are not. Prints one JSON object on stdout.
//
//   node cgroup2-probe.js <work dir> <subtree, e.g. /k8ts-test-cg2-123>
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { syncProbes as fsProbes, createCgroupDriver, rmdirTree } from '../cgroup-driver.js';
import { detectCgroupHierarchy } from '../cgroup-hierarchy.js';
import { buildOciSpec } from '../spec.js';
import { stopAllPods } from '../cleanup.js';
import { TOOLS, buildBusyboxLayer } from './rootfs.js';

export interface Cgroup2ProbeResult {
  skip?: string;
  mode?: string;
  controllers?: string[];
  /** ensurePodCgroup with the controllers required: the one-line refusal. */
  strictError?: string;
  /** /proc/<pid>/cgroup's 0:: line of a process written into <pod>/c1/cgroup.procs. */
  placed?: string;
  /**
   * runc: the hierarchy detected over /sys/fs/cgroup; the container's 0:: line seen from outside
   * (its place in the pod tree) and from inside (its private cgroup namespace: `0::/`).
   */
  runcMode?: string;
  runcPlaced?: string;
  runcInside?: string;
  runcError?: string;
  /** What the driver left after removing the runc pod (the runtime's pod removal). */
  leftAfterRemove?: string[];
  /** `k8ts stop` over a data dir whose records name the pods: cgroups it removed; whether the subtree (ancestors) went too. */
  stopCgroups?: number;
  subtreeGone?: boolean;
}


const unifiedLine = (text: string): string => text.split('\n').find((l) => l.startsWith('0::')) ?? '';

async function main(work: string, subtree: string): Promise<Cgroup2ProbeResult> {
  const out: Cgroup2ProbeResult = {};
  const dir = join(work, 'cg2');
  mkdirSync(dir, { recursive: true });
  const m = spawnSync('mount', ['-t', 'cgroup2', 'none', dir], { encoding: 'utf8' });
  if (m.status !== 0) return { skip: `mount -t cgroup2 failed: ${(m.stderr || m.error?.message || '').trim()}` };

  const h = detectCgroupHierarchy(fsProbes, dir);
  out.mode = h.mode;
  out.controllers = h.v2Controllers;

  const pod = `${subtree}/kubepods/burstable/pod-probe`;
  out.strictError = await createCgroupDriver({ root: dir })
    .ensurePodCgroup(pod)
    .then(() => '', (e: Error) => e.message);

  const loose = createCgroupDriver({ root: dir, requireControllers: false });
  await loose.ensurePodCgroup(pod);
  mkdirSync(join(dir, pod, 'c1'));
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    writeFileSync(join(dir, pod, 'c1', 'cgroup.procs'), String(sleeper.pid));
    out.placed = unifiedLine(readFileSync(`/proc/${sleeper.pid}/cgroup`, 'utf8'));
  } finally {
    sleeper.kill('SIGKILL');
    await new Promise((r) => sleeper.once('exit', r));
  }

  // runc decides v1/v2 by the filesystem at /sys/fs/cgroup: give it cgroup2 there (this namespace only).
  const runcPod = `${subtree}/kubepods/besteffort/pod-runc`;
  if (!existsSync(TOOLS.runc) || !existsSync(TOOLS.busybox) || !existsSync(TOOLS.tini)) out.runcError = 'skipped: runc, busybox or tini missing';
  else if (spawnSync('mount', ['-t', 'cgroup2', 'none', '/sys/fs/cgroup']).status !== 0) out.runcError = 'skipped: cannot mount cgroup2 over /sys/fs/cgroup';
  else {
    const sys = createCgroupDriver({ requireControllers: false });
    out.runcMode = sys.hierarchy.mode;
    await sys.ensurePodCgroup(runcPod);
    const bundle = join(work, 'bundle');
    const rootfs = await buildBusyboxLayer(join(bundle, 'rootfs'));
    for (const f of ['hosts', 'resolv.conf', 'hostname']) writeFileSync(join(work, f), '\n');
    const spec = buildOciSpec(
      { name: 'c1', attempt: 0, image: 'busybox', args: ['sleep', '60'], env: [], mounts: [], resources: {}, security: {}, tty: false, stdin: false, stdinOnce: false, labels: {}, annotations: {}, logPath: '' },
      {},
      { netnsPath: '', ipcNsPath: '', utsNsPath: '', hostname: '', hostsFile: join(work, 'hosts'), resolvConf: join(work, 'resolv.conf'), hostnameFile: join(work, 'hostname'), cgroupsPath: `${runcPod}/c1`, cgroupVersion: sys.version },
      { rootfs, tini: TOOLS.tini },
      { uid: 0, gid: 0 },
    );
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    const id = `k8ts-test-cg2-${process.pid}`;
    const runc = (args: string[]) => spawnSync(TOOLS.runc, ['--root', join(work, 'runc'), ...args], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const r = runc(['run', '--detach', '--bundle', bundle, id]);
    if (r.status !== 0) out.runcError = `runc run: exit ${r.status}: ${(r.stderr || r.error?.message || '').trim().slice(0, 400)}`;
    else {
      const pid = (JSON.parse(runc(['state', id]).stdout) as { pid: number }).pid;
      out.runcPlaced = unifiedLine(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
      out.runcInside = unifiedLine(runc(['exec', id, 'cat', '/proc/self/cgroup']).stdout);
    }
    runc(['delete', '--force', id]);
  }
  out.leftAfterRemove = await loose.remove(runcPod);

  // k8ts stop: the records name both pods; the hand-placed one (and its container cgroup) is
  // still there, then the emptied QoS, kubepods and subtree cgroups go.
  const rt = join(work, 'data', 'runtime');
  mkdirSync(join(rt, 'sandboxes'), { recursive: true });
  mkdirSync(join(rt, 'containers', 'c1'), { recursive: true });
  writeFileSync(join(rt, 'sandboxes', 's1.json'), JSON.stringify({ id: 's1', cgroupParent: pod }));
  writeFileSync(join(rt, 'sandboxes', 's2.json'), JSON.stringify({ id: 's2', cgroupParent: runcPod }));
  writeFileSync(join(rt, 'containers', 'c1', 'meta.json'), JSON.stringify({ id: 'c1', cgroupsPath: `${pod}/c1` }));
  out.stopCgroups = stopAllPods(join(work, 'data'), { graceSeconds: 0, runcPath: '/nonexistent/runc' }).cgroups;
  out.subtreeGone = !existsSync(join(dir, subtree));
  await rmdirTree(join(dir, subtree));
  return out;
}

const [work, subtree] = process.argv.slice(2);
if (work && subtree) {
  main(work, subtree).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (e: Error) => {
      process.stdout.write(JSON.stringify({ error: e.stack ?? e.message }) + '\n');
      process.exitCode = 1;
    },
  );
}
