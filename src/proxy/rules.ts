// The service proxy's nftables table, as plain data (no I/O), so every feature can be tested
// without root. compileRules turns the state into per-service-port rules; renderFullRules writes
// the whole table (one `nft -f -` transaction that replaces it atomically); delta.ts writes only
// what changed between two compilations.
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
//   filter input ─ to 127.0.0.0/8 from an interface other than lo, not DNAT'ed → drop (martians)
//
// The base chains above never change; everything a service port adds (its chains, its affinity
// sets, its map elements) is named after the port's stable id (servicePortId), which is what
// lets a sync touch one service without disturbing the others.
//
// Endpoints used (upstream kube-proxy's CategorizeEndpoints, simplified): ready ones; if there
// are none, serving+terminating ones. `local` means the endpoint's nodeName is this node.

import { createHash } from 'node:crypto';
import { isIPv4, isIPv4Cidr, LOOPBACK_MARTIAN_DROP_RULE } from '../util/net.js';
import { isSpecialIP } from '../api/special-ip.js';

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
const TABLE_NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,30}$/;

/** The verdict maps services are dispatched through; their elements are added and deleted one by one. */
export type MapName = 'service-ips' | 'service-nodeports' | 'no-endpoint-services' | 'no-endpoint-nodeports';
export const MAP_NAMES: readonly MapName[] = ['service-ips', 'service-nodeports', 'no-endpoint-services', 'no-endpoint-nodeports'];
const MAP_TYPES: Record<MapName, string> = {
  'service-ips': 'ipv4_addr . inet_proto . inet_service',
  'service-nodeports': 'inet_proto . inet_service',
  'no-endpoint-services': 'ipv4_addr . inet_proto . inet_service',
  'no-endpoint-nodeports': 'inet_proto . inet_service',
};

export interface MapElement {
  map: MapName;
  key: string;
  verdict: string;
}

/**
 * The nft objects one service port owns. Every chain and set name embeds the port's id, so no
 * two ports share one: a port's chains can be flushed, refilled or deleted without touching others.
 */
export interface ServicePortRules {
  id: string;
  /** The input these rules were compiled from (JSON), so an unchanged port reuses them. */
  source: string;
  /** Chains (name → rules), in rendering order. */
  chains: ReadonlyMap<string, readonly string[]>;
  /** Session-affinity sets (name → timeout in seconds). */
  affinitySets: ReadonlyMap<string, number>;
  /** Entries this port puts in the dispatch maps. */
  elements: readonly MapElement[];
}

/** The whole table as data: what renderFullRules writes and renderDeltaRules (delta.ts) compares. */
export interface CompiledRules {
  tableName: string;
  clusterCIDR: string;
  /** Service ports by id, in id order. */
  ports: ReadonlyMap<string, ServicePortRules>;
  /** Contents of the dispatch maps (key → verdict). A key claimed by two ports goes to the first by id. */
  maps: Readonly<Record<MapName, ReadonlyMap<string, string>>>;
}

/** Live session-affinity entries read back from the kernel (set name → client IPs), kept across a full rebuild. */
export type AffinityEntries = ReadonlyMap<string, ReadonlyArray<{ ip: string; expiresSeconds: number }>>;

/**
 * Compiles the state into per-port rules. With `previous` (the rules now in the kernel), a port
 * whose input did not change gets the very same ServicePortRules object back: renderDeltaRules
 * skips those without looking inside.
 */
export function compileRules(state: ProxyState, previous?: CompiledRules): CompiledRules {
  const t = state.tableName;
  if (!TABLE_NAME.test(t)) throw new Error(`invalid nft table name ${JSON.stringify(t)}`);
  if (!isIPv4Cidr(state.clusterCIDR)) throw new Error(`invalid cluster CIDR ${JSON.stringify(state.clusterCIDR)}`);
  const reuse = previous && previous.tableName === t && previous.clusterCIDR === state.clusterCIDR ? previous.ports : undefined;
  const withIds = state.services.map((sp) => ({ sp, id: servicePortId(sp) }));
  withIds.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ports = new Map<string, ServicePortRules>();
  const maps = Object.fromEntries(MAP_NAMES.map((m) => [m, new Map<string, string>()])) as Record<MapName, Map<string, string>>;
  for (const { sp, id } of withIds) {
    if (ports.has(id)) continue;
    const source = JSON.stringify(sp);
    const old = reuse?.get(id);
    const rules = old && old.source === source ? old : compileServicePort(state.clusterCIDR, sp, id, source);
    ports.set(id, rules);
    for (const e of rules.elements) if (!maps[e.map].has(e.key)) maps[e.map].set(e.key, e.verdict);
  }
  return { tableName: t, clusterCIDR: state.clusterCIDR, ports, maps };
}

