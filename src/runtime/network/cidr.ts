// The pod network's IPv4 block: which CIDRs a node's bridge can serve (/8../30), its gateway
// and the addresses handed to pods. Address arithmetic is util/net's.
import { intToIPv4, parseIPv4Cidr, type IPv4Cidr } from '../../util/net.js';

export type Ipv4Cidr = IPv4Cidr;
// Re-exported under this module's earlier names (one definition each, in util/net.ts).
export { intToIPv4 as intToIp, ipv4ToInt as ipToInt, formatIPv4Cidr as formatCidr, cidrContains as contains } from '../../util/net.js';

/** A node's pod CIDR: an IPv4 block from /8 to /30 (room for a gateway and pods). */
export function parseCidr(cidr: string): Ipv4Cidr {
  let c: IPv4Cidr | undefined;
  try {
    c = parseIPv4Cidr(cidr);
  } catch {
    c = undefined;
  }
  if (!c || c.prefix < 8 || c.prefix > 30) throw new Error(`unsupported pod CIDR ${JSON.stringify(cidr)} (IPv4, /8../30)`);
  return c;
}

/** The gateway (bridge) address: the first host address. */
export function gatewayOf(c: Ipv4Cidr): string {
  return intToIPv4(c.network + 1);
}

/** Addresses handed to pods: after the gateway, before broadcast. */
export function podRange(c: Ipv4Cidr): { first: number; last: number } {
  return { first: c.network + 2, last: c.network + 2 ** (32 - c.prefix) - 2 };
}
