// Stops everything one node's runtime runs, working from its data dir alone (no running agent
// needed): what `k8ts stop` and `k8ts delete` do after the server has exited, and what tests do
// as a last resort. Only what this data dir recorded is touched — other clusters (a developer's
// cluster, a multi-node test's hosts) may run on the same machine, so there are no `k8ts-*`
// wildcards here:
//
//   runc containers of <data-dir>/runtime/runc   stop signal, grace period, SIGKILL, runc delete
//   their conmon monitors                        the conmon processes whose argv names this runtime root
//   mounts under <data-dir>                      rootfs overlays, ipc/uts namespace files, volumes
//                                                (deepest first; the data dir's real path too)
//   pod network namespaces                       the netnsPath of <data-dir>/runtime/sandboxes/*.json
//   host-side veths                              the pods' network state (direct bridge: pods/*.json;
//                                                CNI: the cached ADD results); they go with their
//                                                namespace, and are deleted when one outlived it
//   pod and container cgroups                    the cgroup paths the records name, in every v1
//                                                hierarchy or the one cgroup2 tree, then their
//                                                ancestors (QoS, kubepods, /k8ts) once empty
//   runtime records                              sandboxes, containers, exits, runc state, pod network
//                                                state and IP reservations: the next agent starts with
//                                                an empty runtime and the kubelet creates new sandboxes
//
// The node-level network (bridge `k8ts0`, nft tables `k8ts-nat`, `k8ts-hostport`, `k8ts-svc`)
// is left alone: it runs no process, the next start rewrites it, and its names are shared by every
// k8ts node in this network namespace. `removeNodeNetwork` removes it (for `k8ts delete`).
//
// It needs no server and trusts no process: a server killed with -9 (OOM, power) leaves all of the
// above running, and this is what removes it.
//
// Everything here is synchronous (spawnSync, sync fs): callers are a CLI command and test
// clean-up hooks that must not go on (removing the data dir) before the mounts are gone.
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, rmdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseCgroupMounts } from './cgroups.js';

export interface StopPodsOptions {
  /** Seconds the containers get between their stop signal and SIGKILL (default 10; 0 = SIGKILL at once). */
  graceSeconds?: number;
  /** Forget the pods' runtime records, network state and IP reservations (default true). */
  removeState?: boolean;
  runcPath?: string;
}

export interface StopPodsReport {
  /** Containers that were still running. */
  stopped: number;
  /** runc containers deleted. */
  containers: number;
  /** conmon monitors that were alive (they exit with their container, or are killed). */
  conmons: number;
  /** Pod network namespaces deleted. */
  sandboxes: number;
  /** Host-side veths of the pods that were there (removed with their namespace, or deleted). */
  veths: number;
  /** Mounts under the data dir that were unmounted. */
  unmounted: number;
  /** Pod and container cgroups removed (counted once per path, whatever the hierarchies). */
  cgroups: number;
  /** Mount points under the data dir that could not be unmounted (the data dir must then not be removed). */
  leftoverMounts: string[];
}

interface RuncEntry {
  id: string;
  pid: number;
  status: string;
}

const sleepBuf = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepBuf, 0, 0, ms);
}

function readJsonFile(path: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function runcList(runc: string, root: string): RuncEntry[] {
  if (!existsSync(root)) return [];
  const r = spawnSync(runc, ['--root', root, 'list', '--format', 'json'], { encoding: 'utf8' });
  if (r.status === 0) {
    try {
      const v = JSON.parse(r.stdout.trim() || 'null') as RuncEntry[] | null;
      return Array.isArray(v) ? v : [];
    } catch {
      /* fall through to the state dirs */
    }
  }
  // runc missing or failing: every state dir is a container.
  return listDir(root).map((id) => ({ id, pid: 0, status: 'unknown' }));
}

/** Mount points (from /proc/self/mountinfo) at or below dir, deepest first. */
export function mountsUnder(dir: string, mountinfo?: string): string[] {
  const text = mountinfo ?? readFileSync('/proc/self/mountinfo', 'utf8');
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    const mp = field.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === dir || mp.startsWith(prefix)) out.add(mp);
  }
  return [...out].sort((a, b) => b.length - a.length || (a < b ? 1 : -1));
}

