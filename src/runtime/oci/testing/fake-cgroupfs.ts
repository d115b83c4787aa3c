// Fake cgroup roots in a temp dir, shaped like a v1, hybrid or unified (v2) host, for the cgroup
// detection and driver tests. Plain files stand in for the kernel's: a fake cgroup2 child does
// not get cgroup.controllers by itself, and a write appends instead of toggling (see
// CgroupV2Driver, which reads a child's offer from its parent's cgroup.subtree_control).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type FakeCgroupShape = 'v1' | 'hybrid' | 'unified' | 'none';

export interface FakeCgroupfs {
  root: string;
  /** Writes a file below the root, making its directories. */
  write(rel: string, content: string): void;
  dispose(): void;
}

const V1_HIERARCHIES = ['cpu,cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'systemd'];

/** A fake root; unified's root offers `controllers` (default cpu memory pids io hugetlb). */
export function fakeCgroupfs(shape: FakeCgroupShape, o: { controllers?: string; subtreeControl?: string } = {}): FakeCgroupfs {
  const root = mkdtempSync(join(tmpdir(), 'k8ts-test-cgroupfs-'));
  const write = (rel: string, content: string): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  };
  if (shape === 'unified') {
    write('cgroup.controllers', `${o.controllers ?? 'cpuset cpu io memory hugetlb pids'}\n`);
    write('cgroup.subtree_control', o.subtreeControl ?? '');
    write('cgroup.procs', '1\n');
  }
  if (shape === 'v1' || shape === 'hybrid') {
    for (const h of V1_HIERARCHIES) write(`${h}/cgroup.procs`, '1\n');
    // Symlinks, as distributions make them: cpu → cpu,cpuacct.
    symlinkSync('cpu,cpuacct', join(root, 'cpu'));
    symlinkSync('cpu,cpuacct', join(root, 'cpuacct'));
  }
  if (shape === 'hybrid') {
    write('unified/cgroup.controllers', 'hugetlb\n');
    write('unified/cgroup.procs', '1\n');
  }
  return { root, write, dispose: () => rmSync(root, { recursive: true, force: true }) };
}
