// Cluster-wide allocation of Service ClusterIPs and NodePorts. Each allocated value is a
// storage key (`/registry/ranges/<range>/<value>`) created with create-if-absent, so two
// concurrent requests — even on two API servers sharing a datastore — can never get the
// same value, and allocations survive restarts with the data they belong to.
import { type Store, isStorageError } from '../../storage/index.js';
import { randomInt } from 'node:crypto';
import { intToIPv4, ipv4ToInt, parseIPv4Cidr } from '../../util/net.js';
import { ERR_STORAGE_CONFLICT, ERR_STORAGE_KEY_EXISTS, ERR_STORAGE_KEY_NOT_FOUND } from '../../util/error-codes.js';

export interface Range<T> {
  name: string;
  size: number;
  /** i-th value of the range, 0 <= i < size. */
  at(i: number): T;
  /** Index of a value, or -1 when outside the range. */
  indexOf(v: T): number;
  toKey(v: T): string;
}

export class RangeAllocator<T> {
  constructor(private readonly store: Store, readonly range: Range<T>) {}

  private key(v: T): string {
    return `/registry/ranges/${this.range.name}/${this.range.toKey(v)}`;
  }

  contains(v: T): boolean {
    return this.range.indexOf(v) >= 0;
  }

  /** Claims a specific value; false when taken. */
  async claim(v: T, owner: string): Promise<boolean> {
    try {
      await this.store.create(this.key(v), owner);
      return true;
    } catch (e) {
      if (isStorageError(e, ERR_STORAGE_KEY_EXISTS)) {
        // Idempotent for the same owner (a retried write).
        const cur = await this.store.get(this.key(v));
        return cur?.value === owner;
      }
      throw e;
    }
  }

  /** Claims some free value, starting from a random offset; undefined when full. */
  async allocate(owner: string): Promise<T | undefined> {
    const n = this.range.size;
    const start = randomInt(n);
    for (let i = 0; i < n; i++) {
      const v = this.range.at((start + i) % n);
      if (await this.claim(v, owner)) return v;
    }
    return undefined;
  }

  async release(v: T, owner?: string): Promise<void> {
    try {
      const cur = await this.store.get(this.key(v));
      if (!cur || (owner !== undefined && cur.value !== owner)) return;
      await this.store.delete(this.key(v), cur.modRevision);
    } catch (e) {
      if (isStorageError(e, ERR_STORAGE_KEY_NOT_FOUND) || isStorageError(e, ERR_STORAGE_CONFLICT)) return;
      throw e;
    }
  }
}

// Re-exported under this module's earlier names (one definition each, in util/net.ts).
export { ipv4ToInt as ipToInt, intToIPv4 as intToIp } from '../../util/net.js';

/**
 * IPv4 CIDR as an allocation range. The network and broadcast addresses are excluded, and so
 * are the first `reserved` host addresses (upstream reserves .1 for the `kubernetes`
 * Service, which claims it explicitly). Throws InvalidCidrError for a malformed CIDR (it used to
 * yield a range at 0.0.0.0).
 */
export function cidrRange(name: string, cidr: string): Range<string> & { base: number; prefix: number; nth(i: number): string } {
  const { network: base, prefix } = parseIPv4Cidr(cidr);
  const total = 2 ** (32 - prefix);
  const size = Math.max(0, total - 2);
  return {
    name,
    base,
    prefix,
    size,
    at: (i) => intToIPv4(base + 1 + i),
    nth: (i) => intToIPv4(base + i),
    indexOf: (ip) => {
      const n = ipv4ToInt(ip);
      if (Number.isNaN(n)) return -1;
      const off = n - base - 1;
      return off >= 0 && off < size ? off : -1;
    },
    toKey: (ip) => ip,
  };
}

export function portRange(name: string, from: number, to: number): Range<number> {
  return {
    name,
    size: to - from + 1,
    at: (i) => from + i,
    indexOf: (p) => (Number.isInteger(p) && p >= from && p <= to ? p - from : -1),
    toKey: (p) => String(p),
  };
}
