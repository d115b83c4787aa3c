// Cluster networking that `k8ts server` runs beside the local node (like k3s's bundled
// CoreDNS, kube-proxy, ServiceLB and Traefik). On the node's loop: the service proxy (nftables)
// and the ServiceLB controller. On the data-path loop: cluster DNS served on the pod bridge's
// gateway behind the `kube-dns` Service, and the Ingress controller.
import { networkInterfaces } from 'node:os';
import type { EndpointSlice, Endpoints, KObject, Service } from '../api/types/index.js';
import { isAlreadyExists, isNotFound } from '../api/status.js';
import { type ApiClient, type ResourceRef, type InformerFactory, R, keyOf } from '../client/index.js';
import { deepEqual } from '../util/json.js';
import { LABEL_ENDPOINTSLICE_MANAGED_BY, LABEL_SERVICE_NAME } from '../api/well-known.js';

export interface NetworkServicesOptions {
  client: ApiClient;
  informers: InformerFactory;
  nodeName: string;
  nodeIP: string;
  clusterCIDR: string;
  /** The DNS Service's ClusterIP (10.43.0.10) and the address DNS listens on (the bridge gateway). */
  dnsServiceIP: string;
  dnsListenIP: string;
  ingressHttpPort: number;
  ingressHttpsPort: number;
  disabled: ReadonlySet<string>;
  signal: AbortSignal;
  log(msg: string): void;
}

const MANAGED_BY = 'k8ts-server';

/** Creates `want`, or replaces the stored object when its labels or content differ (a restart with nothing changed writes nothing). */
async function ensureObject(client: ApiClient, res: ResourceRef, ns: string, want: KObject): Promise<void> {
  let cur: KObject;
  try {
    cur = await client.get(res, ns, want.metadata.name!);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await client.create(res, ns, want);
    return;
  }
  const content = (x: Readonly<KObject>): unknown => ({ ...x, metadata: { labels: x.metadata.labels ?? {} }, apiVersion: undefined, kind: undefined });
  if (deepEqual(content(cur), content(want))) return;
  await client.update(res, ns, { ...want, metadata: { ...want.metadata, resourceVersion: cur.metadata.resourceVersion } });
}

/** The selector-less `kube-dns` Service and the endpoints that point it at the in-process DNS server. */
async function ensureDnsService(o: NetworkServicesOptions): Promise<void> {
  const ns = 'kube-system';
  const ports = [
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
    { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
  ];
  try {
    await o.client.create(R.services, ns, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: ns, labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS', 'kubernetes.io/cluster-service': 'true' } },
      spec: { clusterIP: o.dnsServiceIP, ports },
    });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kube-dns-k8ts', namespace: ns, labels: { [LABEL_SERVICE_NAME]: 'kube-dns', [LABEL_ENDPOINTSLICE_MANAGED_BY]: MANAGED_BY } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [o.dnsListenIP], conditions: { ready: true, serving: true, terminating: false }, nodeName: o.nodeName }],
    ports: ports.map((p) => ({ name: p.name, port: 53, protocol: p.protocol })),
  };
  await ensureObject(o.client, R.endpointslices, ns, slice);
  const endpoints: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kube-dns', namespace: ns, labels: { 'k8s-app': 'kube-dns' } },
    subsets: [{ addresses: [{ ip: o.dnsListenIP, nodeName: o.nodeName }], ports: ports.map((p) => ({ name: p.name, port: 53, protocol: p.protocol })) }],
  };
  await ensureObject(o.client, R.endpoints, ns, endpoints);
}

/** ServiceLB: every LoadBalancer Service answers on this node's address (k3s's klipper-lb idea). */
function startServiceLB(o: NetworkServicesOptions): void {
  const inf = o.informers.informerFor<Service>(R.services);
  const want = [{ ip: o.nodeIP, ipMode: 'VIP' }];
  const sync = (svc: Readonly<Service>): void => {
    if (svc.spec?.type !== 'LoadBalancer') return;
    const cur = svc.status?.loadBalancer?.ingress ?? [];
    if (cur.length === 1 && cur[0].ip === o.nodeIP) return;
    void o.client
      .patch(R.services, svc.metadata.namespace, svc.metadata.name!, 'merge', { status: { loadBalancer: { ingress: want } } }, { subresource: 'status' })
      .catch((e: Error) => o.log(`servicelb: ${keyOf(svc)}: ${e.message}`));
  };
  inf.addEventHandler({ onAdd: sync, onUpdate: (_a, b) => sync(b) });
}

/** The node's share: the service proxy and ServiceLB. */
export async function startNodeNetworkServices(o: NetworkServicesOptions): Promise<Array<() => Promise<void>>> {
  const closers: Array<() => Promise<void>> = [];
  if (!o.disabled.has('proxy')) {
    const { startServiceProxy } = await import('../proxy/index.js');
    const proxy = startServiceProxy({ informers: o.informers, nodeName: o.nodeName, nodeIPs: [o.nodeIP], clusterCIDR: o.clusterCIDR, signal: o.signal });
    closers.push(() => proxy.stop());
  }
  if (!o.disabled.has('servicelb')) startServiceLB(o);
  return closers;
}

/**
 * Who may query the cluster DNS: the pod network (every node's pods), the node itself (its
 * addresses: host-network pods, the kubelet, a ClusterIP query masqueraded to the node) and
 * loopback. Not the rest of the node's networks: the DNS forwards, and an open resolver on the
 * node's link would answer anyone.
 */
function dnsAllowedSources(o: NetworkServicesOptions): string[] {
  const own = Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((a) => a.address));
  return [...new Set([o.clusterCIDR, '127.0.0.0/8', '::1', o.nodeIP, o.dnsListenIP, ...own])];
}

/** The data path: cluster DNS and the Ingress controller. */
export async function startDataPath(o: NetworkServicesOptions): Promise<Array<() => Promise<void>>> {
  const closers: Array<() => Promise<void>> = [];
  if (!o.disabled.has('dns')) {
    const { startClusterDns, hostUpstreams } = await import('../dns/index.js');
    await startClusterDns({
      informers: o.informers,
      listen: [{ address: o.dnsListenIP, port: 53 }],
      clusterDomain: 'cluster.local',
      upstream: hostUpstreams(),
      dnsIP: o.dnsServiceIP,
      signal: o.signal,
      allowedSources: dnsAllowedSources(o),
    });
    await ensureDnsService(o).catch((e: Error) => o.log(`dns: cannot register the kube-dns Service at ${o.dnsServiceIP}: ${e.message}`));
  }
  if (!o.disabled.has('ingress')) {
    const { startIngressController } = await import('../ingress/index.js');
    const ing = startIngressController({
      client: o.client,
      informers: o.informers,
      httpPort: o.ingressHttpPort,
      httpsPort: o.ingressHttpsPort,
      bindAddress: o.nodeIP === '127.0.0.1' ? '127.0.0.1' : '0.0.0.0',
      nodeAddresses: [o.nodeIP],
      signal: o.signal,
    });
    closers.push(() => ing.close());
  }
  return closers;
}
