// Desired Endpoints of a service, as pure functions. Each pod contributes one address per
// service port it can serve (ready or not ready); subsets then regroup addresses that serve
// exactly the same ports (upstream RepackSubsets), so a pod lacking a named port lands in a
// subset with fewer ports.
//
//   pods ──filter──▶ (address, port, ready) triples ──repack──▶ subsets ──cap 1000──▶ Endpoints
import type { EndpointAddress, EndpointPort, Endpoints, EndpointSubset, Pod, Service } from '../../api/types/index.js';
import { deepEqual } from '../../util/json.js';
import { isPodReady } from '../../api/pod-util.js';
import {
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME, endpointsLabels, findPort, lastChangeTriggerTime, podIPv4, podSpec, serviceSpec,
  shouldPodBeInEndpoints, shouldSetHostname,
} from './pod-endpoints.js';

/** Upstream caps an Endpoints object at 1000 addresses and marks it truncated. */
export const MAX_ENDPOINTS_CAPACITY = 1000;
export const ANNOTATION_OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
export const OVER_CAPACITY_TRUNCATED = 'truncated';

interface Entry {
  addr: EndpointAddress;
  ready: boolean;
  port?: EndpointPort;
}

function addressOf(pod: Readonly<Pod>, svc: Readonly<Service>, ip: string): EndpointAddress {
  const addr: EndpointAddress = { ip };
  if (shouldSetHostname(pod, svc)) addr.hostname = podSpec(pod).hostname;
  const nodeName = podSpec(pod).nodeName;
  if (nodeName) addr.nodeName = nodeName;
  addr.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name ?? '', uid: pod.metadata.uid };
  return addr;
}

function portKey(p: EndpointPort): string {
  return `${p.name ?? ''}\u0000${p.port}\u0000${p.protocol}\u0000${p.appProtocol ?? ''}`;
}

