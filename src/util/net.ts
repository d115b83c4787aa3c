// IP addresses and IPv4 CIDR blocks for the components that handle addresses at run time
// (kubelet, pod network, service proxy, DNS, IP allocators, node IPAM). Recognition is
// node:net's (one notion of "an IPv4 address" everywhere: dotted decimal, no leading zeros),
// arithmetic is on unsigned 32-bit integers.
//
// API validation does not use this module: src/api stays free of node: imports, and it
// implements upstream's own rules (k8s.io/apimachinery validation IsValidIP...) in
// src/api/validation/names.ts (isValidIPv4Address/isValidIPv6Address), which decide what the
// API accepts. This module only has to read what the API already accepted.
import { isIPv4 as netIsIPv4, isIPv6 as netIsIPv6 } from 'node:net';

/**
 * An IPv4 address (dotted decimal, no leading zeros), as node:net reads it. A type guard for
 * values that may not be strings; a plain predicate for strings (so `else` branches keep
 * their type).
 */
export function isIPv4(s: string): boolean;
export function isIPv4(s: unknown): s is string;
export function isIPv4(s: unknown): boolean {
  return typeof s === 'string' && netIsIPv4(s);
}

/** An IPv6 address without a zone (`%eth0`): Kubernetes never carries zones. */
export function isIPv6(s: string): boolean;
export function isIPv6(s: unknown): s is string;
export function isIPv6(s: unknown): boolean {
  return typeof s === 'string' && !s.includes('%') && netIsIPv6(s);
}

export function isIP(s: string): boolean;
export function isIP(s: unknown): s is string;
export function isIP(s: unknown): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** The address as an unsigned 32-bit integer; NaN when `ip` is not an IPv4 address (as Number('x')). */
export function ipv4ToInt(ip: string): number {
  if (!isIPv4(ip)) return NaN;
  let n = 0;
  for (const p of ip.split('.')) n = n * 256 + Number(p);
  return n;
}

/** Dotted decimal of an unsigned 32-bit integer. */
export function intToIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface IPv4Cidr {
  /** Network address (host bits cleared) as an unsigned 32-bit integer. */
  network: number;
  /** Prefix length, 0..32. */
  prefix: number;
}

export class InvalidCidrError extends Error {
  readonly code = 'K8TS_INVALID_CIDR';
  constructor(readonly cidr: string) {
    super(`invalid IPv4 CIDR ${JSON.stringify(cidr)}`);
    this.name = 'InvalidCidrError';
  }
}

/** `a.b.c.d/n`, host bits cleared (10.42.1.7/16 is 10.42.0.0/16); throws InvalidCidrError. */
export function parseIPv4Cidr(cidr: string): IPv4Cidr {
  const slash = cidr.indexOf('/');
  const addr = ipv4ToInt(cidr.slice(0, slash));
  const bits = cidr.slice(slash + 1);
  const prefix = Number(bits);
  if (slash < 0 || Number.isNaN(addr) || !/^\d{1,2}$/.test(bits) || prefix > 32) throw new InvalidCidrError(cidr);
  const size = 2 ** (32 - prefix);
  return { network: addr - (addr % size), prefix };
}

/** Whether `cidr` is an IPv4 CIDR parseIPv4Cidr accepts. */
export function isIPv4Cidr(cidr: unknown): cidr is string {
  if (typeof cidr !== 'string') return false;
  try {
    parseIPv4Cidr(cidr);
    return true;
  } catch {
    return false;
  }
}

export function formatIPv4Cidr(c: Readonly<IPv4Cidr>): string {
  return `${intToIPv4(c.network)}/${c.prefix}`;
}

/** How many addresses the block has (2^(32-prefix)). */
export function cidrSize(c: Readonly<IPv4Cidr>): number {
  return 2 ** (32 - c.prefix);
}

/** Whether the block holds `ip`; false when `ip` is not an IPv4 address. */
export function cidrContains(c: Readonly<IPv4Cidr>, ip: string): boolean {
  const n = ipv4ToInt(ip);
  return n >= c.network && n < c.network + cidrSize(c);
}

/**
 * The nftables rule (for a `filter` chain on the `input` hook) that drops packets to
 * 127.0.0.0/8 arriving on any interface but `lo`, unless the connection was DNAT'ed: kube-proxy's
 * KUBE-FIREWALL answer to CVE-2020-8558. route_localnet=1 (needed for NodePorts and hostPorts
 * on 127.0.0.1, and on the bridge for DNAT to a loopback endpoint) would otherwise let a pod or a
 * neighbour on the link reach services bound to the node's 127.0.0.1. DNAT'ed connections (a
 * NodePort on 127.0.0.1, or replies un-NAT'ed back to 127.0.0.1) pass. 0x20 is the conntrack
 * status bit IPS_DST_NAT (nft's `dnat`), tested as a mask: `ct status != dnat` would compare the
 * whole status word and drop DNAT'ed connections too.
 */
export const LOOPBACK_MARTIAN_DROP_RULE = 'iifname != "lo" ip daddr 127.0.0.0/8 ct status & 0x00000020 == 0 drop';
