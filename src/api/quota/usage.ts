// What an object counts against a ResourceQuota (upstream's quota evaluators), shared by
// ResourceQuota admission in the API server and the quota controller that fills
// status.used. Pure: objects in, quantities out.
//
// Vocabulary: a quota's `hard` names resources such as `pods`, `requests.cpu` (alias `cpu`),
// `limits.memory`, `services.nodeports`, `requests.storage` or `count/<plural>[.<group>]`.
// Terminal pods (Succeeded, Failed) count for nothing, as upstream.
import type { KObject, Pod, PersistentVolumeClaim, ResourceQuota, Service } from '../types/index.js';
import { addQuantities, canonicalQuantity, compareQuantities, parseQuantity, type Quantity } from '../quantity/index.js';

export type Usage = Map<string, Quantity>;

const ZERO = parseQuantity('0');

/** Resources a pod's containers request or limit, summed (init containers: the max, as upstream). */
function podCompute(pod: Readonly<Pod>, kind: 'requests' | 'limits'): Map<string, Quantity> {
  const sum = new Map<string, Quantity>();
  for (const c of pod.spec?.containers ?? []) {
    for (const [r, v] of Object.entries(c.resources?.[kind] ?? {})) sum.set(r, addQuantities(sum.get(r) ?? ZERO, parseQuantity(v)));
  }
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [r, v] of Object.entries(c.resources?.[kind] ?? {})) {
      const q = parseQuantity(v);
      if (compareQuantities(q, sum.get(r) ?? ZERO) > 0) sum.set(r, q);
    }
  }
  return sum;
}

export function isTerminalPod(pod: Readonly<KObject>): boolean {
  const phase = (pod as Pod).status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function pluralKey(group: string, plural: string): string {
  return group ? `count/${plural}.${group}` : `count/${plural}`;
}

/** Everything the object counts for, keyed by quota resource name (zero entries omitted). */
export function objectUsage(group: string, plural: string, obj: Readonly<KObject>): Usage {
  const u: Usage = new Map();
  const one = parseQuantity('1');
  if (group === '' && plural === 'pods' && isTerminalPod(obj)) return u;
  u.set(pluralKey(group, plural), one);
  if (group !== '') return u;
  switch (plural) {
    case 'pods': {
      const pod = obj as Pod;
      u.set('pods', one);
      for (const [r, q] of podCompute(pod, 'requests')) {
        u.set(`requests.${r}`, q);
        if (r === 'cpu' || r === 'memory' || r === 'ephemeral-storage') u.set(r, q);
      }
      for (const [r, q] of podCompute(pod, 'limits')) u.set(`limits.${r}`, q);
      break;
    }
    case 'services': {
      const svc = obj as Service;
      u.set('services', one);
      const type = svc.spec?.type ?? 'ClusterIP';
      if (type === 'LoadBalancer') u.set('services.loadbalancers', one);
      if (type === 'NodePort' || type === 'LoadBalancer') {
        const n = (svc.spec?.ports ?? []).length;
        if (n > 0) u.set('services.nodeports', parseQuantity(n));
      }
      break;
    }
    case 'persistentvolumeclaims': {
      const pvc = obj as PersistentVolumeClaim;
      u.set('persistentvolumeclaims', one);
      const storage = pvc.spec?.resources?.requests?.storage;
      if (storage !== undefined) u.set('requests.storage', parseQuantity(storage));
      const sc = pvc.spec?.storageClassName;
      if (sc) {
        u.set(`${sc}.storageclass.storage.k8s.io/persistentvolumeclaims`, one);
        if (storage !== undefined) u.set(`${sc}.storageclass.storage.k8s.io/requests.storage`, parseQuantity(storage));
      }
      break;
    }
    case 'configmaps':
    case 'secrets':
    case 'replicationcontrollers':
    case 'resourcequotas':
      u.set(plural, one);
      break;
  }
  return u;
}

/** Whether a pod falls in a quota's scopes (Terminating, NotTerminating, BestEffort, NotBestEffort). */
export function matchesScopes(quota: Readonly<ResourceQuota>, group: string, plural: string, obj: Readonly<KObject>): boolean {
  const scopes = quota.spec?.scopes ?? [];
  if (!scopes.length) return true;
  if (group !== '' || plural !== 'pods') return false;
  const pod = obj as Pod;
  const bestEffort = (pod.spec?.containers ?? []).every((c) => !Object.keys(c.resources?.requests ?? {}).length && !Object.keys(c.resources?.limits ?? {}).length);
  const terminating = pod.spec?.activeDeadlineSeconds !== undefined && pod.spec.activeDeadlineSeconds !== null;
  return scopes.every((s) => {
    switch (s) {
      case 'Terminating': return terminating;
      case 'NotTerminating': return !terminating;
      case 'BestEffort': return bestEffort;
      case 'NotBestEffort': return !bestEffort;
      default: return true;
    }
  });
}

/** The usage the quota tracks (only the resources in its `hard`). */
export function quotaRelevant(quota: Readonly<ResourceQuota>, usage: Usage): Usage {
  const out: Usage = new Map();
  for (const r of Object.keys(quota.spec?.hard ?? {})) {
    const q = usage.get(r);
    if (q) out.set(r, q);
  }
  return out;
}

export function addUsage(into: Usage, u: Usage): void {
  for (const [r, q] of u) into.set(r, addQuantities(into.get(r) ?? ZERO, q));
}

/** The quota's status.used: every hard resource, zero when nothing counts. */
export function usedFor(quota: Readonly<ResourceQuota>, objects: Iterable<{ group: string; plural: string; obj: Readonly<KObject> }>): Record<string, string> {
  const total: Usage = new Map();
  for (const o of objects) if (matchesScopes(quota, o.group, o.plural, o.obj)) addUsage(total, quotaRelevant(quota, objectUsage(o.group, o.plural, o.obj)));
  const out: Record<string, string> = {};
  for (const r of Object.keys(quota.spec?.hard ?? {}).sort()) out[r] = canonicalQuantity(total.get(r) ?? ZERO);
  return out;
}

/** Which (group, plural) a quota resource name counts, for callers that must list objects. */
export function resourcesCounted(name: string): { group: string; plural: string } | undefined {
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? { group: '', plural: rest } : { group: rest.slice(dot + 1), plural: rest.slice(0, dot) };
  }
  if (name === 'pods' || name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || name.startsWith('requests.') && name !== 'requests.storage' || name.startsWith('limits.')) return { group: '', plural: 'pods' };
  if (name === 'services' || name.startsWith('services.')) return { group: '', plural: 'services' };
  if (name === 'persistentvolumeclaims' || name === 'requests.storage' || name.includes('.storageclass.storage.k8s.io/')) return { group: '', plural: 'persistentvolumeclaims' };
  if (name === 'configmaps' || name === 'secrets' || name === 'replicationcontrollers' || name === 'resourcequotas') return { group: '', plural: name };
  return undefined;
}

/** `a=1,b=2` sorted by name (upstream's prettyPrint of a ResourceList). */
export function formatUsage(u: Usage): string {
  return [...u.keys()].sort().map((r) => `${r}=${canonicalQuantity(u.get(r)!)}`).join(',');
}
