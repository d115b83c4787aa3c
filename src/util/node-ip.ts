// The node's own IP when none is given (--node-ip): the one choice the kubelet registers with,
// `k8ts server` advertises, and `k8ts start` prints in the join line.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** Interfaces that belong to pod networks, never the node's own address. */
const POD_NETWORK_LINK = /^(k8ts|cni|veth|flannel|docker|cali|vxlan)/;

/**
 * The first non-loopback IPv4 address of the host, skipping pod-network links (k3s's default
 * node IP), else 127.0.0.1. `interfaces` defaults to the host's (os.networkInterfaces()).
 */
export function defaultNodeIP(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string {
  for (const [name, list] of Object.entries(interfaces)) {
    if (POD_NETWORK_LINK.test(name)) continue;
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
