// cgroup v1 (hybrid) helpers: runc creates and enforces the container cgroups; we only read the
// OOM counter and remove the pod-level directories runc leaves behind.
import { readFile, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

let mountsCache: string[] | undefined;

/** Mount points of every cgroup (v1) and cgroup2 hierarchy. */
export async function cgroupMounts(): Promise<string[]> {
  if (mountsCache) return mountsCache;
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const out: string[] = [];
  for (const line of info.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const fstype = post.split(' ')[0];
    if (fstype === 'cgroup' || fstype === 'cgroup2') out.push(unescapeMount(pre.split(' ')[4] ?? ''));
  }
  mountsCache = out.filter(Boolean);
  return mountsCache;
}

function unescapeMount(s: string): string {
  return s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** `oom_kill` from memory.oom_control (kernel ≥4.13), or undefined when the cgroup is gone. */
export async function readOomKillCount(cgroupsPath: string): Promise<number | undefined> {
  const mounts = await cgroupMounts();
  const mem = mounts.find((m) => /\/memory$/.test(m) || /[,/]memory(,|$)/.test(m));
  if (!mem) return undefined;
  try {
    const text = await readFile(join(mem, cgroupsPath, 'memory.oom_control'), 'utf8');
    const m = /^oom_kill (\d+)/m.exec(text);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Removes a cgroup path (and empty children) in every hierarchy; ignores what is missing. Returns leftovers. */
export async function removeCgroup(cgroupsPath: string): Promise<string[]> {
  const left: string[] = [];
  for (const m of await cgroupMounts()) {
    const dir = join(m, cgroupsPath);
    if (!(await rmdirTree(dir))) left.push(dir);
  }
  return left;
}

async function rmdirTree(dir: string): Promise<boolean> {
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
