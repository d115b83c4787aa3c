// Desired EndpointSlices of a service, as pure functions.
//
//   pods ──filter──▶ endpoints grouped by port set ──reconcileSlices(existing)──▶ create / update / delete
//
// Each pod becomes one endpoint in the group of the ports it can serve. Slices are reused
// in place: an endpoint already in a slice stays there (updated if it changed), slices
// that lost endpoints are refilled first, and only what does not fit goes to new slices of
// at most 100 endpoints. A service with no endpoints at all keeps one empty placeholder
// slice, as upstream does.
import type { DiscoveryV1EndpointPort as EndpointPort, Endpoint, EndpointSlice, OwnerReference, Pod, Service } from '../../api/types/index.js';
import { isPodReady } from '../../api/pod-util.js';
import { deepEqual } from '../../util/json.js';
import {
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME, endpointsLabels, findPort, podIPv4, podSpec, serviceSpec,
  shouldPodBeInEndpoints, shouldSetHostname,
} from '../endpoints/index.js';
import { LABEL_ENDPOINTSLICE_MANAGED_BY, LABEL_SERVICE_NAME } from '../../api/well-known.js';

export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const MAX_ENDPOINTS_PER_SLICE = 100;
export const ADDRESS_TYPE_IPV4 = 'IPv4';

export interface EndpointGroup {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: Readonly<EndpointSlice>[];
}

function portSetKey(ports: readonly EndpointPort[]): string {
  return ports.map((p) => `${p.name}/${p.port}/${p.protocol}/${p.appProtocol ?? ''}`).sort().join(',');
}

function endpointKey(ep: Readonly<Endpoint>): string {
  return ep.targetRef?.uid ? `uid:${ep.targetRef.uid}` : `ip:${ep.addresses[0]}`;
}

/** One endpoint per pod, grouped by the port set the pod serves. `zoneOf` maps node names to zones. */
export function desiredEndpointGroups(
  svc: Readonly<Service>,
  pods: readonly Readonly<Pod>[],
  zoneOf: (nodeName: string) => string | undefined,
): Map<string, EndpointGroup> {
  const spec = serviceSpec(svc);
  const publishNotReady = spec.publishNotReadyAddresses === true;
  const groups = new Map<string, EndpointGroup>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ip = podIPv4(pod);
    if (!ip) continue;
    const ports: EndpointPort[] = [];
    for (const sp of spec.ports ?? []) {
      const num = findPort(pod, sp);
      if (num === undefined) continue;
      const p: EndpointPort = { name: sp.name ?? '', port: num, protocol: sp.protocol ?? 'TCP' };
      if (sp.appProtocol) p.appProtocol = sp.appProtocol;
      ports.push(p);
    }
    const serving = publishNotReady || isPodReady(pod);
    const terminating = !!pod.metadata.deletionTimestamp;
    const ep: Endpoint = {
      addresses: [ip],
      conditions: { ready: publishNotReady || (serving && !terminating), serving, terminating },
    };
    if (shouldSetHostname(pod, svc)) ep.hostname = podSpec(pod).hostname;
    ep.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name ?? '', uid: pod.metadata.uid };
    const nodeName = podSpec(pod).nodeName;
    if (nodeName) {
      ep.nodeName = nodeName;
      const zone = zoneOf(nodeName);
      if (zone) ep.zone = zone;
    }
    const key = portSetKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    g.endpoints.push(ep);
  }
  return groups;
}

export function sliceLabels(svc: Readonly<Service>): Record<string, string> {
  const labels = endpointsLabels(svc, {});
  delete labels[LABEL_SERVICE_NAME];
  delete labels[LABEL_ENDPOINTSLICE_MANAGED_BY];
  labels[LABEL_SERVICE_NAME] = svc.metadata.name ?? '';
  labels[LABEL_ENDPOINTSLICE_MANAGED_BY] = CONTROLLER_NAME;
  return labels;
}

export function serviceOwnerRef(svc: Readonly<Service>): OwnerReference {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name ?? '', uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

function newSlice(svc: Readonly<Service>, ports: EndpointPort[], endpoints: Endpoint[], trigger: string | undefined): EndpointSlice {
  const metadata: EndpointSlice['metadata'] = {
    generateName: `${(svc.metadata.name ?? '').slice(0, 57)}-`,
    namespace: svc.metadata.namespace,
    labels: sliceLabels(svc),
    ownerReferences: [serviceOwnerRef(svc)],
  };
  if (trigger) metadata.annotations = { [ANNOTATION_LAST_CHANGE_TRIGGER_TIME]: trigger };
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata, addressType: ADDRESS_TYPE_IPV4, endpoints, ports };
}

