// resolv.conf handling: the pod's file per dnsPolicy (as upstream's kubelet GetPodDNS), and
// the host's resolvers as the DNS server's upstreams. Pure apart from hostUpstreams().
import { readFileSync } from 'node:fs';
import type { PodDNSConfig } from '../api/types/index.js';
import { BugError } from '../util/bug-error.js';

/** The dnsPolicy values podResolvConf knows; any other string is an error (validation rejects it first). */
export type DnsPolicy = 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';


export interface ParsedResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
}

/** Upstream limits (kubelet validation / dns.go). */
export const MAX_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;

export function parseResolvConf(text: string): ParsedResolvConf {
  const out: ParsedResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    // The last search line wins, as in glibc; '.' entries and trailing dots are dropped.
    else if (key === 'search') out.searches = rest.filter((s) => s !== '.').map((s) => s.replace(/\.$/, ''));
    else if (key === 'options') out.options = mergeOptions(out.options, rest);
  }
  return out;
}

/** Later options override earlier ones of the same name (`ndots:2` then `ndots:5` → `ndots:5`). */
function mergeOptions(base: readonly string[], extra: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const o of [...base, ...extra]) byName.set(o.split(':')[0], o);
  return [...byName.values()];
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

function limitSearches(s: readonly string[]): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const d of unique(s)) {
    if (out.length >= MAX_DNS_SEARCH_PATHS || chars + d.length + (out.length ? 1 : 0) > MAX_DNS_SEARCH_LIST_CHARS) break;
    chars += d.length + (out.length ? 1 : 0);
    out.push(d);
  }
  return out;
}

export interface PodResolvConfOptions {
  hostNetwork?: boolean;
  clusterDomain?: string;
}

/**
 * The content of a pod's /etc/resolv.conf.
 * - ClusterFirst: cluster DNS, `search <ns>.svc.<d> svc.<d> <d> [host searches]`, `options ndots:5`;
 *   on the host network (or without a cluster DNS address) it behaves as Default.
 * - ClusterFirstWithHostNet: as ClusterFirst, also on the host network.
 * - Default: the host's file (nameservers, searches, options).
 * - None: only dnsConfig.
 * dnsConfig is then appended (nameservers and searches de-duplicated, options merged by name),
 * and the result trimmed to 3 nameservers and 32 searches / 2048 characters.
 */
export function podResolvConf(
  dnsPolicy: DnsPolicy | string | undefined, namespace: string, clusterDNS: string | readonly string[], hostResolvConf: string,
  dnsConfig?: Readonly<PodDNSConfig>, opts: PodResolvConfOptions = {},
): string {
  const domain = opts.clusterDomain ?? 'cluster.local';
  const clusterServers = typeof clusterDNS === 'string' ? (clusterDNS ? [clusterDNS] : []) : [...clusterDNS];
  let policy: string = dnsPolicy ?? 'ClusterFirst';
  if (policy === 'ClusterFirst' && opts.hostNetwork) policy = 'Default';
  if ((policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') && clusterServers.length === 0) policy = 'Default';
  const host = parseResolvConf(hostResolvConf);
  let r: ParsedResolvConf;
  switch (policy) {
    case 'ClusterFirst':
    case 'ClusterFirstWithHostNet':
      r = { nameservers: clusterServers, searches: [`${namespace}.svc.${domain}`, `svc.${domain}`, domain, ...host.searches], options: ['ndots:5'] };
      break;
    case 'Default':
      r = host;
      break;
    case 'None':
      r = { nameservers: [], searches: [], options: [] };
      break;
    default:
      throw new BugError(`unknown dnsPolicy ${policy}`);
  }
  if (dnsConfig) {
    r = {
      nameservers: [...r.nameservers, ...(dnsConfig.nameservers ?? [])],
      searches: [...r.searches, ...(dnsConfig.searches ?? [])],
      options: mergeOptions(r.options, (dnsConfig.options ?? []).map((o) => (o.value ? `${o.name}:${o.value}` : o.name ?? ''))),
    };
  }
  const lines: string[] = [];
  const searches = limitSearches(r.searches);
  if (searches.length) lines.push(`search ${searches.join(' ')}`);
  for (const ns of unique(r.nameservers).slice(0, MAX_NAMESERVERS)) lines.push(`nameserver ${ns}`);
  if (r.options.length) lines.push(`options ${r.options.join(' ')}`);
  return lines.join('\n') + '\n';
}

/**
 * The DNS server's upstreams from a resolv.conf: every nameserver except loopback ones
 * (127.0.0.0/8, ::1), which would point at a local stub or at ourselves.
 */
export function upstreamsFromResolvConf(text: string): string[] {
  return parseResolvConf(text).nameservers.filter((ns) => !ns.startsWith('127.') && ns !== '::1');
}

/**
 * The host's upstreams: /etc/resolv.conf, or — when that only names a local stub such as
 * systemd-resolved's 127.0.0.53 — the stub's own upstream list in
 * /run/systemd/resolve/resolv.conf.
 */
export function hostUpstreams(paths: readonly string[] = ['/etc/resolv.conf', '/run/systemd/resolve/resolv.conf']): string[] {
  for (const p of paths) {
    let text: string;
    try { text = readFileSync(p, 'utf8'); } catch { continue; }
    const ups = upstreamsFromResolvConf(text);
    if (ups.length) return ups;
  }
  return [];
}
