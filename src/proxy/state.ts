// From Services, EndpointSlices and the Node (as the informers hold them) to the plain data
// renderProxyRules takes. Pure: no I/O, never mutates its inputs.
import type { EndpointSlice, Node, Service, ServiceSpec, ServiceStatus } from '../api/types/index.js';
import { DEFAULT_AFFINITY_TIMEOUT_SECONDS, type ProxyEndpoint, type ProxyProtocol, type ProxyServicePort } from './rules.js';
import { LABEL_SERVICE_NAME } from '../api/well-known.js';
import { isIPv4 } from '../util/net.js';
export { LABEL_SERVICE_NAME } from '../api/well-known.js';


function protocolOf(p: string | undefined): ProxyProtocol | undefined {
  const v = (p ?? 'TCP').toUpperCase();
  return v === 'TCP' ? 'tcp' : v === 'UDP' ? 'udp' : undefined;
}

/** Groups slices by `namespace/service-name`. */
export function slicesByService(slices: readonly Readonly<EndpointSlice>[]): Map<string, Readonly<EndpointSlice>[]> {
  const m = new Map<string, Readonly<EndpointSlice>[]>();
  for (const s of slices) {
    const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!svc || s.addressType === 'IPv6') continue;
    const key = `${s.metadata.namespace}/${svc}`;
    const list = m.get(key) ?? [];
    list.push(s);
    m.set(key, list);
  }
  return m;
}

/** The service ports of one Service, with their endpoints; [] for ExternalName and headless services. */
export function servicePorts(svc: Readonly<Service>, slices: readonly Readonly<EndpointSlice>[], nodeName: string): ProxyServicePort[] {
  const spec: ServiceSpec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return [];
  const clusterIP = isIPv4(spec.clusterIP) ? spec.clusterIP : (spec.clusterIPs ?? []).find(isIPv4);
  if (!clusterIP) return []; // headless (None) or not yet allocated
  const status: ServiceStatus = svc.status ?? {};
  const externalIPs = [...(spec.externalIPs ?? [])];
  if (spec.type === 'LoadBalancer') for (const ing of status.loadBalancer?.ingress ?? []) if (ing.ip) externalIPs.push(ing.ip);
  const hasNodePort = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const affinity =
    spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS) : undefined;
  const publishNotReady = spec.publishNotReadyAddresses === true;
  const out: ProxyServicePort[] = [];
  for (const port of spec.ports ?? []) {
    const protocol = protocolOf(port.protocol);
    if (!protocol || typeof port.port !== 'number') continue;
    const endpoints: ProxyEndpoint[] = [];
    const seen = new Set<string>();
    for (const slice of slices) {
      const sp = (slice.ports ?? []).find(
        (p) => (p.name ?? '') === (port.name ?? '') && protocolOf(p.protocol) === protocol,
      );
      if (!sp || typeof sp.port !== 'number') continue;
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses?.[0];
        if (!isIPv4(ip) || seen.has(`${ip}:${sp.port}`)) continue;
        seen.add(`${ip}:${sp.port}`);
        const c = ep.conditions ?? {};
        const serving = c.serving ?? c.ready ?? true;
        const ready = (c.ready ?? true) || (publishNotReady && serving);
        endpoints.push({ ip, port: sp.port, local: ep.nodeName === nodeName, ready, serving, terminating: c.terminating ?? false });
      }
    }
    out.push({
      namespace: svc.metadata.namespace ?? 'default',
      name: svc.metadata.name ?? '',
      portName: port.name ?? '',
      protocol,
      port: port.port,
      clusterIP,
      nodePort: hasNodePort && typeof port.nodePort === 'number' && port.nodePort > 0 ? port.nodePort : undefined,
      externalIPs,
      externalTrafficLocal: hasNodePort || externalIPs.length > 0 ? spec.externalTrafficPolicy === 'Local' : false,
      internalTrafficLocal: spec.internalTrafficPolicy === 'Local',
      affinityTimeoutSeconds: affinity,
      endpoints,
    });
  }
  return out;
}

/** Every service port of the cluster, for this node. */
export function buildServicePorts(services: readonly Readonly<Service>[], slices: readonly Readonly<EndpointSlice>[], nodeName: string): ProxyServicePort[] {
  const bySvc = slicesByService(slices);
  const out: ProxyServicePort[] = [];
  for (const svc of services) out.push(...servicePorts(svc, bySvc.get(`${svc.metadata.namespace}/${svc.metadata.name}`) ?? [], nodeName));
  return out;
}

/** IPv4 addresses from a Node's status.addresses. */
export function nodeAddresses(node: Readonly<Node> | undefined): string[] {
  const addrs = node?.status?.addresses ?? [];
  return addrs.filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address).filter(isIPv4);
}
