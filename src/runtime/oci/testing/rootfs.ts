// Test fixtures for the oci runtime: a busybox-static rootfs built on the fly (runtime.md §1a),
// a RootfsProvider serving it, an environment check, and a leak inventory.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageConfig } from '../../types.js';
import type { RootfsProvider } from '../runtime.js';
import { listCgroups } from '../cgroups.js';

export const TOOLS = {
  runc: '/usr/sbin/runc',
  conmon: '/usr/bin/conmon',
  tini: '/usr/bin/tini-static',
  busybox: '/bin/busybox',
  cni: '/usr/lib/cni',
};

/** Why container tests cannot run here, or undefined when they can. */
export function containerSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root';
  for (const [name, p] of Object.entries(TOOLS)) if (!existsSync(p)) return `${name} not installed (${p})`;
  for (const bin of ['ip', 'nft', 'unshare', 'nsenter', 'script', 'mount']) {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    } catch {
      return `${bin} not installed`;
    }
  }
  if (!existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes')) return 'needs cgroup v1 memory controller (hybrid hierarchy)';
  return undefined;
}

/** A one-layer busybox image: /bin/busybox + every applet, /www/index.html, passwd/group. */
export async function buildBusyboxLayer(dir: string): Promise<string> {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'tmp', 'www', 'proc', 'sys', 'dev', 'root']) await mkdir(join(dir, d), { recursive: true });
  await copyFile(TOOLS.busybox, join(dir, 'bin/busybox'));
  const applets = execFileSync(TOOLS.busybox, ['--list']).toString().split('\n').filter((a) => a && a !== 'busybox');
  await Promise.all(applets.map((a) => symlink('busybox', join(dir, 'bin', a))));
  await writeFile(join(dir, 'www/index.html'), '<h1>hello from busybox httpd</h1>\n');
  await writeFile(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  await writeFile(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  execFileSync('chmod', ['1777', join(dir, 'tmp')]);
  return dir;
}

/** Serves fixed images: ref → layers (top-most first) + config. */
export class StaticRootfsProvider implements RootfsProvider {
  private readonly images = new Map<string, { imageId: string; layers: string[]; config: ImageConfig }>();
  add(ref: string, layers: string[], config: ImageConfig = {}, imageId = `sha256:${ref.replace(/[^a-z0-9]/gi, '').padEnd(64, '0').slice(0, 64)}`): void {
    this.images.set(ref, { imageId, layers, config });
  }
  async layersFor(imageRef: string): Promise<{ imageId: string; layers: string[]; config?: ImageConfig }> {
    const i = this.images.get(imageRef);
    if (!i) throw new Error(`test image ${imageRef} not found`);
    return i;
  }
}

/** Everything with our prefix that could leak: netns, mounts under root, cgroups, links, processes. */
export async function leakInventory(opts: { root: string; cgroupRoot: string; linkPrefix: string; netnsPrefix: string }): Promise<Record<string, string[]>> {
  const netns = (await readdir('/var/run/netns').catch(() => [] as string[])).filter((n) => n.startsWith(opts.netnsPrefix));
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(opts.root + '/') || m.startsWith(`/run/netns/${opts.netnsPrefix}`));
  const cgroups = (await listCgroups(opts.cgroupRoot)).filter((d) => !d.endsWith(opts.cgroupRoot));
  const links = (await readdir('/sys/class/net')).filter((l) => l.startsWith(opts.linkPrefix));
  const procs: string[] = [];
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const cmd = await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(opts.root) && /conmon|runc/.test(cmd)) procs.push(`${p}: ${cmd.replace(/\0/g, ' ').slice(0, 120)}`);
  }
  return { netns, mounts, cgroups, links, procs };
}
