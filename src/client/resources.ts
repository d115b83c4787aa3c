// ResourceRefs of the built-in resources, named by plural.
import { resources as defs } from '../api/registry/index.js';
import type { ResourceRef } from './types.js';
import type { KObject } from '../api/types/index.js';
import { BugError } from '../util/bug-error.js';

function ref(group: string, version: string, resource: string): ResourceRef {
  const d = defs.find((r) => r.group === group && r.version === version && r.plural === resource);
  if (!d) throw new BugError(`unknown resource ${resource}.${group}/${version}`);
  return Object.freeze({ group, version, resource, namespaced: d.namespaced, kind: d.kind });
}

export const R = {
  namespaces: ref('', 'v1', 'namespaces'),
  nodes: ref('', 'v1', 'nodes'),
  pods: ref('', 'v1', 'pods'),
  services: ref('', 'v1', 'services'),
  endpoints: ref('', 'v1', 'endpoints'),
  events: ref('', 'v1', 'events'),
  configmaps: ref('', 'v1', 'configmaps'),
  secrets: ref('', 'v1', 'secrets'),
  serviceaccounts: ref('', 'v1', 'serviceaccounts'),
  persistentvolumes: ref('', 'v1', 'persistentvolumes'),
  persistentvolumeclaims: ref('', 'v1', 'persistentvolumeclaims'),
  resourcequotas: ref('', 'v1', 'resourcequotas'),
  limitranges: ref('', 'v1', 'limitranges'),
  podtemplates: ref('', 'v1', 'podtemplates'),
  replicationcontrollers: ref('', 'v1', 'replicationcontrollers'),
  deployments: ref('apps', 'v1', 'deployments'),
  replicasets: ref('apps', 'v1', 'replicasets'),
  statefulsets: ref('apps', 'v1', 'statefulsets'),
  daemonsets: ref('apps', 'v1', 'daemonsets'),
  controllerrevisions: ref('apps', 'v1', 'controllerrevisions'),
  jobs: ref('batch', 'v1', 'jobs'),
  cronjobs: ref('batch', 'v1', 'cronjobs'),
  ingresses: ref('networking.k8s.io', 'v1', 'ingresses'),
  ingressclasses: ref('networking.k8s.io', 'v1', 'ingressclasses'),
  networkpolicies: ref('networking.k8s.io', 'v1', 'networkpolicies'),
  endpointslices: ref('discovery.k8s.io', 'v1', 'endpointslices'),
  leases: ref('coordination.k8s.io', 'v1', 'leases'),
  poddisruptionbudgets: ref('policy', 'v1', 'poddisruptionbudgets'),
  horizontalpodautoscalers: ref('autoscaling', 'v2', 'horizontalpodautoscalers'),
  storageclasses: ref('storage.k8s.io', 'v1', 'storageclasses'),
  priorityclasses: ref('scheduling.k8s.io', 'v1', 'priorityclasses'),
  roles: ref('rbac.authorization.k8s.io', 'v1', 'roles'),
  clusterroles: ref('rbac.authorization.k8s.io', 'v1', 'clusterroles'),
  rolebindings: ref('rbac.authorization.k8s.io', 'v1', 'rolebindings'),
  clusterrolebindings: ref('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings'),
  customresourcedefinitions: ref('apiextensions.k8s.io', 'v1', 'customresourcedefinitions'),
} as const;

interface CrdShape {
  spec?: { group?: string; scope?: string; versions?: Array<{ name?: string; served?: boolean; storage?: boolean }> };
  status?: { acceptedNames?: { plural?: string; kind?: string }; conditions?: Array<{ type?: string; status?: string }> };
}

/**
 * The custom resources that established CRDs serve, one ResourceRef each (the storage version
 * when it is served, else the first served one): what generic walkers (namespace deletion,
 * the garbage collector) add to allStoredResources(), and what dynamic informers watch.
 */
export function customResourceRefs(crds: ReadonlyArray<Readonly<KObject>>): ResourceRef[] {
  const out: ResourceRef[] = [];
  for (const o of crds as ReadonlyArray<Readonly<CrdShape & KObject>>) {
    const established = (o.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
    const names = o.status?.acceptedNames;
    const group = o.spec?.group;
    const served = (o.spec?.versions ?? []).filter((v) => v.served && v.name);
    const version = (served.find((v) => v.storage) ?? served[0])?.name;
    if (!established || o.metadata.deletionTimestamp || !names?.plural || !names.kind || !group || !version) continue;
    out.push(Object.freeze({ group, version, resource: names.plural, namespaced: o.spec?.scope === 'Namespaced', kind: names.kind }));
  }
  return out;
}

/** Every stored (non-virtual) resource in its preferred version, for generic walkers (GC, namespace deletion). */
export function allStoredResources(): ResourceRef[] {
  const seen = new Set<string>();
  const out: ResourceRef[] = [];
  for (const d of defs) {
    if (d.virtual) continue;
    if (d.storage.group !== d.group || d.storage.version !== d.version) continue;
    const k = `${d.group}/${d.plural}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(Object.freeze({ group: d.group, version: d.version, resource: d.plural, namespaced: d.namespaced, kind: d.kind }));
  }
  return out;
}

export function apiVersionOfRef(r: ResourceRef): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}
