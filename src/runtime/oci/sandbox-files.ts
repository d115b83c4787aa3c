// Per-pod files and the pod's persisted IPC/UTS namespaces (pure rendering + small I/O helpers).
//
// Why no "pause" process: the pod's IPC and UTS namespaces are created once with
// `unshare --ipc=<file> --uts=<file> hostname <name>` and kept alive by bind-mounting them on
// files, exactly as `ip netns` keeps the network namespace. Every container joins all three by
// path. Compared with joining /proc/<first container>/ns/*, a container restart cannot take the
// pod's namespaces with it; compared with a pause container it costs one 4 ms process instead of
// a runc run (~50 ms) and there is no long-running process to supervise or re-adopt.
// The network namespace is made by the same process (`--net=/var/run/netns/<name>`, where
// `ip netns` looks for it): one process per sandbox instead of `ip netns add` and `unshare`,
// since every process the agent spawns briefly blocks its event loop (issue 18).
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { run } from '../network/exec.js';
import { MANAGED_HOSTS_HEADER } from '../hosts-file.js';

export function renderHostsFile(ip: string, hostname: string): string {
  const lines = [...MANAGED_HOSTS_HEADER];
  if (ip && hostname) lines.push(`${ip}\t${hostname}`);
  return lines.join('\n') + '\n';
}

/** A valid UTS hostname (≤ 63 chars, DNS label characters). */
export function sanitizeHostname(h: string): string {
  const s = h.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 63).replace(/[-.]+$/, '');
  return s || 'localhost';
}

export async function createPodNamespaces(ipcPath: string, utsPath: string | undefined, hostname: string, netnsPath?: string): Promise<void> {
  await writeFile(ipcPath, '');
  const args = [`--ipc=${ipcPath}`];
  if (netnsPath) {
    await mkdir(dirname(netnsPath), { recursive: true });
    await writeFile(netnsPath, '', { flag: 'wx' }); // as `ip netns add`: an existing name is an error
    args.push(`--net=${netnsPath}`);
  }
  if (utsPath) {
    await writeFile(utsPath, '');
    args.push(`--uts=${utsPath}`, 'hostname', sanitizeHostname(hostname));
  } else args.push('true');
  await run('unshare', args);
}

/** Unmounts persisted namespace files (idempotent: unmounted or missing files are skipped). */
export async function releaseNamespaceFiles(paths: string[]): Promise<void> {
  const mounted: string[] = [];
  for (const p of paths) if (p && (await isMountPoint(p))) mounted.push(p);
  if (mounted.length) await run('umount', mounted, { allowFailure: true });
}

export async function isMountPoint(path: string): Promise<boolean> {
  if (!(await access(path).then(() => true, () => false))) return false;
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const esc = path.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));
  return text.split('\n').some((l) => l.split(' ')[4] === esc);
}