/** The whole table, for a full rebuild: one transaction that deletes and recreates it. */
export function renderProxyRules(state: ProxyState): string {
  return renderFullRules(compileRules(state));
}

/**
 * Renders compiled rules as one `nft -f` script that replaces the table atomically. `keep`
 * re-seeds affinity sets that still exist with their live entries (remaining time capped at the
 * set's timeout), so sticky clients stay on their endpoint across a rebuild.
 */
export function renderFullRules(c: CompiledRules, keep?: AffinityEntries): string {
  const t = c.tableName;
  if (!TABLE_NAME.test(t)) throw new Error(`invalid nft table name ${JSON.stringify(t)}`);
  const L: string[] = [];
  L.push(`table ip ${t}`, `delete table ip ${t}`, `table ip ${t} {`);
  for (const m of MAP_NAMES) L.push(mapDecl(m, [...c.maps[m]].map(([k, v]) => `${k} : ${v}`)));
  for (const p of c.ports.values()) {
    for (const [name, timeout] of p.affinitySets) L.push(`  set ${name} {\n    ${setSpec(timeout, keep?.get(name))}\n  }`);
  }
  L.push(...BASE_CHAINS);
  for (const p of c.ports.values()) for (const [name, rules] of p.chains) L.push(chainDecl(name, rules));
  L.push('}');
  return L.join('\n') + '\n';
}

/** Body of an affinity set declaration (also used by `add set` in a delta). */
export function setSpec(timeoutSeconds: number, entries?: ReadonlyArray<{ ip: string; expiresSeconds: number }>): string {
  const spec = `type ipv4_addr; flags dynamic,timeout; timeout ${timeoutSeconds}s;`;
  const live = (entries ?? []).filter((e) => isIPv4(e.ip) && Number.isFinite(e.expiresSeconds) && e.expiresSeconds > 0);
  if (live.length === 0) return spec;
  const els = live.map((e) => `${e.ip} expires ${Math.min(timeoutSeconds, Math.ceil(e.expiresSeconds))}s`);
  return `${spec} elements = { ${els.join(', ')} }`;
}

const noEpIps = `ct state new ip daddr . meta l4proto . th dport vmap @no-endpoint-services`;
const noEpNp = `ct state new fib daddr type local meta l4proto . th dport vmap @no-endpoint-nodeports`;
/** The fixed part of the table: hooks, dispatch and reject. Never changed by a delta. */
const BASE_CHAINS: readonly string[] = [
  `  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n    jump services\n  }`,
  `  chain output {\n    type nat hook output priority -100; policy accept;\n    jump services\n  }`,
  `  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n    ct mark & ${hex(MASQ_MARK)} == ${hex(MASQ_MARK)} masquerade\n  }`,
  `  chain services {\n    ip daddr . meta l4proto . th dport vmap @service-ips\n    fib daddr type local meta l4proto . th dport vmap @service-nodeports\n  }`,
  `  chain filter-input {\n    type filter hook input priority -110; policy accept;\n    ${LOOPBACK_MARTIAN_DROP_RULE}\n    ${noEpIps}\n    ${noEpNp}\n  }`,
  `  chain filter-forward {\n    type filter hook forward priority -110; policy accept;\n    ${noEpIps}\n  }`,
  `  chain filter-output {\n    type filter hook output priority -110; policy accept;\n    ${noEpIps}\n    ${noEpNp}\n  }`,
  `  chain reject-chain {\n    meta l4proto tcp reject with tcp reset\n    reject\n  }`,
];

function mapDecl(name: MapName, elements: string[]): string {
  const els = elements.length ? `\n    elements = {\n      ${elements.join(',\n      ')}\n    }` : '';
  return `  map ${name} {\n    type ${MAP_TYPES[name]} : verdict;${els}\n  }`;
}

