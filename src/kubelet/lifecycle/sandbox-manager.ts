// The pod's sandbox (its network namespace and IP), and the files every container of the
// pod shares: /etc/hosts (written once the pod IP is known, bind-mounted per container as
// upstream does with <pod dir>/etc-hosts) and /etc/resolv.conf (per dnsPolicy, handed to
// the runtime in the sandbox config).
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { PodSandboxConfig, PodSandboxStatus, PortMapping, RuntimeService } from '../../runtime/index.js';
import type { Pod } from '../../api/types/index.js';
import { sandboxLabels } from '../labels.js';
import { hostNetworkHostsFile, managedHostsFile, podHostname, type DnsSettings } from '../container/dns.js';
import { podResolvConf } from '../../dns/index.js';
import type { RuntimePod } from '../runtime-pod.js';
import { podSpec } from '../pod-types.js';
import { podQOSClass, type QOSClass } from '../../api/defaults/index.js';
import { podCgroupParent } from './pod-cgroup.js';

/** The pod's QoS class: the one the API server stored, else computed from its spec. */
function podQOS(pod: Readonly<Pod>): QOSClass {
  const stored = pod.status?.qosClass;
  return stored === 'Guaranteed' || stored === 'Burstable' || stored === 'BestEffort' ? stored : podQOSClass(pod);
}

export interface SandboxManagerOptions {
  runtime: RuntimeService;
  dns: DnsSettings;
  nodeName: string;
  /** Host files read for dnsPolicy Default and host-network pods (tests point these elsewhere). */
  hostResolvConf: string;
  hostHosts: string;
  podDir(uid: string): string;
}

export class SandboxManager {
  constructor(private readonly o: SandboxManagerOptions) {}

  hostsPath(uid: string): string {
    return join(this.o.podDir(uid), 'etc-hosts');
  }

  async config(pod: Readonly<Pod>, attempt: number): Promise<PodSandboxConfig> {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    const spec = podSpec(pod);
    const { hostname } = podHostname(spec, name, ns, this.o.dns, this.o.nodeName);
    const hostResolv = await fs.readFile(this.o.hostResolvConf, 'utf8').catch(() => '');
    const portMappings: PortMapping[] = [];
    for (const c of spec.containers) {
      for (const p of c.ports ?? []) {
        if (!p.hostPort) continue;
        const m: PortMapping = { protocol: p.protocol === 'UDP' || p.protocol === 'SCTP' ? p.protocol : 'TCP', containerPort: p.containerPort, hostPort: p.hostPort };
        if (p.hostIP) m.hostIP = p.hostIP;
        portMappings.push(m);
      }
    }
    return {
      name,
      namespace: ns,
      uid: pod.metadata.uid ?? '',
      attempt,
      hostname,
      resolvConf: podResolvConf(spec.dnsPolicy, ns, this.o.dns.clusterDNS, hostResolv, spec.dnsConfig, { hostNetwork: spec.hostNetwork, clusterDomain: this.o.dns.clusterDomain }),
      hostNetwork: spec.hostNetwork === true,
      portMappings,
      labels: sandboxLabels(pod),
      annotations: { ...(pod.metadata.annotations ?? {}) },
      cgroupParent: podCgroupParent(podQOS(pod), pod.metadata.uid ?? ''),
    };
  }

  /** Creates the sandbox and writes the pod's /etc/hosts. */
  async create(pod: Readonly<Pod>, attempt: number, hostIP: string): Promise<PodSandboxStatus> {
    const config = await this.config(pod, attempt);
    const id = await this.o.runtime.runPodSandbox(config);
    const status = await this.o.runtime.podSandboxStatus(id);
    if (!status) throw new Error(`sandbox ${id} vanished after creation`);
    await this.writeHosts(pod, podIPsOf(status, hostIP));
    return status;
  }

  async writeHosts(pod: Readonly<Pod>, podIPs: readonly string[]): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    await fs.mkdir(this.o.podDir(uid), { recursive: true });
    let content: string;
    if (podSpec(pod).hostNetwork) {
      content = hostNetworkHostsFile(await fs.readFile(this.o.hostHosts, 'utf8').catch(() => ''), podSpec(pod).hostAliases);
    } else {
      const ns = pod.metadata.namespace ?? 'default';
      const { hostname, fqdn } = podHostname(podSpec(pod), pod.metadata.name ?? '', ns, this.o.dns, this.o.nodeName);
      content = managedHostsFile(podIPs, hostname, fqdn, podSpec(pod).hostAliases);
    }
    await fs.writeFile(this.hostsPath(uid), content, { mode: 0o644 });
  }

  /** Stops every sandbox of the pod that is still ready. */
  async stopAll(rp: Readonly<RuntimePod>): Promise<void> {
    for (const s of rp.sandboxes) if (s.state === 'ready') await this.o.runtime.stopPodSandbox(s.id);
  }

  async removeAll(rp: Readonly<RuntimePod>): Promise<void> {
    for (const s of rp.sandboxes) {
      if (s.state === 'ready') await this.o.runtime.stopPodSandbox(s.id);
      await this.o.runtime.removePodSandbox(s.id);
    }
  }
}

/** Pod IPs of a sandbox; host-network pods use the node's IP. */
export function podIPsOf(s: Readonly<PodSandboxStatus> | undefined, hostIP: string): string[] {
  if (!s) return [];
  if (s.config.hostNetwork) return [hostIP];
  return s.ip ? [s.ip] : [];
}
