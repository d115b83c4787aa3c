// The cgroup mounts of this mount namespace, from /proc/self/mountinfo: where `k8ts stop`
// (cleanup.ts) and the leak checks of tests look for cgroups, whatever the hierarchy. The runtime
// itself places, reads and removes cgroups through its driver (cgroup-driver.ts).
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

let mountsCache: string[] | undefined;

/** Mount points of every cgroup (v1) and cgroup2 hierarchy in a mountinfo text. Pure. */
export function parseCgroupMounts(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const fstype = post.split(' ')[0];
    if (fstype === 'cgroup' || fstype === 'cgroup2') out.push(unescapeMount(pre.split(' ')[4] ?? ''));
  }
  return out.filter(Boolean);
}

/** Mount points of every cgroup (v1) and cgroup2 hierarchy. */
export async function cgroupMounts(): Promise<string[]> {
  mountsCache ??= parseCgroupMounts(await readFile('/proc/self/mountinfo', 'utf8'));
  return mountsCache;
}

function unescapeMount(s: string): string {
  return s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Every directory under cgroupsPath in any hierarchy (for leak checks in tests). */
export async function listCgroups(cgroupsPath: string): Promise<string[]> {
  const out: string[] = [];
  for (const m of await cgroupMounts()) {
    const walk = async (d: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(d, { withFileTypes: true });
      } catch {
        return;
      }
      out.push(d);
      for (const e of entries) if (e.isDirectory()) await walk(join(d, e.name));
    };
    await walk(join(m, cgroupsPath));
  }
  return out;
}
