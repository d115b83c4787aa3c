// hostPort DNAT for the direct-bridge network in one nftables table, rewritten atomically with
// `nft -f` whenever the set of mappings changes (pure rendering here; applying is in bridge.ts).
//
//   prerouting/output ── fib daddr type local (node addresses + 127.0.0.1) ─▶ dnat to pod:port
//   postrouting        ── hostport-marked and from 127/8 or from a pod (hairpin) ─▶ masquerade
//
// 127.0.0.1 works because route_localnet=1 is set on the bridge (otherwise the kernel drops
// 127/8 sources on a non-loopback device); the masquerade gives the pod a source it can reply to.
// The nat table's `martians` chain drops what route_localnet would otherwise let in: packets
// from the bridge to 127.0.0.0/8 that no DNAT sent there.
import type { PortMapping } from '../types.js';
import { LOOPBACK_MARTIAN_DROP_RULE } from '../../util/net.js';

export const HOSTPORT_MARK = 0x8000;

export interface HostPortEntry {
  podIp: string;
  mapping: PortMapping;
}

export function renderHostPortTable(table: string, podCidr: string, entries: readonly HostPortEntry[]): string {
  const lines: string[] = [];
  lines.push(`table ip ${table}`, `delete table ip ${table}`);
  if (entries.length === 0) return lines.join('\n') + '\n';
  lines.push(`table ip ${table} {`);
  lines.push(`  chain prerouting { type nat hook prerouting priority dstnat; policy accept; jump hostports; }`);
  lines.push(`  chain output { type nat hook output priority -100; policy accept; jump hostports; }`);
  lines.push(`  chain postrouting { type nat hook postrouting priority srcnat; policy accept;`);
  lines.push(`    ct mark & ${hex(HOSTPORT_MARK)} == ${hex(HOSTPORT_MARK)} ip saddr 127.0.0.0/8 masquerade`);
  lines.push(`    ct mark & ${hex(HOSTPORT_MARK)} == ${hex(HOSTPORT_MARK)} ip saddr ${podCidr} masquerade`);
  lines.push(`  }`);
  lines.push(`  chain hostports {`);
  for (const e of entries) {
    const proto = e.mapping.protocol.toLowerCase();
    if (!/^(tcp|udp|sctp)$/.test(proto)) continue;
    const dst = e.mapping.hostIP && e.mapping.hostIP !== '0.0.0.0' ? `ip daddr ${e.mapping.hostIP}` : 'fib daddr type local';
    lines.push(
      `    ${dst} ${proto} dport ${int(e.mapping.hostPort)} ct mark set ct mark | ${hex(HOSTPORT_MARK)} dnat to ${e.podIp}:${int(e.mapping.containerPort)}`,
    );
  }
  lines.push(`  }`, `}`);
  return lines.join('\n') + '\n';
}

/** Egress masquerade for pod traffic leaving the node (not towards the bridge itself). */
/**
 * Egress masquerade for pods leaving the node. Traffic to `clusterCidr` (pods on other nodes,
 * reached through host-gw routes) keeps the pod's address, as in upstream CNI plugins.
 */
export function renderNatTable(table: string, podCidr: string, bridge: string, clusterCidr?: string): string {
  return [
    `table ip ${table}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    `  chain postrouting { type nat hook postrouting priority srcnat; policy accept;`,
    `    ip saddr ${podCidr}${clusterCidr && clusterCidr !== podCidr ? ` ip daddr != ${clusterCidr}` : ''} oifname != "${bridge}" masquerade`,
    `  }`,
    // route_localnet=1 on the bridge (below) must not let a pod reach the node's 127.0.0.1.
    `  chain martians { type filter hook input priority -110; policy accept;`,
    `    ${LOOPBACK_MARTIAN_DROP_RULE}`,
    `  }`,
    `}`,
    '',
  ].join('\n');
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

function int(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`invalid port ${n}`);
  return n;
}