function withEndpoints(svc: Readonly<Service>, slice: Readonly<EndpointSlice>, endpoints: Endpoint[], trigger: string | undefined): EndpointSlice {
  const annotations = { ...(slice.metadata.annotations ?? {}) };
  if (trigger) annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] = trigger;
  const metadata: EndpointSlice['metadata'] = { ...slice.metadata, labels: { ...(slice.metadata.labels ?? {}), ...sliceLabels(svc) }, annotations };
  delete metadata.managedFields;
  return { ...slice, metadata, endpoints };
}

// ports and endpoints are required in the model but null on the wire when empty (Go nil slices).
function slicePorts(slice: Readonly<EndpointSlice>): readonly EndpointPort[] {
  return slice.ports ?? [];
}

function sliceEndpoints(slice: Readonly<EndpointSlice>): readonly Endpoint[] {
  return slice.endpoints ?? [];
}

function isPlaceholder(slice: Readonly<EndpointSlice>): boolean {
  return slice.addressType === ADDRESS_TYPE_IPV4 && sliceEndpoints(slice).length === 0 && slicePorts(slice).length === 0;
}

function labelsCurrent(svc: Readonly<Service>, slice: Readonly<EndpointSlice>): boolean {
  const want = sliceLabels(svc);
  return Object.entries(want).every(([k, v]) => slice.metadata.labels?.[k] === v);
}

/**
 * What to write so that `existing` (this service's managed slices) carries `groups`.
 * Pure: `trigger` is the last-change-trigger-time annotation for written slices.
 */
export function reconcileSlices(
  svc: Readonly<Service>,
  groups: ReadonlyMap<string, EndpointGroup>,
  existing: readonly Readonly<EndpointSlice>[],
  trigger?: string,
  maxPerSlice = MAX_ENDPOINTS_PER_SLICE,
): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const byPorts = new Map<string, Readonly<EndpointSlice>[]>();
  for (const s of existing) {
    if (s.addressType !== ADDRESS_TYPE_IPV4 || !groups.has(portSetKey(slicePorts(s)))) {
      plan.delete.push(s);
      continue;
    }
    const k = portSetKey(slicePorts(s));
    byPorts.set(k, [...(byPorts.get(k) ?? []), s]);
  }
  for (const [key, group] of groups) {
    const pending = new Map(group.endpoints.map((e) => [endpointKey(e), e]));
    const kept: { slice: Readonly<EndpointSlice>; endpoints: Endpoint[]; changed: boolean }[] = [];
    for (const slice of byPorts.get(key) ?? []) {
      const endpoints: Endpoint[] = [];
      let changed = !labelsCurrent(svc, slice);
      for (const ep of sliceEndpoints(slice)) {
        const want = pending.get(endpointKey(ep));
        if (!want) { changed = true; continue; }
        pending.delete(endpointKey(ep));
        if (!deepEqual(want, ep)) changed = true;
        endpoints.push(want);
      }
      if (endpoints.length === 0) plan.delete.push(slice);
      else kept.push({ slice, endpoints, changed });
    }
    // New endpoints go into slices already being rewritten, then any with room, then new ones.
    const rest = [...pending.values()];
    const order = [...kept.filter((k) => k.changed), ...kept.filter((k) => !k.changed)];
    for (const k of order) {
      while (rest.length && k.endpoints.length < maxPerSlice) {
        k.endpoints.push(rest.shift()!);
        k.changed = true;
      }
    }
    for (const k of kept) if (k.changed) plan.update.push(withEndpoints(svc, k.slice, k.endpoints, trigger));
    for (let i = 0; i < rest.length; i += maxPerSlice) plan.create.push(newSlice(svc, group.ports, rest.slice(i, i + maxPerSlice), trigger));
  }
  // A service without endpoints keeps exactly one placeholder slice.
  if (plan.delete.length === existing.length && plan.create.length === 0 && plan.update.length === 0) {
    const reusable = plan.delete.find((s) => isPlaceholder(s) && labelsCurrent(svc, s));
    if (reusable) plan.delete = plan.delete.filter((s) => s !== reusable);
    else plan.create.push(newSlice(svc, [], [], trigger));
  }
  return plan;
}
