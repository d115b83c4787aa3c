// /etc/hosts and the hostname for a pod, as upstream's kubelet_pods.go
// (managedHostsFileContent). The pod's resolv.conf comes from the cluster DNS component
// (src/dns podResolvConf), the one place that knows the DNS policies.
import type { PodSpec } from '../../api/types/index.js';
import { MANAGED_HOSTS_HEADER } from '../../runtime/index.js';

export interface DnsSettings {
  clusterDNS: string;
  clusterDomain: string;
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
  const lines = [...MANAGED_HOSTS_HEADER];
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
