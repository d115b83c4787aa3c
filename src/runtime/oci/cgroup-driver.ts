// The cgroup driver: how the oci runtime places pods in, reads and removes cgroups on a v1 (or
// hybrid) host and on a unified (v2) one, chosen by detection over the cgroup root
// (cgroup-hierarchy.ts). runc (cgroupfs driver) creates each container's cgroup under the pod
// cgroup the kubelet names and writes its limits; the driver prepares the pod's ancestors, reads
// OOM kills and usage, and removes what runc leaves behind.
//
//   <root>/k8ts/kubepods/                      Guaranteed pods: kubepods/pod<uid>
//                ├── burstable/pod<uid>/<container id>
//                └── besteffort/pod<uid>/<container id>
//
// v1: one such tree per hierarchy (<root>/memory/k8ts/…, <root>/cpu/k8ts/…, …), made by runc.
// v2: one tree under the delegated subtree; a controller reaches a cgroup only when every
//     ancestor lists it in cgroup.subtree_control, so the driver enables +cpu +memory +pids (+io
//     where offered) from the root down to the pod cgroup before runc creates the container.
//
// Container limits: see cgroup-files.ts.
import { appendFile, mkdir, readFile, readdir, rmdir } from 'node:fs/promises';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerStats } from '../types.js';
import { RuntimeError } from '../network/exec.js';
import { ERR_RUNTIME_CGROUP } from '../../util/error-codes.js';
import {
  DEFAULT_CGROUP_ROOT,
  OPTIONAL_V2_CONTROLLERS,
  REQUIRED_V2_CONTROLLERS,
  cgroupVersion,
  detectCgroupHierarchy,
  type CgroupHierarchy,
} from './cgroup-hierarchy.js';
import { oomKillsOf, parseFlatKeyed } from './cgroup-files.js';

export { cpuSharesToWeight, v2ContainerFiles, parseFlatKeyed, oomKillsOf } from './cgroup-files.js';

/** Usage of one cgroup: the runtime's ContainerStats. */
export type CgroupStats = ContainerStats;

export interface CgroupDriver {
  readonly hierarchy: CgroupHierarchy;
  readonly version: 1 | 2;
  /**
   * Makes the pod cgroup (a path such as /k8ts/kubepods/burstable/pod<uid>) ready for runc to
   * create container cgroups below it. v2: creates it and its ancestors with the controllers
   * enabled; throws a RuntimeError (ERR_RUNTIME_CGROUP) whose message names the controller, the
   * file and the fix when a needed controller cannot be enabled. v1: nothing (runc makes the
   * directories in each hierarchy).
   */
  ensurePodCgroup(path: string): Promise<void>;
  /** OOM kills counted in the cgroup, or undefined when it (or the counter) is gone. */
  readOomKillCount(path: string): Promise<number | undefined>;
  /** Usage of the cgroup, or undefined when it is gone. */
  readStats(path: string): Promise<CgroupStats | undefined>;
  /** Removes the cgroup and its empty children in every hierarchy; returns what stayed. */
  remove(path: string): Promise<string[]>;
  /** The directories holding path, one per hierarchy (whether or not they exist). */
  dirsOf(path: string): string[];
}

export interface CgroupDriverOptions {
  /** The cgroup root to detect and drive (default /sys/fs/cgroup; tests use a fake tree). */
  root?: string;
  /**
   * v2: fail ensurePodCgroup when cpu, memory or pids cannot be enabled (default true, so limits
   * are never silently dropped). Only the private-mount placement test turns it off: there v1
   * holds every controller.
   */
  requireControllers?: boolean;
}

