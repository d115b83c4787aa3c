// PodInfo: everything the plugins need from a pod, computed once per pod object and cached
// (WeakMap on the object, which informers never mutate): resource requests, host ports,
// tolerations, parsed affinity terms. Label selectors are parsed here, once, not per node.
import { labelSelectorFromMeta, matchesLabels, EVERYTHING, type LabelSelector, type LabelRequirement } from '../../api/selectors/index.js';
import { integerValue, milliValue } from '../../api/quantity/index.js';
import type { Toleration } from './types.js';
import type { Container, Pod, PodAffinityTerm, PodSpec, ResourceList } from '../../api/types/index.js';

/** Upstream's scoring-only defaults for containers without requests (schedutil). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export interface Resources {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended and hugepages resources (integer values). */
  scalar: Map<string, number> | undefined;
}

export function emptyResources(): Resources {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, scalar: undefined };
}

export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

export interface AffinityTerm {
  readonly selector: LabelSelector;
  /** Explicit namespaces; with nsSelector undefined and an empty set, the pod's own namespace. */
  readonly namespaces: ReadonlySet<string>;
  readonly nsSelector: LabelSelector | undefined;
  readonly topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

export interface PodInfo {
  readonly pod: Readonly<Pod>;
  readonly key: string;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly priority: number;
  readonly requests: Readonly<Resources>;
  /** Requests with the non-zero defaults applied per container (scoring only). */
  readonly nonZeroCPU: number;
  readonly nonZeroMemory: number;
  /** True when the pod asks for nothing (no cpu/memory/storage/scalar). */
  readonly requestsNothing: boolean;
  readonly hostPorts: readonly HostPort[];
  readonly tolerations: readonly Toleration[];
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinity: readonly WeightedAffinityTerm[];
  readonly hasAffinity: boolean;
  /** Milliseconds, for preemption ordering (status.startTime, else creation). */
  readonly startTime: number;
}

const cpuCache = new Map<string, number>();
const intCache = new Map<string, number>();

function quantityOf(v: string | number, milli: boolean): number {
  const s = String(v);
  const cache = milli ? cpuCache : intCache;
  let n = cache.get(s);
  if (n === undefined) {
    try {
      n = milli ? milliValue(s) : integerValue(s);
    } catch {
      n = 0;
    }
    if (cache.size < 10000) cache.set(s, n);
  }
  return n;
}

function addList(into: Resources, list: ResourceList | null | undefined): void {
  if (!list) return;
  for (const name in list) {
    const v = list[name];
    switch (name) {
      case 'cpu': into.milliCPU += quantityOf(v, true); break;
      case 'memory': into.memory += quantityOf(v, false); break;
      case 'ephemeral-storage': into.ephemeralStorage += quantityOf(v, false); break;
      case 'pods': break;
      default: {
        into.scalar ??= new Map();
        into.scalar.set(name, (into.scalar.get(name) ?? 0) + quantityOf(v, false));
      }
    }
  }
}

function maxInto(into: Resources, other: Resources): void {
  into.milliCPU = Math.max(into.milliCPU, other.milliCPU);
  into.memory = Math.max(into.memory, other.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, other.ephemeralStorage);
  if (other.scalar) {
    into.scalar ??= new Map();
    for (const [k, v] of other.scalar) into.scalar.set(k, Math.max(into.scalar.get(k) ?? 0, v));
  }
}

function addInto(into: Resources, other: Resources): void {
  into.milliCPU += other.milliCPU;
  into.memory += other.memory;
  into.ephemeralStorage += other.ephemeralStorage;
  if (other.scalar) {
    into.scalar ??= new Map();
    for (const [k, v] of other.scalar) into.scalar.set(k, (into.scalar.get(k) ?? 0) + v);
  }
}

function containerRequests(c: Container, nonZero: boolean): Resources {
  const r = emptyResources();
  const req = c.resources?.requests;
  addList(r, req);
  if (nonZero) {
    if (!req || req.cpu === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (!req || req.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * Effective pod requests as upstream's resourcehelper.PodRequests: the sum over containers
 * plus restartable (sidecar) init containers, at least each regular init container's request
 * (plus the sidecars started before it), plus pod overhead.
 */
export function podRequests(pod: Readonly<Pod>, nonZero = false): Resources {
  const spec: Partial<PodSpec> = pod.spec ?? {};
  const sum = emptyResources();
  for (const c of spec.containers ?? []) addInto(sum, containerRequests(c, nonZero));
  const sidecars = emptyResources();
  const initMax = emptyResources();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      addInto(sidecars, r);
      addInto(sum, r);
      maxInto(initMax, sidecars);
    } else {
      addInto(r, sidecars);
      maxInto(initMax, r);
    }
  }
  maxInto(sum, initMax);
  addList(sum, spec.overhead);
  return sum;
}

function hostPortsOf(pod: Readonly<Pod>): HostPort[] {
  const out: HostPort[] = [];
  const spec: Partial<PodSpec> = pod.spec ?? {};
  const all = [...(spec.containers ?? []), ...(spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of all) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

function safeSelector(sel: PodAffinityTerm['labelSelector']): LabelSelector {
  try {
    return labelSelectorFromMeta(sel ?? null);
  } catch {
    return labelSelectorFromMeta(null);
  }
}

/** Adds matchLabelKeys (key in (value)) / mismatchLabelKeys (key notin (value)) from the pod's own labels. */
function withLabelKeys(sel: LabelSelector, t: PodAffinityTerm, labels: Readonly<Record<string, string>>): LabelSelector {
  const extra: LabelRequirement[] = [];
  for (const k of t.matchLabelKeys ?? []) if (Object.hasOwn(labels, k)) extra.push({ key: k, operator: 'in', values: [labels[k]] });
  for (const k of t.mismatchLabelKeys ?? []) if (Object.hasOwn(labels, k)) extra.push({ key: k, operator: 'notin', values: [labels[k]] });
  if (extra.length === 0 || sel.kind === 'nothing') return sel;
  return { kind: 'requirements', requirements: [...sel.requirements, ...extra] };
}

function parseTerm(t: PodAffinityTerm, ns: string, labels: Readonly<Record<string, string>>): AffinityTerm {
  const names = new Set(t.namespaces ?? []);
  const nsSelector = t.namespaceSelector ? safeSelector(t.namespaceSelector) : undefined;
  if (names.size === 0 && nsSelector === undefined) names.add(ns);
  return { selector: withLabelKeys(safeSelector(t.labelSelector), t, labels), namespaces: names, nsSelector, topologyKey: t.topologyKey ?? '' };
}

/** Does `term` (of a pod in its own namespace context) select `target`? */
export function termMatches(term: AffinityTerm, target: PodInfo, nsLabels?: (ns: string) => Readonly<Record<string, string>> | undefined): boolean {
  if (!term.namespaces.has(target.namespace)) {
    if (term.nsSelector === undefined) return false;
    if (term.nsSelector !== EVERYTHING && !(term.nsSelector.kind === 'requirements' && term.nsSelector.requirements.length === 0)) {
      const l = nsLabels?.(target.namespace);
      if (!matchesLabels(term.nsSelector, l ?? {})) return false;
    }
  }
  return matchesLabels(term.selector, target.labels);
}

const cache = new WeakMap<object, PodInfo>();
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** PodInfo of a pod object (cached per object; objects from informers are immutable). */
export function podInfoOf(pod: Readonly<Pod>): PodInfo {
  let pi = cache.get(pod);
  if (pi) return pi;
  pi = computePodInfo(pod);
  cache.set(pod, pi);
  return pi;
}

function computePodInfo(pod: Readonly<Pod>): PodInfo {
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const labels = pod.metadata.labels ?? NO_LABELS;
  const requests = podRequests(pod, false);
  const nonZero = podRequests(pod, true);
  const aff = pod.spec?.affinity;
  const reqAff = (aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => parseTerm(t, ns, labels));
  const reqAnti = (aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => parseTerm(t, ns, labels));
  const prefAff = (aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ ...parseTerm(w.podAffinityTerm, ns, labels), weight: w.weight }));
  const prefAnti = (aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ ...parseTerm(w.podAffinityTerm, ns, labels), weight: w.weight }));
  const started = pod.status?.startTime ?? pod.metadata.creationTimestamp ?? undefined;
  return {
    pod,
    key: ns ? `${ns}/${name}` : name,
    uid: pod.metadata.uid ?? '',
    namespace: ns,
    name,
    labels,
    priority: pod.spec?.priority ?? 0,
    requests,
    nonZeroCPU: nonZero.milliCPU,
    nonZeroMemory: nonZero.memory,
    requestsNothing: requests.milliCPU === 0 && requests.memory === 0 && requests.ephemeralStorage === 0 && !requests.scalar?.size,
    hostPorts: hostPortsOf(pod),
    tolerations: pod.spec?.tolerations ?? [],
    requiredAffinity: reqAff,
    requiredAntiAffinity: reqAnti,
    preferredAffinity: prefAff,
    preferredAntiAffinity: prefAnti,
    hasAffinity: reqAff.length + reqAnti.length + prefAff.length + prefAnti.length > 0,
    startTime: started ? Date.parse(started) || 0 : 0,
  };
}
