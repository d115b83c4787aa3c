// The service proxy's nftables table, rendered from plain data (no I/O), so every feature can
// be tested without root. One `nft -f -` transaction replaces the whole table atomically.
//
//   nat prerouting/output ─ jump services
//     services: ip daddr . l4proto . dport vmap @service-ips        (ClusterIP, external/LB IPs)
//               fib daddr type local l4proto . dport vmap @service-nodeports   (NodePort, incl. 127.0.0.1)
//       clusterip-<svc>: mark masq if saddr ∉ clusterCIDR; goto the internal endpoint chain
//       external-<svc>:  Cluster policy → mark masq; Local → node-local endpoints, client IP kept
//       svc-/local-<svc>: affinity lookups, numgen random mod N vmap → endpoint chains
//       endpoint-<svc>__ip/port: hairpin mark, affinity update, dnat
//   nat postrouting ─ ct mark & MASQ == MASQ → masquerade
//   filter input/forward/output (priority -110) ─ services without endpoints → reject
//
// Endpoints used (upstream kube-proxy's CategorizeEndpoints, simplified): ready ones; if there
// are none, serving+terminating ones. `local` means the endpoint's nodeName is this node.

import { createHash } from 'node:crypto';

/** ct mark bit meaning "masquerade this connection" (hostport uses 0x8000; both OR their bit in). */
export const MASQ_MARK = 0x4000;
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

export type ProxyProtocol = 'tcp' | 'udp';

export interface ProxyEndpoint {
  ip: string;
  /** Target port, already resolved (named target ports are resolved in the EndpointSlice). */
  port: number;
  /** On this node. */
  local: boolean;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** One port of one service: the unit kube-proxy calls a "service port". */
export interface ProxyServicePort {
  namespace: string;
  name: string;
  /** Service port name ('' when unnamed). */
  portName: string;
  protocol: ProxyProtocol;
  port: number;
  /** Undefined for headless services (only NodePort/external addresses then, which cannot happen upstream). */
  clusterIP?: string;
  nodePort?: number;
  /** spec.externalIPs and status.loadBalancer.ingress[].ip: DNAT on the service port like a NodePort. */
  externalIPs: string[];
  externalTrafficLocal: boolean;
  internalTrafficLocal: boolean;
  /** Set when sessionAffinity is ClientIP. */
  affinityTimeoutSeconds?: number;
  endpoints: ProxyEndpoint[];
}

export interface ProxyState {
  tableName: string;
  clusterCIDR: string;
  nodeIPs: string[];
  services: ProxyServicePort[];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const CIDR4 = /^(\d{1,3})(\.\d{1,3}){3}\/(3[0-2]|[12]?\d)$/;

export function isIPv4(s: string | undefined): s is string {
  return typeof s === 'string' && IPV4.test(s);
}

function isPort(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 65536;
}

/** Endpoints a service port sends to: ready ones, else serving+terminating ones (upstream fallback). */
export function usableEndpoints(eps: readonly ProxyEndpoint[]): ProxyEndpoint[] {
  const ready = eps.filter((e) => e.ready);
  if (ready.length > 0) return ready;
  return eps.filter((e) => e.serving && e.terminating);
}

function safeName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 63);
}