/** The probes detection reads the host (or a fake tree) through: existence and file text. */
export const syncProbes = {
  exists: existsSync,
  readFile: (p: string): string | undefined => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** Detects the hierarchy under the root and returns its driver. */
export function createCgroupDriver(o: CgroupDriverOptions = {}): CgroupDriver {
  const h = detectCgroupHierarchy(syncProbes, o.root ?? DEFAULT_CGROUP_ROOT);
  return cgroupVersion(h) === 2 ? new CgroupV2Driver(h, o.requireControllers ?? true) : new CgroupV1Driver(h);
}

function workingSet(usage: number | undefined, stat: Record<string, number>, inactiveKey: string): number | undefined {
  if (usage === undefined) return undefined;
  return Math.max(0, usage - (stat[inactiveKey] ?? 0));
}

// ───────────────────────────── drivers ─────────────────────────────

/** The controller names of a cgroup.controllers / cgroup.subtree_control text (a fake tree's keeps the written "+c"). */
function words(text: string | undefined): string[] {
  return (text ?? '').split(/\s+/).filter(Boolean).map((w) => w.replace(/^\+/, ''));
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

async function readNumber(path: string): Promise<number | undefined> {
  const t = await readText(path);
  const n = t === undefined ? NaN : Number(t.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** v1 and hybrid hosts: one hierarchy per controller (or controller set) under the root. */
export class CgroupV1Driver implements CgroupDriver {
  readonly version = 1;
  private hierarchies: string[] | undefined;

  constructor(readonly hierarchy: CgroupHierarchy) {}

  async ensurePodCgroup(_path: string): Promise<void> {
    // runc creates the directories in every hierarchy; nothing to delegate on v1.
  }

  /** The hierarchy directory serving a controller, e.g. cpuacct → <root>/cpu,cpuacct. */
  private controllerDir(controller: string): string | undefined {
    return this.listHierarchies().find((d) => d.slice(this.hierarchy.root.length + 1).split(',').includes(controller));
  }

  /** Every mounted hierarchy under the root (directories holding cgroup.procs; symlinks such as cpu → cpu,cpuacct skipped). */
  private listHierarchies(): string[] {
    if (this.hierarchies) return this.hierarchies;
    const out: string[] = [];
    try {
      for (const e of readdirSync(this.hierarchy.root, { withFileTypes: true })) if (e.isDirectory() && existsSync(join(this.hierarchy.root, e.name, 'cgroup.procs'))) out.push(join(this.hierarchy.root, e.name));
    } catch {
      /* no root: no hierarchies */
    }
    this.hierarchies = out;
    return out;
  }

  dirsOf(path: string): string[] {
    return this.listHierarchies().map((h) => join(h, path));
  }

  async readOomKillCount(path: string): Promise<number | undefined> {
    const mem = this.controllerDir('memory');
    const text = mem && (await readText(join(mem, path, 'memory.oom_control')));
    return text === undefined ? undefined : oomKillsOf(text);
  }

  async readStats(path: string): Promise<CgroupStats | undefined> {
    const mem = this.controllerDir('memory');
    const acct = this.controllerDir('cpuacct');
    const memoryUsageBytes = mem ? await readNumber(join(mem, path, 'memory.usage_in_bytes')) : undefined;
    const stat = parseFlatKeyed((mem && (await readText(join(mem, path, 'memory.stat')))) || '');
    const cpuUsageNanoseconds = acct ? await readNumber(join(acct, path, 'cpuacct.usage')) : undefined;
    if (memoryUsageBytes === undefined && cpuUsageNanoseconds === undefined) return undefined;
    return { memoryUsageBytes, memoryWorkingSetBytes: workingSet(memoryUsageBytes, stat, 'total_inactive_file'), cpuUsageNanoseconds };
  }

  async remove(path: string): Promise<string[]> {
    const left: string[] = [];
    for (const dir of this.dirsOf(path)) if (!(await rmdirTree(dir))) left.push(dir);
    return left;
  }
}

/** Unified hosts: one tree under the cgroup2 root, controllers enabled level by level. */
export class CgroupV2Driver implements CgroupDriver {
  readonly version = 2;

  constructor(
    readonly hierarchy: CgroupHierarchy,
    private readonly requireControllers = true,
  ) {}

  dirsOf(path: string): string[] {
    return [join(this.hierarchy.root, path)];
  }

  async ensurePodCgroup(path: string): Promise<void> {
    const root = this.hierarchy.root;
    const segments = path.split('/').filter(Boolean);
    // A child offers exactly what its parent enabled in cgroup.subtree_control (the kernel's
    // contract), so each level's offer is the previous level's result; only the root's is read.
    let offered = words(await readText(join(root, 'cgroup.controllers')));
    offered = await this.enableControllers(root, offered);
    let dir = root;
    for (const s of segments) {
      dir = join(dir, s);
      await mkdir(dir).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw new RuntimeError(ERR_RUNTIME_CGROUP, `cannot create cgroup ${dir} (${e.code ?? e.message}): the cgroup2 mount must be writable by k8ts (run as root, mount ${root} read-write)`, { cause: e });
      });
      // The pod cgroup too: its children are the containers.
      offered = await this.enableControllers(dir, offered);
    }
  }

  /** Enables the wanted controllers the cgroup is offered in its cgroup.subtree_control; returns what is enabled there. */
  private async enableControllers(dir: string, offered: readonly string[]): Promise<string[]> {
    const subtreeFile = join(dir, 'cgroup.subtree_control');
    const enabled = words(await readText(subtreeFile));
    for (const c of [...REQUIRED_V2_CONTROLLERS, ...OPTIONAL_V2_CONTROLLERS]) {
      const required = this.requireControllers && (REQUIRED_V2_CONTROLLERS as readonly string[]).includes(c);
      if (enabled.includes(c)) continue;
      if (!offered.includes(c)) {
        if (required) {
          throw new RuntimeError(ERR_RUNTIME_CGROUP, `cgroup v2 controller ${c} is not delegated to k8ts (missing from ${join(dir, 'cgroup.controllers')}): enable it in the parent cgroup (echo +${c} > <parent>/cgroup.subtree_control, or Delegate=yes for a systemd unit)`);
        }
        continue;
      }
      try {
        // One controller per write, so a failure names its controller.
        await appendFile(subtreeFile, `+${c}\n`);
        enabled.push(c);
      } catch (e) {
        if (!required) continue;
        const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        const why = code === 'EBUSY' ? 'processes live in that cgroup: move them to a child cgroup first' : `mount ${this.hierarchy.root} read-write and run as root, or enable it beforehand`;
        throw new RuntimeError(ERR_RUNTIME_CGROUP, `cannot enable cgroup v2 controller ${c} in ${subtreeFile} (${code}): ${why} (echo +${c} > ${subtreeFile})`, { cause: e });
      }
    }
    return enabled;
  }

  async readOomKillCount(path: string): Promise<number | undefined> {
    const text = await readText(join(this.hierarchy.root, path, 'memory.events'));
    return text === undefined ? undefined : oomKillsOf(text);
  }

  async readStats(path: string): Promise<CgroupStats | undefined> {
    const dir = join(this.hierarchy.root, path);
    const memoryUsageBytes = await readNumber(join(dir, 'memory.current'));
    const stat = parseFlatKeyed((await readText(join(dir, 'memory.stat'))) ?? '');
    const cpu = (await readText(join(dir, 'cpu.stat'))) ?? '';
    const usec = parseFlatKeyed(cpu).usage_usec;
    if (memoryUsageBytes === undefined && usec === undefined) return undefined;
    return { memoryUsageBytes, memoryWorkingSetBytes: workingSet(memoryUsageBytes, stat, 'inactive_file'), cpuUsageNanoseconds: usec === undefined ? undefined : usec * 1000 };
  }

  async remove(path: string): Promise<string[]> {
    const dir = join(this.hierarchy.root, path);
    return (await rmdirTree(dir)) ? [] : [dir];
  }
}

/** rmdir a cgroup and its (empty) children, retrying while the last tasks exit. True when gone. */
export async function rmdirTree(dir: string): Promise<boolean> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return true;
  }
  for (const e of entries) if (e.isDirectory()) await rmdirTree(join(dir, e.name));
  for (let i = 0; i < 20; i++) {
    try {
      await rmdir(dir);
      return true;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT') return true;
      if (code !== 'EBUSY') return false;
      await new Promise((r) => setTimeout(r, 25)); // tasks still exiting
    }
  }
  return false;
}
