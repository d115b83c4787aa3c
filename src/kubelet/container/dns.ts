// /etc/hosts and /etc/resolv.conf for a pod, as upstream's kubelet_pods.go
// (managedHostsFileContent) and network/dns (GetPodDNS). Pure: the host's resolv.conf text
// is passed in.
import type { PodSpec } from '../pod-types.js';

export interface DnsSettings {
  clusterDNS: string;
  clusterDomain: string;
}

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
}

const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;
const MAX_SEARCH_CHARS = 2048;

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.searches = rest.filter((s) => s !== '.');
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

export function formatResolvConf(r: ResolvConf): string {
  const lines: string[] = [];
  if (r.searches.length) lines.push(`search ${r.searches.join(' ')}`);
  for (const ns of r.nameservers) lines.push(`nameserver ${ns}`);
  if (r.options.length) lines.push(`options ${r.options.join(' ')}`);
  return lines.join('\n') + '\n';
}

function mergeOptions(base: string[], extra: Array<{ name: string; value?: string }>): string[] {
  const byName = new Map<string, string>();
  for (const o of base) byName.set(o.split(':')[0], o);
  for (const o of extra) byName.set(o.name, o.value !== undefined && o.value !== '' ? `${o.name}:${o.value}` : o.name);
  return [...byName.values()];
}

function limitSearches(s: string[]): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const d of s) {
    if (out.includes(d)) continue;
    if (out.length >= MAX_SEARCHES || chars + d.length + 1 > MAX_SEARCH_CHARS) break;
    out.push(d);
    chars += d.length + 1;
  }
  return out;
}

/** The pod's resolv.conf per dnsPolicy, with dnsConfig merged in. */
export function podResolvConf(spec: Readonly<PodSpec>, namespace: string, dns: DnsSettings, hostResolv: string): ResolvConf {
  let policy = spec.dnsPolicy ?? 'ClusterFirst';
  // ClusterFirst on the host network falls back to the host's DNS (upstream).
  if (policy === 'ClusterFirst' && spec.hostNetwork) policy = 'Default';
  const host = parseResolvConf(hostResolv);
  let r: ResolvConf;
  switch (policy) {
    case 'ClusterFirst':
    case 'ClusterFirstWithHostNet': {
      const d = dns.clusterDomain;
      r = { nameservers: [dns.clusterDNS], searches: [`${namespace}.svc.${d}`, `svc.${d}`, d, ...host.searches], options: ['ndots:5'] };
      break;
    }
    case 'Default':
      r = { nameservers: host.nameservers, searches: host.searches, options: host.options };
      break;
    case 'None':
      r = { nameservers: [], searches: [], options: [] };
      break;
    default: {
      const never: never = policy;
      throw new Error(`unknown dnsPolicy ${String(never)}`);
    }
  }
  const cfg = spec.dnsConfig;
  if (cfg) {
    r.nameservers = [...r.nameservers, ...(cfg.nameservers ?? [])];
    r.searches = [...r.searches, ...(cfg.searches ?? [])];
    r.options = mergeOptions(r.options, cfg.options ?? []);
  }
  r.nameservers = [...new Set(r.nameservers)].slice(0, MAX_NAMESERVERS);
  r.searches = limitSearches(r.searches);
  return r;
}

/** The pod's hostname and (with a subdomain) its FQDN. */
export function podHostname(spec: Readonly<PodSpec>, podName: string, namespace: string, dns: DnsSettings, nodeName: string): { hostname: string; fqdn?: string } {
  if (spec.hostNetwork) return { hostname: nodeName };
  const hostname = (spec.hostname || podName).slice(0, 63).replace(/[-.]+$/, '');
  if (!spec.subdomain) return { hostname };
  const fqdn = `${hostname}.${spec.subdomain}.${namespace}.svc.${dns.clusterDomain}`;
  return { hostname: spec.setHostnameAsFQDN ? fqdn : hostname, fqdn };
}

/** Kubernetes-managed /etc/hosts content for a pod on the pod network. */
export function managedHostsFile(podIPs: readonly string[], hostname: string, fqdn: string | undefined, aliases: PodSpec['hostAliases']): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const short = hostname.split('.')[0];
  for (const ip of podIPs) lines.push(fqdn ? `${ip}\t${fqdn}\t${short}` : `${ip}\t${hostname}`);
  lines.push(...hostAliasLines(aliases));
  return lines.join('\n') + '\n';
}

/** /etc/hosts for a host-network pod: the host's file plus the aliases. */
export function hostNetworkHostsFile(hostHosts: string, aliases: PodSpec['hostAliases']): string {
  return `# Kubernetes-managed hosts file (host network).\n${hostHosts}${hostHosts.endsWith('\n') || !hostHosts ? '' : '\n'}${hostAliasLines(aliases).join('\n')}${aliases?.length ? '\n' : ''}`;
}

function hostAliasLines(aliases: PodSpec['hostAliases']): string[] {
  if (!aliases?.length) return [];
  const out = ['', '# Entries added by HostAliases.'];
  for (const a of aliases) out.push(`${a.ip}\t${(a.hostnames ?? []).join('\t')}`);
  return out;
}
