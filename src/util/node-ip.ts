import { networkInterfaces } from 'node:os';

/** Interfaces that belong to pod networks, never the node's own address. */
const POD_NETWORK_LINK = /^(k8ts|cni|veth|flannel|docker|cali|vxlan)/;

/** The first non-loopback IPv4 address of the host (k3s's default node IP), else 127.0.0.1. */
export function defaultNodeIP(): string {
  for (const [name, list] of Object.entries(networkInterfaces())) {
    if (POD_NETWORK_LINK.test(name)) continue;
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