function chainDecl(name: string, rules: readonly string[]): string {
  return `  chain ${name} {\n${rules.map((r) => '    ' + r).join('\n')}\n  }`;
}

function compileServicePort(clusterCIDR: string, sp: ProxyServicePort, id: string, source: string): ServicePortRules {
  const chains = new Map<string, string[]>();
  const affinitySets = new Map<string, number>();
  const elements: MapElement[] = [];
  const result: ServicePortRules = { id, source, chains, affinitySets, elements };
  if (!isPort(sp.port) || (sp.protocol !== 'tcp' && sp.protocol !== 'udp')) return result;
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
    const reject = 'goto reject-chain';
    if (clusterIP) elements.push({ map: 'no-endpoint-services', key: `${clusterIP} . ${p} . ${sp.port}`, verdict: reject });
    for (const ip of externalIPs) elements.push({ map: 'no-endpoint-services', key: `${ip} . ${p} . ${sp.port}`, verdict: reject });
    if (nodePort !== undefined) elements.push({ map: 'no-endpoint-nodeports', key: `${p} . ${nodePort}`, verdict: reject });
    return result;
  }

  const affinity = sp.affinityTimeoutSeconds !== undefined ? Math.max(1, Math.min(86400, Math.floor(sp.affinityTimeoutSeconds))) : undefined;
  const epChain = (e: ProxyEndpoint): string => {
    const name = `endpoint-${id}__${e.ip}/${e.port}`;
    if (chains.has(name)) return name;
    const set = `affinity-${id}__${e.ip}/${e.port}`;
    const rules = [`ip saddr ${e.ip} ${SET_MASQ}`];
    if (affinity !== undefined) rules.push(`update @${set} { ip saddr }`);
    rules.push(`meta l4proto ${p} dnat to ${e.ip}:${e.port}`);
    chains.set(name, rules);
    if (affinity !== undefined) affinitySets.set(set, affinity);
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
    chains.set(name, [`ip saddr != ${clusterCIDR} ${SET_MASQ}`, `goto ${target(sp.internalTrafficLocal)}`]);
    elements.push({ map: 'service-ips', key: `${clusterIP} . ${p} . ${sp.port}`, verdict: `goto ${name}` });
  }
  if (hasExternal) {
    const name = `external-${id}`;
    const rules = sp.externalTrafficLocal
      ? // Local: keep the client IP and use node-local endpoints only; traffic from this node
        // itself (e.g. 127.0.0.1) is short-circuited to all endpoints with masquerade, as upstream.
        [`fib saddr type local ${SET_MASQ} goto ${target(false)}`, `goto ${target(true)}`]
      : [SET_MASQ, `goto ${target(false)}`];
    chains.set(name, rules);
    for (const ip of externalIPs) elements.push({ map: 'service-ips', key: `${ip} . ${p} . ${sp.port}`, verdict: `goto ${name}` });
    if (nodePort !== undefined) elements.push({ map: 'service-nodeports', key: `${p} . ${nodePort}`, verdict: `goto ${name}` });
  }
  if (clusterChainUsed) chains.set(clusterChain, lbRules(clusterEps));
  if (localChainUsed) chains.set(localChain, lbRules(localEps));
  return result;
}

/** True when some service port has a NodePort (then route_localnet is needed for 127.0.0.1). */
export function hasNodePorts(state: ProxyState): boolean {
  return state.services.some((s) => isPort(s.nodePort));
}

/**
 * Defence in depth behind API validation: endpoints at loopback, link-local or unspecified
 * addresses are dropped (a DNAT there would hand a Service the node's own 127.0.0.1 services
 * or a metadata service), except the node's own addresses (a single-host cluster whose node IP
 * is 127.0.0.1 advertises the API server there).
 */
export function withoutSpecialEndpoints(services: readonly ProxyServicePort[], nodeIPs: readonly string[]): ProxyServicePort[] {
  const own = new Set(nodeIPs);
  const ok = (e: ProxyEndpoint): boolean => !isSpecialIP(e.ip) || own.has(e.ip);
  return services.map((sp) => (sp.endpoints.every(ok) ? sp : { ...sp, endpoints: sp.endpoints.filter(ok) }));
}
