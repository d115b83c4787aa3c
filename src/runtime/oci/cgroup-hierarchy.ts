// Which cgroup hierarchy a host runs, found by looking at the cgroup root (default /sys/fs/cgroup),
// and what that means for the oci runtime. Sync and over injectable probes, because preflight
// (src/cli/preflight.ts, without loading the runtime) and unit tests over a fake tree in a temp dir
// use it as well as the runtime.
//
//   unified  <root> is a cgroup2 mount (<root>/cgroup.controllers exists)      → the v2 driver
//   hybrid   v1 controllers at <root>/<controller>, cgroup2 at <root>/unified  → the v1 driver
//   v1       v1 controllers at <root>/<controller> only                        → the v1 driver
//   none     neither                                                           → preflight refuses
//
// runc treats hybrid as v1 (the cgroup2 mount holds no controllers k8ts needs), so k8ts does too.
import { join } from 'node:path';

export const DEFAULT_CGROUP_ROOT = '/sys/fs/cgroup';

export type CgroupMode = 'v1' | 'hybrid' | 'unified' | 'none';

/**
 * The controllers k8ts enforces limits with, in the order preflight names them. On v1 only the
 * memory hierarchy is checked, as before v2 support: it also marks a v1 host (runc reports a
 * missing cpu or pids hierarchy itself when a limit needs one).
 */
export const REQUIRED_V1_CONTROLLERS = ['memory'] as const;
export const REQUIRED_V2_CONTROLLERS = ['cpu', 'memory', 'pids'] as const;
/** Enabled where the host offers it (blkio weights are not driven yet), never required. */
export const OPTIONAL_V2_CONTROLLERS = ['io'] as const;

export interface CgroupProbes {
  exists(path: string): boolean;
  /** File contents, or undefined when unreadable. */
  readFile(path: string): string | undefined;
}

export interface CgroupHierarchy {
  mode: CgroupMode;
  /** The cgroup root looked at, e.g. /sys/fs/cgroup. */
  root: string;
  /** The cgroup2 mount: root itself (unified), root/unified (hybrid), or '' (v1, none). */
  unifiedMount: string;
  /** v2: the controllers the root offers (its cgroup.controllers). */
  v2Controllers: string[];
}

export function detectCgroupHierarchy(p: CgroupProbes, root = DEFAULT_CGROUP_ROOT): CgroupHierarchy {
  const controllersOf = (dir: string): string[] => (p.readFile(join(dir, 'cgroup.controllers')) ?? '').split(/\s+/).filter(Boolean);
  if (p.exists(join(root, 'cgroup.controllers'))) return { mode: 'unified', root, unifiedMount: root, v2Controllers: controllersOf(root) };
  const v1 = REQUIRED_V1_CONTROLLERS.some((c) => p.exists(join(root, c)));
  const unified = join(root, 'unified');
  const hasUnified = p.exists(join(unified, 'cgroup.controllers'));
  if (v1) return hasUnified ? { mode: 'hybrid', root, unifiedMount: unified, v2Controllers: controllersOf(unified) } : { mode: 'v1', root, unifiedMount: '', v2Controllers: [] };
  return { mode: 'none', root, unifiedMount: '', v2Controllers: [] };
}

/** 1 for v1 and hybrid hosts (runc's v1 manager), 2 for unified ones. */
export function cgroupVersion(h: Pick<CgroupHierarchy, 'mode'>): 1 | 2 {
  return h.mode === 'unified' ? 2 : 1;
}

/** One line for the start-up log: the hierarchy found and the driver used. */
export function describeCgroupHierarchy(h: CgroupHierarchy, subtree: string): string {
  switch (h.mode) {
    case 'unified':
      return `cgroup v2 (unified hierarchy at ${h.root}, controllers: ${h.v2Controllers.join(' ') || 'none'}): pods use the v2 driver (cgroupfs) under ${subtree}`;
    case 'hybrid':
      return `cgroup hybrid (v1 controllers under ${h.root}, cgroup2 at ${h.unifiedMount}): pods use the v1 driver (cgroupfs) under ${subtree}`;
    case 'v1':
      return `cgroup v1 (controllers under ${h.root}): pods use the v1 driver (cgroupfs) under ${subtree}`;
    case 'none':
      return `no cgroup hierarchy at ${h.root}: real containers cannot run here`;
    default: {
      const never: never = h.mode;
      return never;
    }
  }
}

/**
 * What stops the oci runtime from enforcing limits on this hierarchy, one line per problem saying
 * what to do. On v2 a controller must be offered by the root (its cgroup.controllers lists it: the
 * parent delegated it) and enabled in, or enableable through, the root's cgroup.subtree_control
 * (`writable` says whether k8ts may write that file).
 */
export function cgroupHierarchyProblems(h: CgroupHierarchy, p: CgroupProbes & { writable?(path: string): boolean }): string[] {
  switch (h.mode) {
    case 'none':
      return [`no cgroup2 mount at ${h.root} and no cgroup v1 memory controller at ${join(h.root, 'memory')}: mount one (mount -t cgroup2 none ${h.root}), or use --runtime simulated`];
    case 'v1':
    case 'hybrid': {
      const missing = REQUIRED_V1_CONTROLLERS.filter((c) => !p.exists(join(h.root, c)));
      return missing.map((c) => `no cgroup v1 ${c} controller at ${join(h.root, c)} on this ${h.mode} host: mount it (mount -t cgroup -o ${c} cgroup ${join(h.root, c)}), boot with the unified hierarchy (systemd.unified_cgroup_hierarchy=1), or use --runtime simulated`);
    }
    case 'unified': {
      const controllersFile = join(h.root, 'cgroup.controllers');
      const subtreeFile = join(h.root, 'cgroup.subtree_control');
      const enabled = (p.readFile(subtreeFile) ?? '').split(/\s+/).filter(Boolean);
      const out: string[] = [];
      for (const c of REQUIRED_V2_CONTROLLERS) {
        if (!h.v2Controllers.includes(c)) {
          out.push(`cgroup v2 controller ${c} is not delegated to k8ts (missing from ${controllersFile}): enable it in the parent cgroup (echo +${c} > <parent>/cgroup.subtree_control, or Delegate=yes for a systemd unit), or use --runtime simulated`);
        } else if (!enabled.includes(c) && p.writable && !p.writable(subtreeFile)) {
          out.push(`cgroup v2 controller ${c} cannot be enabled: ${subtreeFile} is not writable (read-only cgroup mount?): mount ${h.root} read-write, or enable it beforehand (echo +${c} > ${subtreeFile}), or use --runtime simulated`);
        }
      }
      return out;
    }
    default: {
      const never: never = h.mode;
      return never;
    }
  }
}
