// Helpers for tests that run the real node agent on this machine.
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { stopAllPods } from '../../src/runtime/oci/cleanup.js';
import { hostRuntimeProbes } from '../../src/runtime/oci/requirements.js';
import { cgroupHierarchyProblems, detectCgroupHierarchy } from '../../src/runtime/oci/cgroup-hierarchy.js';

/** Why the real-runtime tests cannot run here, or undefined when they can. */
export function runtimeSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const bin of ['/usr/sbin/runc', '/usr/bin/conmon', '/usr/bin/tini-static', '/usr/sbin/nft', '/usr/sbin/ip']) if (!existsSync(bin)) return `${bin} is missing`;
  // v1 or hybrid with a memory hierarchy, or v2 with cpu, memory and pids delegated.
  const cgroups = cgroupHierarchyProblems(detectCgroupHierarchy(hostRuntimeProbes), hostRuntimeProbes);
  if (cgroups.length) return cgroups[0];
  return undefined;
}

/**
 * Removes the node-level network objects the agent creates (bridge k8ts0, nft tables
 * k8ts-nat and k8ts-hostport) and empty k8ts cgroups, so a test leaves the host as it found it.
 */
export function cleanupNodeNetwork(): void {
  spawnSync('ip', ['link', 'del', 'k8ts0'], { stdio: 'ignore' });
  for (const t of ['k8ts-nat', 'k8ts-hostport', 'k8ts-svc']) spawnSync('nft', ['delete', 'table', 'ip', t], { stdio: 'ignore' });
  cleanupCgroups();
}

/** Removes the empty k8ts cgroups (busy ones, whose containers still live, stay). */
export function cleanupCgroups(): void {
  // The v1 hierarchies, hybrid's cgroup2 mount, and '' for a unified host's one tree.
  for (const ctl of ['memory', 'cpu,cpuacct', 'cpu', 'cpuacct', 'pids', 'cpuset', 'devices', 'freezer', 'blkio', 'systemd', 'unified', '']) {
    const dir = ctl ? `/sys/fs/cgroup/${ctl}/k8ts` : '/sys/fs/cgroup/k8ts';
    if (!existsSync(dir)) continue;
    const rm = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) rm(`${d}/${e.name}`);
      try {
        rmdirSync(d);
      } catch {
        /* busy: a container still lives there */
      }
    };
    rm(dir);
  }
}

export { httpGet } from '../../src/testing/http.js';

/**
 * Last-resort clean-up after a failed test: stops every container the agent of `dataDir`
 * left behind (runc containers under its runtime root, their conmon monitors), unmounts
 * everything below the data dir and deletes the pods' network namespaces — the same clean-up
 * as `k8ts stop` (src/runtime/oci/cleanup.ts), without a grace period.
 */
export function forceCleanupRuntime(dataDir: string): void {
  stopAllPods(dataDir, { graceSeconds: 0 });
}
