// Facts about the host the node reports: capacity, identity (nodeInfo) and the signals the
// pressure conditions are computed from. All I/O is here; everything reads Linux files
// (/proc, /etc, /sys) and answers something sensible when a file is missing.
import { promises as fs, statfs as statfsCb } from 'node:fs';
import { promisify } from 'node:util';
import os from 'node:os';

const statfs = promisify(statfsCb);

export interface HostSnapshot {
  cpus: number;
  memoryTotalBytes: number;
  memoryAvailableBytes: number;
  fsTotalBytes: number;
  fsAvailableBytes: number;
  pidMax: number;
  pidsInUse: number;
}

export interface HostIdentity {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  architecture: string;
}

async function read(path: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** `MemTotal:  16314348 kB` lines → bytes by key. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m) out.set(m[1], Number(m[2]) * (line.includes('kB') ? 1024 : 1));
  }
  return out;
}

/** PRETTY_NAME from /etc/os-release text. */
export function parseOsRelease(text: string): string | undefined {
  const m = /^PRETTY_NAME=(.*)$/m.exec(text);
  return m ? m[1].replace(/^["']|["']$/g, '') : undefined;
}

export async function hostSnapshot(dataDir: string): Promise<HostSnapshot> {
  const mem = parseMeminfo((await read('/proc/meminfo')) ?? '');
  const total = mem.get('MemTotal') ?? os.totalmem();
  const available = mem.get('MemAvailable') ?? os.freemem();
  let fsTotal = 0;
  let fsAvail = 0;
  try {
    const s = await statfs(dataDir);
    fsTotal = s.blocks * s.bsize;
    fsAvail = s.bavail * s.bsize;
  } catch {
    // dataDir not there yet: no disk figures.
  }
  const pidMax = Number((await read('/proc/sys/kernel/pid_max')) ?? '32768') || 32768;
  let pids = 0;
  try {
    for (const e of await fs.readdir('/proc')) if (/^\d+$/.test(e)) pids++;
  } catch {
    pids = 0;
  }
  return { cpus: os.cpus().length || 1, memoryTotalBytes: total, memoryAvailableBytes: available, fsTotalBytes: fsTotal, fsAvailableBytes: fsAvail, pidMax, pidsInUse: pids };
}

export async function hostIdentity(): Promise<HostIdentity> {
  const machineID = (await read('/etc/machine-id')) ?? (await read('/var/lib/dbus/machine-id')) ?? os.hostname();
  const systemUUID = ((await read('/sys/class/dmi/id/product_uuid')) ?? machineID).toLowerCase();
  const bootID = (await read('/proc/sys/kernel/random/boot_id')) ?? '';
  const osImage = parseOsRelease((await read('/etc/os-release')) ?? '') ?? `${os.type()} ${os.release()}`;
  const arch = os.arch();
  const architecture = arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch;
  return { machineID, systemUUID, bootID, kernelVersion: os.release(), osImage, architecture };
}