/** Stable, readable, nft-safe identifier of a service port (upstream's `HASH-ns/name/proto/port`). */
export function servicePortId(sp: Pick<ProxyServicePort, 'namespace' | 'name' | 'protocol' | 'portName' | 'port'>): string {
  const key = `${sp.namespace}/${sp.name}/${sp.protocol}/${sp.portName}`;
  const h = createHash('sha256').update(key).digest('hex').slice(0, 8).toUpperCase();
  return `${h}-${safeName(sp.namespace)}/${safeName(sp.name)}/${sp.protocol}/${safeName(sp.portName) || 'p' + sp.port}`;
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

const SET_MASQ = `ct mark set ct mark | ${hex(MASQ_MARK)}`;

interface Out {
  ips: string[];
  nodePorts: string[];
  noEpIps: string[];
  noEpNodePorts: string[];
  chains: string[];
  sets: string[];
}

export function renderProxyRules(state: ProxyState): string {
  const t = state.tableName;
  if (!/^[a-zA-Z][a-zA-Z0-9_-]{0,30}$/.test(t)) throw new Error(`invalid nft table name ${JSON.stringify(t)}`);
  if (!CIDR4.test(state.clusterCIDR)) throw new Error(`invalid cluster CIDR ${JSON.stringify(state.clusterCIDR)}`);
  const out: Out = { ips: [], nodePorts: [], noEpIps: [], noEpNodePorts: [], chains: [], sets: [] };
  const seen = new Set<string>();
  const sorted = [...state.services].sort((a, b) => servicePortId(a).localeCompare(servicePortId(b)));
  for (const sp of sorted) {
    const id = servicePortId(sp);
    if (seen.has(id)) continue;
    seen.add(id);
    renderServicePort(state, sp, id, out);
  }
  const L: string[] = [];
  L.push(`table ip ${t}`, `delete table ip ${t}`, `table ip ${t} {`);
  L.push(map('service-ips', 'ipv4_addr . inet_proto . inet_service', out.ips));
  L.push(map('service-nodeports', 'inet_proto . inet_service', out.nodePorts));
  L.push(map('no-endpoint-services', 'ipv4_addr . inet_proto . inet_service', out.noEpIps));
  L.push(map('no-endpoint-nodeports', 'inet_proto . inet_service', out.noEpNodePorts));
  L.push(...out.sets);
  L.push(`  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n    jump services\n  }`);
  L.push(`  chain output {\n    type nat hook output priority -100; policy accept;\n    jump services\n  }`);
  L.push(
    `  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n    ct mark & ${hex(MASQ_MARK)} == ${hex(MASQ_MARK)} masquerade\n  }`,
  );
  L.push(
    `  chain services {\n    ip daddr . meta l4proto . th dport vmap @service-ips\n    fib daddr type local meta l4proto . th dport vmap @service-nodeports\n  }`,
  );
  const noEpIps = `ct state new ip daddr . meta l4proto . th dport vmap @no-endpoint-services`;
  const noEpNp = `ct state new fib daddr type local meta l4proto . th dport vmap @no-endpoint-nodeports`;
  L.push(`  chain filter-input {\n    type filter hook input priority -110; policy accept;\n    ${noEpIps}\n    ${noEpNp}\n  }`);
  L.push(`  chain filter-forward {\n    type filter hook forward priority -110; policy accept;\n    ${noEpIps}\n  }`);
  L.push(`  chain filter-output {\n    type filter hook output priority -110; policy accept;\n    ${noEpIps}\n    ${noEpNp}\n  }`);
  L.push(`  chain reject-chain {\n    meta l4proto tcp reject with tcp reset\n    reject\n  }`);
  L.push(...out.chains);
  L.push('}');
  return L.join('\n') + '\n';
}

function map(name: string, type: string, elements: string[]): string {
  const els = elements.length ? `\n    elements = {\n      ${elements.join(',\n      ')}\n    }` : '';
  return `  map ${name} {\n    type ${type} : verdict;${els}\n  }`;
}

function chain(name: string, rules: string[]): string {
  return `  chain ${name} {\n${rules.map((r) => '    ' + r).join('\n')}\n  }`;
}

function renderServicePort(state: ProxyState, sp: ProxyServicePort, id: string, out: Out): void {
  if (!isPort(sp.port) || (sp.protocol !== 'tcp' && sp.protocol !== 'udp')) return;
  const clusterIP = isIPv4(sp.clusterIP) ? sp.clusterIP : undefined;
  const nodePort = isPort(sp.nodePort) ? sp.nodePort : undefined;
  const externalIPs = [...new Set(sp.externalIPs.filter(isIPv4))].filter((ip) => ip !== clusterIP).sort();
  const p = sp.protocol;
  const valid = sp.endpoints.filter((e) => isIPv4(e.ip) && isPort(e.port));
  const clusterEps = usableEndpoints(valid);
  const localEps = usableEndpoints(valid.filter((e) => e.local));
  const hasExternal = nodePort !== undefined || externalIPs.length > 0;

  if (clusterEps.length === 0) {
    // Upstream: no endpoints at all → reject (TCP reset / ICMP port unreachable).
    if (clusterIP) out.noEpIps.push(`${clusterIP} . ${p} . ${sp.port} : goto reject-chain`);
    for (const ip of externalIPs) out.noEpIps.push(`${ip} . ${p} . ${sp.port} : goto reject-chain`);
    if (nodePort !== undefined) out.noEpNodePorts.push(`${p} . ${nodePort} : goto reject-chain`);
    return;
  }

  const affinity = sp.affinityTimeoutSeconds !== undefined ? Math.max(1, Math.min(86400, Math.floor(sp.affinityTimeoutSeconds))) : undefined;
  const epChains = new Map<ProxyEndpoint, string>();
  const epChain = (e: ProxyEndpoint): string => {
    let name = epChains.get(e);
    if (name) return name;
    name = `endpoint-${id}__${e.ip}/${e.port}`;
    epChains.set(e, name);
    const rules = [`ip saddr ${e.ip} ${SET_MASQ}`];
    if (affinity !== undefined) rules.push(`update @affinity-${id}__${e.ip}/${e.port} { ip saddr }`);
    rules.push(`meta l4proto ${p} dnat to ${e.ip}:${e.port}`);
    out.chains.push(chain(name, rules));
    if (affinity !== undefined) {
      out.sets.push(`  set affinity-${id}__${e.ip}/${e.port} {\n    type ipv4_addr; flags dynamic,timeout; timeout ${affinity}s;\n  }`);
    }
    return name;
  };
  const lbRules = (eps: ProxyEndpoint[]): string[] => {
    if (eps.length === 0) return ['drop'];
    const names = eps.map(epChain);
    const rules: string[] = [];
    if (affinity !== undefined) eps.forEach((e, i) => rules.push(`ip saddr @affinity-${id}__${e.ip}/${e.port} goto ${names[i]}`));
    if (names.length === 1) rules.push(`goto ${names[0]}`);
    else rules.push(`numgen random mod ${names.length} vmap { ${names.map((n, i) => `${i} : goto ${n}`).join(', ')} }`);
    return rules;
  };
  const clusterChain = `svc-${id}`;
  const localChain = `local-${id}`;
  let clusterChainUsed = false;
  let localChainUsed = false;
  const target = (local: boolean): string => {
    if (local) localChainUsed = true;
    else clusterChainUsed = true;
    return local ? localChain : clusterChain;
  };

  if (clusterIP) {
    const name = `clusterip-${id}`;
    out.chains.push(chain(name, [`ip saddr != ${state.clusterCIDR} ${SET_MASQ}`, `goto ${target(sp.internalTrafficLocal)}`]));
    out.ips.push(`${clusterIP} . ${p} . ${sp.port} : goto ${name}`);
  }
  if (hasExternal) {
    const name = `external-${id}`;
    const rules = sp.externalTrafficLocal
      ? // Local: keep the client IP and use node-local endpoints only; traffic from this node
        // itself (e.g. 127.0.0.1) is short-circuited to all endpoints with masquerade, as upstream.
        [`fib saddr type local ${SET_MASQ} goto ${target(false)}`, `goto ${target(true)}`]
      : [SET_MASQ, `goto ${target(false)}`];
    out.chains.push(chain(name, rules));
    for (const ip of externalIPs) out.ips.push(`${ip} . ${p} . ${sp.port} : goto ${name}`);
    if (nodePort !== undefined) out.nodePorts.push(`${p} . ${nodePort} : goto ${name}`);
  }
  if (clusterChainUsed) out.chains.push(chain(clusterChain, lbRules(clusterEps)));
  if (localChainUsed) out.chains.push(chain(localChain, lbRules(localEps)));
}

/** True when some service port has a NodePort (then route_localnet is needed for 127.0.0.1). */
export function hasNodePorts(state: ProxyState): boolean {
  return state.services.some((s) => isPort(s.nodePort));
}
