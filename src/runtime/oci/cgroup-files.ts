// The cgroup files a container's limits become, and the parsers of the files the driver reads.
// Pure: the spec builder (spec.ts) and the driver (cgroup-driver.ts) share them.
//
// Container limits on v2 (v2ContainerFiles, written by runc from the spec's linux.resources.unified):
//   cpu.weight  1 + (shares - 2) * 9999 / 262142   (upstream's shares→weight conversion)
//   cpu.max     "<quota> <period>"                  (from the CPU limit)
//   memory.max  bytes                               (from the memory limit)
//   pids.max    the pod pids limit
// memory.high is not written: upstream sets it only under the MemoryQoS feature gate (off by
// default, and even where on it needs an explicit memoryThrottlingFactor).
import type { LinuxResources } from '../types.js';

/** Upstream's (and runc's) cgroup v1 cpu.shares → v2 cpu.weight: [2, 262144] → [1, 10000]. */
export function cpuSharesToWeight(shares: number): number {
  const s = Math.min(262144, Math.max(2, Math.floor(shares)));
  return 1 + Math.floor(((s - 2) * 9999) / 262142);
}

/** The v2 files and values a container's resources become (runc writes them from linux.resources.unified). */
export function v2ContainerFiles(r: Readonly<LinuxResources>): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.cpuShares && r.cpuShares > 0) out['cpu.weight'] = String(cpuSharesToWeight(r.cpuShares));
  if (r.cpuQuota && r.cpuQuota > 0) out['cpu.max'] = `${Math.floor(r.cpuQuota)} ${r.cpuPeriod && r.cpuPeriod > 0 ? Math.floor(r.cpuPeriod) : 100000}`;
  if (r.memoryLimitBytes && r.memoryLimitBytes > 0) out['memory.max'] = String(Math.floor(r.memoryLimitBytes));
  if (r.pidsLimit && r.pidsLimit > 0) out['pids.max'] = String(Math.floor(r.pidsLimit));
  return out;
}

/** A flat-keyed cgroup file (memory.events, memory.stat, cpu.stat, memory.oom_control): `key value` lines. */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\d+)\s*$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** `oom_kill` from a v2 memory.events (or a v1 memory.oom_control, same shape), or undefined. */
export function oomKillsOf(text: string): number | undefined {
  return parseFlatKeyed(text).oom_kill;
}

