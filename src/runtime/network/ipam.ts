// Our own tiny IPAM, persisted on disk like CNI's host-local: one file per reserved address
// (`<dir>/<ip>`, content = owner), created with O_EXCL so two allocators never hand out the same
// address; `<dir>/last` remembers where the last search stopped so released addresses are not
// reused at once (a stale conntrack entry or ARP cache then cannot hit the new pod).
//
// The reservations are read from the directory once and then kept in memory (owner → address,
// addresses in use, the cursor): an address is picked without touching the disk, so concurrent
// allocations never queue behind each other's file I/O. Before, each allocation read every
// reservation file under a mutex, and 100 pods at once started ~10 a second (issue 18).
// Contract: one HostIpam per directory per process; another writer (a second instance, a tool)
// may add reservations, which O_EXCL keeps apart and the probe learns when it meets them.
import { mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ipv4Cidr, intToIp, ipToInt, podRange } from './cidr.js';
import { Mutex, RuntimeError, isEnoent } from './exec.js';
import { ERR_RUNTIME_IPAM_EXHAUSTED } from '../../util/error-codes.js';

interface IpamState {
  /** owner → address */
  byOwner: Map<string, string>;
  /** address → owner, including reservations still being written */
  used: Map<string, string>;
  /** Where the last search stopped (an address as a number), or undefined. */
  cursor: number | undefined;
}

export class HostIpam {
  private readonly loadMutex = new Mutex();
  private state: IpamState | undefined;
  constructor(private readonly dir: string, private readonly cidr: Ipv4Cidr) {}

  async allocate(owner: string): Promise<string> {
    const st = await this.load();
    const { first, last } = podRange(this.cidr);
    const size = last - first + 1;
    for (;;) {
      const existing = st.byOwner.get(owner);
      if (existing) return existing;
      // Pick and reserve in memory synchronously: concurrent callers get distinct addresses.
      const c = st.cursor;
      const start = c !== undefined && c >= first && c <= last ? (c + 1 > last ? first : c + 1) : first;
      let ip: string | undefined;
      for (let i = 0; i < size; i++) {
        const cand = intToIp(first + ((start - first + i) % size));
        if (!st.used.has(cand)) {
          ip = cand;
          break;
        }
      }
      if (ip === undefined) throw new RuntimeError(ERR_RUNTIME_IPAM_EXHAUSTED, `no free address left in the pod CIDR (${size} in use)`);
      st.used.set(ip, owner);
      st.byOwner.set(owner, ip);
      st.cursor = ipToInt(ip);
      try {
        await writeFile(join(this.dir, ip), owner, { flag: 'wx' });
      } catch (e) {
        st.byOwner.delete(owner);
        if ((e as { code?: string }).code !== 'EEXIST') {
          st.used.delete(ip);
          throw e;
        }
        // Another writer holds it: remember whose it is and search on.
        const other = (await readFile(join(this.dir, ip), 'utf8').catch(() => '')).trim();
        if (other) {
          st.used.set(ip, other);
          if (!st.byOwner.has(other)) st.byOwner.set(other, ip);
        }
        continue;
      }
      // A hint for the next process; a lost race between two writes costs nothing.
      await writeFile(join(this.dir, 'last'), ip);
      return ip;
    }
  }

  /** Releases every address held by owner (idempotent). */
  async release(owner: string): Promise<void> {
    const st = await this.load();
    const ip = st.byOwner.get(owner);
    if (ip === undefined) return;
    st.byOwner.delete(owner);
    await unlink(join(this.dir, ip)).catch((e) => (isEnoent(e) ? undefined : Promise.reject(e)));
    if (st.used.get(ip) === owner) st.used.delete(ip);
  }

  /** ip → owner, as on disk. */
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

  /** Reads the directory once (the first caller; the others wait for it). */
  private async load(): Promise<IpamState> {
    if (this.state) return this.state;
    return this.loadMutex.run(async () => {
      if (this.state) return this.state;
      await mkdir(this.dir, { recursive: true });
      const used = await this.allocations();
      const byOwner = new Map<string, string>();
      for (const [ip, o] of used) byOwner.set(o, ip);
      let cursor: number | undefined;
      try {
        cursor = ipToInt((await readFile(join(this.dir, 'last'), 'utf8')).trim());
      } catch {
        /* no cursor yet */
      }
      this.state = { byOwner, used, cursor };
      return this.state;
    });
  }
}