/** Every cgroup (v1) and cgroup2 mount: the same clean-up serves v1, hybrid and unified hosts. */
function cgroupMountPoints(): string[] {
  try {
    return parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return [];
  }
}

/**
 * The ancestors of recorded pod cgroups (e.g. /k8ts/kubepods/burstable, /k8ts/kubepods, /k8ts),
 * deepest first. They are shared with other nodes of this machine, so they are only rmdir'ed
 * (never recursively): one that still holds a pod stays.
 */
export function cgroupAncestors(paths: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    const segs = p.split('/').filter(Boolean);
    for (let i = segs.length - 1; i >= 1; i--) out.add('/' + segs.slice(0, i).join('/'));
  }
  return [...out].sort((a, b) => b.length - a.length || (a < b ? 1 : -1));
}

/** rmdir a cgroup and its (empty) children; retries while the last tasks exit. */
function removeCgroupTree(dir: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  for (let i = 0; i < 20; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code !== 'EBUSY') return;
      sleepSync(25);
    }
  }
}

/** conmon processes supervising containers of these runtime roots (matched on their argv; no root needed). */
export function conmonPids(runtimeRoots: string[]): number[] {
  const out: number[] = [];
  for (const p of listDir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (basename(argv[0] ?? '') !== 'conmon') continue;
    if (argv.some((a) => runtimeRoots.some((r) => a === r || a.startsWith(r + '/'))) && alive(Number(p))) out.push(Number(p));
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`) || existsSync(`/var/run/netns/${name}`);
}

/** A network interface of this process's network namespace (asked of the kernel, see removeNodeNetwork). */
function linkExists(name: string): boolean {
  return spawnSync('ip', ['link', 'show', 'dev', name], { stdio: 'ignore' }).status === 0;
}

/**
 * Host-side interface names of the pods' veths, from the pod network state: the direct bridge's
 * pods/<sandbox>.json (`veth`), and the CNI ADD results cached in cache/<sandbox>.json (the
 * result's interfaces outside the pod's namespace, less the bridges the conflists name).
 */
export function podVeths(networkDir: string): string[] {
  const out = new Set<string>();
  for (const f of listDir(join(networkDir, 'pods'))) {
    const v = readJsonFile(join(networkDir, 'pods', f))?.veth;
    if (typeof v === 'string' && v) out.add(v);
  }
  const bridges = new Set<string>();
  for (const f of listDir(networkDir).filter((x) => x.endsWith('.conflist'))) {
    const plugins = readJsonFile(join(networkDir, f))?.plugins;
    for (const pl of Array.isArray(plugins) ? plugins : []) if (pl && typeof pl === 'object' && typeof pl.bridge === 'string') bridges.add(pl.bridge);
  }
  for (const f of listDir(join(networkDir, 'cache'))) {
    const result = readJsonFile(join(networkDir, 'cache', f))?.result as { interfaces?: unknown } | undefined;
    const ifaces = Array.isArray(result?.interfaces) ? (result.interfaces as unknown[]) : [];
    for (const i of ifaces) {
      if (!i || typeof i !== 'object') continue;
      const { name, sandbox } = i as { name?: unknown; sandbox?: unknown };
      if (typeof name === 'string' && name && !sandbox && !bridges.has(name)) out.add(name);
    }
  }
  return [...out];
}

function realPath(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/**
 * Stops every pod the agent of `dataDir` left running and (by default) forgets them, so that
 * nothing of the node keeps running and the next agent recreates the pods from the API.
 */
export function stopAllPods(dataDir: string, o: StopPodsOptions = {}): StopPodsReport {
  const report: StopPodsReport = { stopped: 0, containers: 0, conmons: 0, sandboxes: 0, veths: 0, unmounted: 0, cgroups: 0, leftoverMounts: [] };
  const runc = o.runcPath ?? (existsSync('/usr/sbin/runc') ? '/usr/sbin/runc' : 'runc');
  const grace = o.graceSeconds ?? 10;
  const root = join(dataDir, 'runtime');
  const runcRoot = join(root, 'runc');
  // The server may have named the data dir through a symlink; mountinfo and argv may name either.
  const dirs = [...new Set([dataDir, realPath(dataDir)])];
  const roots = dirs.map((d) => join(d, 'runtime'));

  // What the records say: stop signals, cgroups, network namespaces, veths.
  const stopSignal = new Map<string, string>();
  const cgroups = new Set<string>();
  for (const id of listDir(join(root, 'containers'))) {
    const meta = readJsonFile(join(root, 'containers', id, 'meta.json'));
    if (!meta) continue;
    if (typeof meta.stopSignal === 'string' && meta.stopSignal) stopSignal.set(id, meta.stopSignal.replace(/^SIG/i, ''));
    if (typeof meta.cgroupsPath === 'string' && meta.cgroupsPath) cgroups.add(meta.cgroupsPath);
  }
  const netns: string[] = [];
  for (const f of listDir(join(root, 'sandboxes'))) {
    if (!f.endsWith('.json')) continue;
    const rec = readJsonFile(join(root, 'sandboxes', f));
    if (!rec) continue;
    if (typeof rec.netnsPath === 'string' && rec.netnsPath) netns.push(basename(rec.netnsPath));
    if (typeof rec.cgroupParent === 'string' && rec.cgroupParent) cgroups.add(rec.cgroupParent);
  }
  const veths = podVeths(join(root, 'network')).filter(linkExists);
  report.veths = veths.length;
  // conmon monitors: counted before their containers go (they exit with them).
  report.conmons = conmonPids(roots).length;

  // 1. Containers: their stop signal, the grace period, then SIGKILL and runc delete.
  const running = runcList(runc, runcRoot).filter((c) => c.status === 'running' || c.status === 'created' || c.status === 'paused');
  report.stopped = running.length;
  if (grace > 0 && running.length) {
    for (const c of running) spawnSync(runc, ['--root', runcRoot, 'kill', c.id, stopSignal.get(c.id) ?? 'TERM'], { stdio: 'ignore' });
    const deadline = Date.now() + grace * 1000;
    while (Date.now() < deadline && runcList(runc, runcRoot).some((c) => c.status === 'running')) sleepSync(100);
  }
  for (const c of runcList(runc, runcRoot)) {
    spawnSync(runc, ['--root', runcRoot, 'delete', '--force', c.id], { stdio: 'ignore' });
    report.containers++;
  }

  // 2. conmon exits by itself once its container has; make sure.
  for (let i = 0; i < 40 && conmonPids(roots).length; i++) sleepSync(50);
  for (const pid of conmonPids(roots)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }

  // 3. Mounts under the data dir (overlay rootfs, persisted ipc/uts namespaces, volumes), deepest first.
  const mountsNow = (): string[] => [...new Set(dirs.flatMap((d) => mountsUnder(d)))].sort((a, b) => b.length - a.length || (a < b ? 1 : -1));
  for (let pass = 0; pass < 3; pass++) {
    const mounts = mountsNow();
    if (!mounts.length) break;
    for (const m of mounts) {
      const r = spawnSync('umount', [m], { stdio: 'ignore' });
      if (r.status !== 0) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
      report.unmounted++;
    }
  }
  report.leftoverMounts = mountsNow();

  // 4. The pods' network namespaces; their veth pairs go with them. A host-side veth that
  // outlived its namespace (a crash between the two) is deleted on its own.
  // Whatever else still runs inside one (a port-forward relay, an exec helper) would keep the
  // namespace, and with it the veth, alive after `ip netns del`: it goes first.
  for (const name of netns) {
    if (!netnsExists(name)) continue;
    const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '';
    for (const pid of pids.split('\n').map(Number).filter((p) => p > 1 && p !== process.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    report.sandboxes++;
  }
  for (const v of veths) if (linkExists(v)) spawnSync('ip', ['link', 'del', v], { stdio: 'ignore' });

  // 5. Pod and container cgroups named by the records, in every hierarchy (containers' first: they nest).
  if (cgroups.size) {
    const hierarchies = cgroupMountPoints();
    for (const cg of [...cgroups].sort((a, b) => b.length - a.length)) {
      const present = hierarchies.filter((h) => existsSync(join(h, cg)));
      for (const h of present) removeCgroupTree(join(h, cg));
      if (present.length) report.cgroups++;
    }
    for (const a of cgroupAncestors(cgroups)) {
      for (const h of hierarchies) {
        try {
          rmdirSync(join(h, a));
        } catch {
          /* gone, or still holds another pod */
        }
      }
    }
  }

  // 6. Forget the pods: the next agent starts from an empty runtime.
  if ((o.removeState ?? true) && !report.leftoverMounts.some((m) => roots.some((r) => m.startsWith(r + '/')))) {
    for (const d of ['sandboxes', 'containers', 'exits', 'socks', 'runc']) rmSync(join(root, d), { recursive: true, force: true });
    forgetPodNetworkState(join(root, 'network'));
  }
  return report;
}

/** The report in words, e.g. "removed 5 containers, 5 conmons, …", or undefined when nothing was there. */
export function describeStopPods(r: StopPodsReport): string | undefined {
  if (!r.containers && !r.conmons && !r.sandboxes && !r.veths && !r.unmounted && !r.cgroups) return undefined;
  const n = (count: number, one: string, many = one + 's'): string => `${count} ${count === 1 ? one : many}`;
  return `removed ${[
    n(r.containers, 'container'),
    n(r.conmons, 'conmon'),
    n(r.sandboxes, 'pod network namespace'),
    n(r.veths, 'veth'),
    n(r.unmounted, 'mount'),
    n(r.cgroups, 'cgroup'),
  ].join(', ')}`;
}

/** Pod network state of the direct bridge and the CNI network: per-pod files and IP reservations. */
function forgetPodNetworkState(dir: string): void {
  rmSync(join(dir, 'pods'), { recursive: true, force: true });
  rmSync(join(dir, 'cache'), { recursive: true, force: true });
  const ipam = join(dir, 'ipam');
  const walk = (d: string): void => {
    for (const e of listDir(d)) {
      const p = join(d, e);
      if (/^\d+\.\d+\.\d+\.\d+$/.test(e)) rmSync(p, { force: true });
      else if (!/^(last|last_reserved_ip.*|lock)$/.test(e)) walk(p);
    }
  };
  walk(ipam);
}

/** True when another k8ts server or agent process runs in this process's network namespace. */
export function otherNodeInThisNetns(): boolean {
  let mine: string;
  try {
    mine = readlinkSync('/proc/self/ns/net');
  } catch {
    return true;
  }
  for (const p of listDir('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (readlinkSync(`/proc/${p}/ns/net`) !== mine) continue;
    } catch {
      continue;
    }
    const isK8ts = argv.slice(0, 3).some((a) => /(^|\/)bin\/k8ts$|(^|\/)cmd\/main\.js$/.test(a));
    if (isK8ts && argv.some((a) => a === 'server' || a === 'agent')) return true;
  }
  return false;
}

/**
 * Removes the node-level network objects of a k8ts node in this network namespace: the pod
 * bridge and the nft tables of the pod network and the service proxy (prefix `k8ts` unless said).
 * Callers check `otherNodeInThisNetns()` first: the names are shared.
 */
export function removeNodeNetwork(prefix = 'k8ts'): void {
  // Not through /sys/class/net: in a network namespace entered without a new mount namespace
  // (nsenter --net) /sys still shows the interfaces of the namespace it was mounted in.
  spawnSync('ip', ['link', 'del', `${prefix}0`], { stdio: 'ignore' });
  for (const t of [`${prefix}-nat`, `${prefix}-hostport`, `${prefix}-svc`]) spawnSync('nft', ['delete', 'table', 'ip', t], { stdio: 'ignore' });
}
