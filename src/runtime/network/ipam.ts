// Our own tiny IPAM, persisted on disk like CNI's host-local: one file per reserved address
// (`<dir>/<ip>`, content = owner), created with O_EXCL so two allocators never hand out the same
// address; `<dir>/last` remembers where the last search stopped so released addresses are not
// reused at once (a stale conntrack entry or ARP cache then cannot hit the new pod).
import { mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ipv4Cidr, intToIp, ipToInt, podRange } from './cidr.js';
import { Mutex, RuntimeError, isEnoent } from './exec.js';
import { ERR_RUNTIME_IPAM_EXHAUSTED } from '../../util/error-codes.js';

export class HostIpam {
  private readonly mutex = new Mutex();
  constructor(private readonly dir: string, private readonly cidr: Ipv4Cidr) {}

  async allocate(owner: string): Promise<string> {
    return this.mutex.run(async () => {
      await mkdir(this.dir, { recursive: true });
      const existing = await this.findByOwner(owner);
      if (existing) return existing;
      const { first, last } = podRange(this.cidr);
      let start = first;
      try {
        const l = ipToInt((await readFile(join(this.dir, 'last'), 'utf8')).trim());
        if (l >= first && l <= last) start = l + 1 > last ? first : l + 1;
      } catch {
        /* no cursor yet */
      }
      const size = last - first + 1;
      for (let i = 0; i < size; i++) {
        const n = first + ((start - first + i) % size);
        const ip = intToIp(n);
        try {
          await writeFile(join(this.dir, ip), owner, { flag: 'wx' });
        } catch (e) {
          if ((e as { code?: string }).code === 'EEXIST') continue;
          throw e;
        }
        await writeFile(join(this.dir, 'last'), ip);
        return ip;
      }
      throw new RuntimeError(ERR_RUNTIME_IPAM_EXHAUSTED, `no free address left in the pod CIDR (${size} in use)`);
    });
  }

  /** Releases every address held by owner (idempotent). */
  async release(owner: string): Promise<void> {
    await this.mutex.run(async () => {
      for (const [ip, o] of await this.allocations()) {
        if (o === owner) await unlink(join(this.dir, ip)).catch((e) => (isEnoent(e) ? undefined : Promise.reject(e)));
      }
    });
  }

  /** ip → owner. */
  async allocations(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if (isEnoent(e)) return out;
      throw e;
    }
    for (const name of names) {
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(name)) continue;
      try {
        out.set(name, (await readFile(join(this.dir, name), 'utf8')).trim());
      } catch (e) {
        if (!isEnoent(e)) throw e;
      }
    }
    return out;
  }

  private async findByOwner(owner: string): Promise<string | undefined> {
    for (const [ip, o] of await this.allocations()) if (o === owner) return ip;
    return undefined;
  }
}
