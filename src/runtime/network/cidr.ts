// IPv4 CIDR arithmetic (pure).

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  network: number;
  prefix: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`invalid IPv4 address ${JSON.stringify(ip)}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`invalid IPv4 address ${JSON.stringify(ip)}`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): Ipv4Cidr {
  const [ip, len] = cidr.split('/');
  const prefix = Number(len);
  if (!ip || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new Error(`unsupported pod CIDR ${JSON.stringify(cidr)} (IPv4, /8../30)`);
  const size = 2 ** (32 - prefix);
  const network = ipToInt(ip) - (ipToInt(ip) % size);
  return { network, prefix };
}

export function formatCidr(c: Ipv4Cidr): string {
  return `${intToIp(c.network)}/${c.prefix}`;
}

/** The gateway (bridge) address: the first host address. */
export function gatewayOf(c: Ipv4Cidr): string {
  return intToIp(c.network + 1);
}

/** Addresses handed to pods: after the gateway, before broadcast. */
export function podRange(c: Ipv4Cidr): { first: number; last: number } {
  return { first: c.network + 2, last: c.network + 2 ** (32 - c.prefix) - 2 };
}

export function contains(c: Ipv4Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= c.network && n < c.network + 2 ** (32 - c.prefix);
}
