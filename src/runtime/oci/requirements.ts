// What the oci runtime needs from the host (root, tools, kernel features, cgroups), as one plain
// line per problem saying what to do. `k8ts server`, `k8ts start` and `k8ts agent` check it through
// src/cli/preflight.ts; the probes are injectable so tests can fake a host.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cgroupHierarchyProblems, describeCgroupHierarchy, detectCgroupHierarchy } from './cgroup-hierarchy.js';

export interface HostProbes {
  uid(): number | undefined;
  exists(path: string): boolean;
  /** File contents, or undefined when unreadable. */
  readFile(path: string): string | undefined;
  run(cmd: string, args: string[]): { status: number | null; stderr: string };
  /** Whether this process may write the file (cgroup v2 subtree_control); unset: assume yes. */
  writable?(path: string): boolean;
}

export const hostRuntimeProbes: HostProbes = {
  uid: () => process.getuid?.(),
  exists: existsSync,
  readFile: (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
  run: (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
    return { status: r.error ? null : r.status, stderr: r.error ? r.error.message : r.stderr };
  },
  writable: (p) => {
    try {
      accessSync(p, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  },
};

/** The host tools of the oci runtime: [command, path the runtime uses, Debian package]. */
export const RUNTIME_TOOLS: ReadonlyArray<readonly [string, string, string]> = [
  ['runc', '/usr/sbin/runc', 'runc'],
  ['conmon', '/usr/bin/conmon', 'conmon'],
  ['tini', '/usr/bin/tini-static', 'tini'],
  ['ip', '/usr/sbin/ip', 'iproute2'],
  ['nft', '/usr/sbin/nft', 'nftables'],
  ['script', '/usr/bin/script', 'bsdutils'],
];

/** The host checks of the oci runtime (root, tools, kernel features, cgroups). */
export function runtimeHostProblems(p: HostProbes = hostRuntimeProbes): string[] {
  const problems: string[] = [];
  const root = p.uid() === 0;
  if (!root) problems.push('the oci runtime needs root (network namespaces, mounts, cgroups): run as root or use --runtime simulated');
  const missing = RUNTIME_TOOLS.filter(([, path]) => !p.exists(path));
  if (missing.length) problems.push(`missing ${missing.map(([n]) => n).join(', ')}: apt-get install -y ${missing.map(([, , pkg]) => pkg).join(' ')} (or use --runtime simulated)`);
  const filesystems = p.readFile('/proc/filesystems');
  if (filesystems !== undefined && !/\toverlay$/m.test(filesystems) && !p.exists('/sys/module/overlay')) {
    problems.push('the kernel has no overlay filesystem (not in /proc/filesystems), which container root filesystems need: modprobe overlay');
  }
  if (!p.exists('/proc/sys/net/bridge') && !p.exists('/sys/module/br_netfilter')) {
    problems.push('bridge netfilter is not loaded (no /proc/sys/net/bridge), which Services between pods of one node need: modprobe br_netfilter');
  }
  const nft = RUNTIME_TOOLS.find(([n]) => n === 'nft')![1];
  if (root && p.exists(nft)) {
    const r = p.run(nft, ['list', 'tables']);
    if (r.status !== 0) problems.push(`nftables does not work in this kernel (nft list tables: ${(r.stderr.trim().split('\n')[0] || `exit ${r.status}`).slice(0, 160)}): modprobe nf_tables`);
  }
  // cgroups: v1, hybrid or unified (v2) with cpu, memory and pids delegated.
  problems.push(...cgroupHierarchyProblems(detectCgroupHierarchy(p), p));
  return problems;
}

/** The start-up log line: which cgroup hierarchy this host has and which driver pods use. */
export function runtimeCgroupSummary(p: HostProbes = hostRuntimeProbes, subtree = '/k8ts'): string {
  return describeCgroupHierarchy(detectCgroupHierarchy(p), subtree);
}
