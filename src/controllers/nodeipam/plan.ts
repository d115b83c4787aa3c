// Pod CIDR allocation for nodes (upstream nodeipam's range allocator): the cluster CIDR is cut
// into per-node blocks (/24 by default); a node without spec.podCIDR gets the lowest free block.
// Block 0 is kept for the server's own node, which registers with it (k8ts server passes
// <cluster>.0/24 to its local agent), so an agent joining first can never take it.
import { intToIPv4, parseIPv4Cidr } from '../../util/net.js';

export interface PodCidrPool {
  clusterCIDR: string;
  /** Prefix length of one node's block (default 24). */
  nodeMaskSize?: number;
  /** Blocks never handed out by the allocator (default: block 0). */
  reserved?: number;
}

/** How many blocks the pool has, and the block with a given index. */
export function blocksOf(pool: PodCidrPool): { count: number; block(i: number): string; indexOf(cidr: string): number | undefined } {
  const c = parseIPv4Cidr(pool.clusterCIDR);
  const mask = pool.nodeMaskSize ?? 24;
  if (mask < c.prefix || mask > 30) throw new Error(`node mask /${mask} does not fit cluster CIDR ${pool.clusterCIDR}`);
  const base = c.network;
  const size = 2 ** (32 - mask);
  const count = 2 ** (mask - c.prefix);
  return {
    count,
    block: (i) => `${intToIPv4(base + i * size)}/${mask}`,
    indexOf: (cidr) => {
      let b;
      try {
        b = parseIPv4Cidr(cidr);
      } catch {
        return undefined;
      }
      if (b.prefix !== mask) return undefined;
      const i = (b.network - base) / size;
      return Number.isInteger(i) && i >= 0 && i < count ? i : undefined;
    },
  };
}

/**
 * Picks a block for each node in `want` (in order), avoiding blocks that nodes already hold.
 * Returns node name → CIDR; nodes left out when the pool is exhausted.
 */
export function allocatePodCidrs(pool: PodCidrPool, used: readonly string[], want: readonly string[]): Map<string, string> {
  const blocks = blocksOf(pool);
  const taken = new Set<number>();
  for (const u of used) {
    const i = blocks.indexOf(u);
    if (i !== undefined) taken.add(i);
  }
  const out = new Map<string, string>();
  let next = pool.reserved ?? 1;
  for (const node of want) {
    while (next < blocks.count && taken.has(next)) next++;
    if (next >= blocks.count) break;
    taken.add(next);
    out.set(node, blocks.block(next));
  }
  return out;
}
