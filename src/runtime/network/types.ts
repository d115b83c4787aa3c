import type { PortMapping } from '../types.js';

/** What the sandbox code asks of a pod network: attach/detach a network namespace. */
export interface PodNetwork {
  readonly mode: 'bridge' | 'cni';
  /** Node-level setup (bridge, sysctls, NAT); idempotent, also run lazily by setup(). */
  init(): Promise<void>;
  /** Attaches the namespace (`/var/run/netns/<name>`): eth0 with an address, default route, hostPorts. */
  setup(req: PodNetworkRequest): Promise<PodNetworkResult>;
  /** Detaches and releases the address and hostPorts. Idempotent; works after an agent restart. */
  teardown(sandboxId: string): Promise<void>;
  /** The address held by a sandbox, from the persisted state (re-adoption). */
  status(sandboxId: string): Promise<PodNetworkResult | undefined>;
  /** Addresses in use (ip → sandbox id), for leak checks. */
  allocations(): Promise<Map<string, string>>;
  /** Removes node-level objects (bridge, tables, chains). For tests and node decommissioning. */
  destroy(): Promise<void>;
}

export interface PodNetworkRequest {
  sandboxId: string;
  netnsPath: string;
  portMappings: PortMapping[];
  /** For CNI_ARGS-style bookkeeping (K8S_POD_NAME, ...). */
  podName?: string;
  podNamespace?: string;
}

export interface PodNetworkResult {
  ip: string;
  gateway: string;
  /** Host-side veth name (direct bridge mode) or the CNI-reported one. */
  hostInterface?: string;
}

export interface PodNetworkOptions {
  /** Node pod CIDR, e.g. `10.42.0.0/24`; the gateway is its first address. */
  podCidr: string;
  /** The whole pod network across nodes; pod-to-pod traffic to it is not masqueraded. */
  clusterCidr?: string;
  /** Where IPAM reservations and per-pod state live (survives agent restarts). */
  stateDir: string;
  /** Prefix of every host object we create: bridge `<p>0`, veths `<p>v…`, nft tables `<p>-nat`, `<p>-hostport`. */
  namePrefix?: string;
  /** Bridge name (default `<prefix>0`). */
  bridge?: string;
}