function addrKey(a: EndpointAddress): string {
  return `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;
}

function compareAddr(a: EndpointAddress, b: EndpointAddress): number {
  return a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
}

function comparePort(a: EndpointPort, b: EndpointPort): number {
  return (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port || (a.protocol ?? '').localeCompare(b.protocol ?? '');
}

/** The (address, port, readiness) entries every pod contributes. */
function entriesFor(svc: Readonly<Service>, pods: readonly Readonly<Pod>[]): Entry[] {
  const spec = serviceSpec(svc);
  const publishNotReady = spec.publishNotReadyAddresses === true;
  const ports = spec.ports ?? [];
  const out: Entry[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = podIPv4(pod);
    if (!ip) continue;
    const addr = addressOf(pod, svc, ip);
    const ready = publishNotReady || isPodReady(pod);
    if (ports.length === 0) {
      // Headless services may have no ports: the address alone is published.
      if (spec.clusterIP === 'None') out.push({ addr, ready });
      continue;
    }
    for (const sp of ports) {
      const num = findPort(pod, sp);
      if (num === undefined) continue;
      const port: EndpointPort = { name: sp.name ?? '', port: num, protocol: sp.protocol ?? 'TCP' };
      if (!sp.name) delete port.name;
      if (sp.appProtocol) port.appProtocol = sp.appProtocol;
      out.push({ addr, ready, port });
    }
  }
  return out;
}

/**
 * Groups entries into subsets: addresses (ready and not ready separately) that serve the
 * same set of ports share a subset. Output is sorted so that equal inputs give equal JSON.
 */
export function repackSubsets(entries: readonly Entry[]): EndpointSubset[] {
  const ports = new Map<string, EndpointPort>();
  const byAddr = new Map<string, { addr: EndpointAddress; ready: boolean; ports: Set<string> }>();
  for (const e of entries) {
    const k = `${e.ready ? 'r' : 'n'}\u0000${addrKey(e.addr)}`;
    let a = byAddr.get(k);
    if (!a) byAddr.set(k, (a = { addr: e.addr, ready: e.ready, ports: new Set() }));
    if (e.port) {
      const pk = portKey(e.port);
      ports.set(pk, e.port);
      a.ports.add(pk);
    }
  }
  const groups = new Map<string, EndpointSubset & { ready: EndpointAddress[]; notReady: EndpointAddress[]; portList: EndpointPort[] }>();
  for (const a of byAddr.values()) {
    const keys = [...a.ports].sort();
    const gk = keys.join('\u0001');
    let g = groups.get(gk);
    if (!g) groups.set(gk, (g = { ready: [], notReady: [], portList: keys.map((k) => ports.get(k)!).sort(comparePort) }));
    (a.ready ? g.ready : g.notReady).push(a.addr);
  }
  const subsets: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const s: EndpointSubset = {};
    if (g.ready.length) s.addresses = g.ready.sort(compareAddr);
    if (g.notReady.length) s.notReadyAddresses = g.notReady.sort(compareAddr);
    if (g.portList.length) s.ports = g.portList;
    subsets.push(s);
  }
  const first = (s: EndpointSubset): EndpointAddress => (s.addresses ?? s.notReadyAddresses)![0];
  return subsets.sort((a, b) => compareAddr(first(a), first(b)) || JSON.stringify(a.ports ?? []).localeCompare(JSON.stringify(b.ports ?? [])));
}

/** Keeps at most `max` addresses, ready ones first (upstream truncates not-ready first). */
export function truncateSubsets(subsets: readonly EndpointSubset[], max = MAX_ENDPOINTS_CAPACITY): { subsets: EndpointSubset[]; truncated: boolean } {
  const total = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
  if (total <= max) return { subsets: [...subsets], truncated: false };
  let budget = max;
  const out: EndpointSubset[] = subsets.map((s) => ({ ...s }));
  for (const s of out) {
    const take = Math.min(budget, s.addresses?.length ?? 0);
    if (s.addresses) s.addresses = s.addresses.slice(0, take);
    budget -= take;
  }
  for (const s of out) {
    const take = Math.min(budget, s.notReadyAddresses?.length ?? 0);
    if (s.notReadyAddresses) s.notReadyAddresses = s.notReadyAddresses.slice(0, take);
    budget -= take;
  }
  const kept = out.filter((s) => (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0) > 0);
  for (const s of kept) {
    if (s.addresses?.length === 0) delete s.addresses;
    if (s.notReadyAddresses?.length === 0) delete s.notReadyAddresses;
  }
  return { subsets: kept, truncated: true };
}

/** Subsets of a service for the given (already selector-matched) pods. */
export function desiredSubsets(svc: Readonly<Service>, pods: readonly Readonly<Pod>[]): { subsets: EndpointSubset[]; truncated: boolean } {
  return truncateSubsets(repackSubsets(entriesFor(svc, pods)));
}

/**
 * The Endpoints object to write, or undefined when `current` already matches. Keeps
 * `current`'s other metadata (resourceVersion for compare-and-swap, foreign annotations).
 */
export function desiredEndpoints(
  svc: Readonly<Service>,
  pods: readonly Readonly<Pod>[],
  current: Readonly<Endpoints> | undefined,
): Endpoints | undefined {
  const { subsets, truncated } = desiredSubsets(svc, pods);
  const labels = endpointsLabels(svc);
  const currentAnn = current?.metadata.annotations ?? {};
  if (current
    && deepEqual(current.subsets ?? [], subsets)
    && deepEqual(current.metadata.labels ?? {}, labels)
    && (currentAnn[ANNOTATION_OVER_CAPACITY] === OVER_CAPACITY_TRUNCATED) === truncated) {
    return undefined;
  }
  const annotations: Record<string, string> = { ...currentAnn };
  const trigger = lastChangeTriggerTime(svc, pods);
  if (trigger) annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] = trigger;
  else delete annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
  if (truncated) annotations[ANNOTATION_OVER_CAPACITY] = OVER_CAPACITY_TRUNCATED;
  else delete annotations[ANNOTATION_OVER_CAPACITY];
  const meta: Endpoints['metadata'] = current
    ? { ...current.metadata, labels, annotations }
    : { name: svc.metadata.name, namespace: svc.metadata.namespace, labels, annotations };
  delete meta.managedFields;
  if (Object.keys(annotations).length === 0) delete meta.annotations;
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: meta, subsets };
}
