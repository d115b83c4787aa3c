// Facts about services and pods that both the Endpoints and the EndpointSlice controllers
// need (upstream keeps them in endpointslice/util and podutil): which pods belong in a
// service's endpoints, how a service port resolves against a pod's container ports, and
// when an address carries a hostname.
import type { Pod, PodSpec, Service, ServicePort, ServiceSpec } from '../../api/types/index.js';
import { getCondition, isPodTerminal } from '../../api/pod-util.js';

/** Label upstream puts on the Endpoints and EndpointSlices of a headless service. */
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
/** Annotation: when the last pod/service change that triggered this object happened. */
export const ANNOTATION_LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

export function serviceSpec(svc: Readonly<Service>): ServiceSpec {
  return svc.spec ?? {};
}

/** The pod's spec; {} when absent (the model makes spec optional, as Go's omitempty). */
export function podSpec(pod: Readonly<Pod>): Partial<PodSpec> {
  return pod.spec ?? {};
}

/** A cluster IP is allocated (not None and not empty). */
export function isServiceIPSet(svc: Readonly<Service>): boolean {
  const ip = serviceSpec(svc).clusterIP;
  return !!ip && ip !== 'None';
}

/** Services the endpoint controllers manage: with a selector, and not ExternalName. */
export function hasManagedEndpoints(svc: Readonly<Service>): boolean {
  const spec = serviceSpec(svc);
  return spec.selector !== undefined && spec.selector !== null && spec.type !== 'ExternalName';
}

/**
 * Upstream ShouldPodBeInEndpoints: terminal pods and pods without an IP never are; pods
 * being deleted are only when `includeTerminating` (EndpointSlices always, Endpoints with
 * publishNotReadyAddresses).
 */
export function shouldPodBeInEndpoints(pod: Readonly<Pod>, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!podIPv4(pod)) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** The pod's IPv4 address (the address family we serve), or undefined. */
export function podIPv4(pod: Readonly<Pod>): string | undefined {
  const st = pod.status ?? {};
  if (st.podIP && !st.podIP.includes(':')) return st.podIP;
  return st.podIPs?.find((p) => p.ip && !p.ip.includes(':'))?.ip;
}

/** The hostname is published when the pod's hostname is set and its subdomain names this service. */
export function shouldSetHostname(pod: Readonly<Pod>, svc: Readonly<Service>): boolean {
  const spec = podSpec(pod);
  return !!spec.hostname && spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;
}

/**
 * Resolves a service port's targetPort against the pod (upstream podutil.FindPort): a number
 * is used as is (absent means the service port); a name is looked up among the ports of the
 * containers and restartable init containers with the same protocol. Undefined when the pod
 * has no such named port.
 */
export function findPort(pod: Readonly<Pod>, sp: Readonly<ServicePort>): number | undefined {
  const target = sp.targetPort;
  if (target === undefined || target === '' || target === 0) return sp.port;
  if (typeof target === 'number') return target;
  if (/^[0-9]+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  const spec = podSpec(pod);
  const sidecars = (spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const c of [...(spec.containers ?? []), ...sidecars]) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

function laterOf(a: string | undefined, b: string | null | undefined): string | undefined {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/**
 * When the change that produced the current endpoints happened: the latest of the service's
 * creation and each pod's creation or Ready transition. (Upstream tracks per-sync deltas in
 * memory; the latest relevant change is the level-triggered equivalent.)
 */
export function lastChangeTriggerTime(svc: Readonly<Service>, pods: readonly Readonly<Pod>[]): string | undefined {
  let t: string | undefined = svc.metadata.creationTimestamp ?? undefined;
  for (const pod of pods) {
    t = laterOf(t, pod.metadata.creationTimestamp);
    t = laterOf(t, getCondition(pod, 'Ready')?.lastTransitionTime);
  }
  return t;
}

/** Service labels plus the headless label when the service has no cluster IP. */
export function endpointsLabels(svc: Readonly<Service>, extra: Record<string, string> = {}): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  delete labels[LABEL_HEADLESS];
  Object.assign(labels, extra);
  if (!isServiceIPSet(svc)) labels[LABEL_HEADLESS] = '';
  return labels;
}
