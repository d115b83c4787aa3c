// The resource registry: every REST resource the API server serves, with the facts that
// discovery, routing, storage and kubectl rely on (upstream v1.32 values).

export interface SubresourceDef {
  name: string;
  /** Response kind; group/version default to the parent's. */
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceDef {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: SubresourceDef[];
  /**
   * Where objects live. Resources served in several versions (ingresses v1 and v1beta1,
   * HPA v1 and v2, events core and events.k8s.io) share one storage location and one
   * storage version; requests in another version are converted.
   */
  storage: { group: string; resource: string; version: string };
  /** Create-only resources that are computed, never stored (reviews). */
  virtual: boolean;
  /** True when status is written only through the /status subresource. */
  hasStatus: boolean;
  /** Generation bumps on spec changes (kinds with a spec). */
  tracksGeneration: boolean;
  /** Set for custom resources served from a CustomResourceDefinition. */
  custom?: CustomResourceInfo;
}

/** What the API server needs of a CRD version to serve it (apiextensions.k8s.io/v1). */
export interface CustomResourceInfo {
  /** The CRD's name, `<plural>.<group>`. */
  crdName: string;
  /** The CRD's uid: schema caches are keyed by it and the version's name. */
  crdUid: string;
  /** spec.versions[].schema.openAPIV3Schema, if any. */
  schema?: Record<string, unknown>;
  /** spec.preserveUnknownFields (v1 only allows false) or the root's x-kubernetes-preserve-unknown-fields. */
  preserveUnknownFields: boolean;
  printerColumns: ReadonlyArray<PrinterColumn>;
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  deprecated?: boolean;
  deprecationWarning?: string;
  /** False for a storage version that is not served (kept only to store objects). */
  served: boolean;
}

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const NO_COLLECTION = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE = ['create'];
const STATUS_VERBS = ['get', 'patch', 'update'];

interface Spec {
  kind: string;
  plural?: string;
  namespaced?: boolean;
  short?: string[];
  categories?: string[];
  verbs?: string[];
  sub?: Array<string | SubresourceDef>;
  storage?: { group: string; resource: string; version: string };
  virtual?: boolean;
  noGeneration?: boolean;
}

function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('s')) return lower + 'es';
  if (lower.endsWith('y')) return lower.slice(0, -1) + 'ies';
  return lower + 's';
}

function group(g: string, version: string, specs: Spec[]): ResourceDef[] {
  return specs.map((s) => {
    const plural = s.plural ?? pluralOf(s.kind);
    const subs: SubresourceDef[] = (s.sub ?? []).map((x) =>
      typeof x === 'string'
        ? x === 'status'
          ? { name: 'status', kind: s.kind, verbs: STATUS_VERBS }
          : x === 'scale'
            ? { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: STATUS_VERBS }
            : { name: x, kind: s.kind, verbs: ['get'] }
        : x,
    );
    return {
      group: g,
      version,
      kind: s.kind,
      listKind: s.kind + 'List',
      plural,
      singular: s.kind.toLowerCase(),
      namespaced: s.namespaced ?? true,
      shortNames: s.short ?? [],
      categories: s.categories ?? [],
      verbs: s.verbs ?? ALL,
      subresources: subs,
      storage: s.storage ?? { group: g, resource: plural, version },
      virtual: s.virtual ?? false,
      hasStatus: subs.some((x) => x.name === 'status'),
      tracksGeneration: !(s.noGeneration ?? false),
    };
  });
}

const CORE_PROXY_VERBS = ['create', 'delete', 'get', 'patch', 'update'];

export const resources: readonly ResourceDef[] = [
  ...group('', 'v1', [
    { kind: 'Namespace', namespaced: false, short: ['ns'], verbs: NO_COLLECTION, sub: ['status', { name: 'finalize', kind: 'Namespace', verbs: ['update'] }], noGeneration: true },
    { kind: 'Node', namespaced: false, short: ['no'], sub: ['status', { name: 'proxy', kind: 'NodeProxyOptions', verbs: CORE_PROXY_VERBS }], noGeneration: true },
    {
      kind: 'Pod', short: ['po'], categories: ['all'],
      sub: [
        { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
        { name: 'binding', kind: 'Binding', verbs: CREATE },
        { name: 'ephemeralcontainers', kind: 'Pod', verbs: STATUS_VERBS },
        { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: CREATE },
        { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
        { name: 'log', kind: 'Pod', verbs: ['get'] },
        { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
        { name: 'proxy', kind: 'PodProxyOptions', verbs: CORE_PROXY_VERBS },
        'status',
      ],
      noGeneration: true,
    },
    { kind: 'Service', short: ['svc'], categories: ['all'], sub: [{ name: 'proxy', kind: 'ServiceProxyOptions', verbs: CORE_PROXY_VERBS }, 'status'], noGeneration: true },
    { kind: 'Endpoints', plural: 'endpoints', short: ['ep'], noGeneration: true },
    { kind: 'Event', short: ['ev'], noGeneration: true },
    { kind: 'ConfigMap', short: ['cm'], noGeneration: true },
    { kind: 'Secret', noGeneration: true },
    { kind: 'ServiceAccount', short: ['sa'], sub: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: CREATE }], noGeneration: true },
    { kind: 'PersistentVolume', namespaced: false, short: ['pv'], sub: ['status'], noGeneration: true },
    { kind: 'PersistentVolumeClaim', short: ['pvc'], sub: ['status'], noGeneration: true },
    { kind: 'ResourceQuota', short: ['quota'], sub: ['status'], noGeneration: true },
    { kind: 'LimitRange', short: ['limits'], noGeneration: true },
    { kind: 'PodTemplate', noGeneration: true },
    { kind: 'ReplicationController', short: ['rc'], categories: ['all'], sub: ['scale', 'status'] },
  ]),
  ...group('apps', 'v1', [
    { kind: 'Deployment', short: ['deploy'], categories: ['all'], sub: ['scale', 'status'] },
    { kind: 'ReplicaSet', short: ['rs'], categories: ['all'], sub: ['scale', 'status'] },
    { kind: 'StatefulSet', short: ['sts'], categories: ['all'], sub: ['scale', 'status'] },
    { kind: 'DaemonSet', short: ['ds'], categories: ['all'], sub: ['status'] },
    { kind: 'ControllerRevision', noGeneration: true },
  ]),
  ...group('batch', 'v1', [
    { kind: 'Job', categories: ['all'], sub: ['status'] },
    { kind: 'CronJob', short: ['cj'], categories: ['all'], sub: ['status'] },
  ]),
  ...group('networking.k8s.io', 'v1', [
    { kind: 'Ingress', short: ['ing'], sub: ['status'] },
    { kind: 'IngressClass', namespaced: false },
    { kind: 'NetworkPolicy', short: ['netpol'] },
  ]),
  // Retired upstream in 1.22; served so that the article's manifest applies verbatim.
  ...group('networking.k8s.io', 'v1beta1', [
    { kind: 'Ingress', short: ['ing'], sub: ['status'], storage: { group: 'networking.k8s.io', resource: 'ingresses', version: 'v1' } },
  ]),
  ...group('discovery.k8s.io', 'v1', [{ kind: 'EndpointSlice', noGeneration: true }]),
  ...group('events.k8s.io', 'v1', [{ kind: 'Event', short: ['ev'], storage: { group: '', resource: 'events', version: 'v1' }, noGeneration: true }]),
  ...group('coordination.k8s.io', 'v1', [{ kind: 'Lease', noGeneration: true }]),
  ...group('policy', 'v1', [{ kind: 'PodDisruptionBudget', short: ['pdb'], sub: ['status'] }]),
  ...group('autoscaling', 'v2', [{ kind: 'HorizontalPodAutoscaler', short: ['hpa'], categories: ['all'], sub: ['status'] }]),
  ...group('autoscaling', 'v1', [
    { kind: 'HorizontalPodAutoscaler', short: ['hpa'], categories: ['all'], sub: ['status'], storage: { group: 'autoscaling', resource: 'horizontalpodautoscalers', version: 'v2' } },
  ]),
  ...group('rbac.authorization.k8s.io', 'v1', [
    { kind: 'Role', noGeneration: true },
    { kind: 'ClusterRole', namespaced: false, noGeneration: true },
    { kind: 'RoleBinding', noGeneration: true },
    { kind: 'ClusterRoleBinding', namespaced: false, noGeneration: true },
  ]),
  ...group('authorization.k8s.io', 'v1', [
    { kind: 'SelfSubjectAccessReview', namespaced: false, verbs: CREATE, virtual: true },
    { kind: 'SelfSubjectRulesReview', namespaced: false, verbs: CREATE, virtual: true },
    { kind: 'SubjectAccessReview', namespaced: false, verbs: CREATE, virtual: true },
    { kind: 'LocalSubjectAccessReview', namespaced: true, verbs: CREATE, virtual: true },
  ]),
  ...group('authentication.k8s.io', 'v1', [
    { kind: 'SelfSubjectReview', namespaced: false, verbs: CREATE, virtual: true },
    { kind: 'TokenReview', namespaced: false, verbs: CREATE, virtual: true },
  ]),
  ...group('apiextensions.k8s.io', 'v1', [{ kind: 'CustomResourceDefinition', namespaced: false, short: ['crd', 'crds'], categories: ['api-extensions'], sub: ['status'] }]),
  ...group('storage.k8s.io', 'v1', [{ kind: 'StorageClass', namespaced: false, short: ['sc'], noGeneration: true }]),
  ...group('scheduling.k8s.io', 'v1', [{ kind: 'PriorityClass', namespaced: false, short: ['pc'], noGeneration: true }]),
];

/** Group versions in discovery order; the first version of a group is the preferred one. */
export interface GroupInfo {
  name: string;
  versions: string[];
}

export function groups(): GroupInfo[] {
  const out: GroupInfo[] = [];
  for (const r of allResources()) {
    let g = out.find((x) => x.name === r.group);
    if (!g) out.push((g = { name: r.group, versions: [] }));
    if (!g.versions.includes(r.version)) g.versions.push(r.version);
  }
  return out;
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

const byPath = new Map<string, ResourceDef>();
for (const r of resources) {
  byPath.set(`${r.group}/${r.version}/${r.plural}`, r);
}

export function lookupResource(group: string, version: string, plural: string): ResourceDef | undefined {
  const key = `${group}/${version}/${plural}`;
  return byPath.get(key) ?? customByPath.get(key);
}

// ---- custom resources ----
// The API server registers the served versions of each established CRD here; built-in
// resources always win a name clash (a CRD cannot take over a built-in group).

const customByCrd = new Map<string, ResourceDef[]>();
const customByPath = new Map<string, ResourceDef>();
let customRevision = 0;

/** Every served resource: the built-in ones, then custom resources in CRD-name order. */
export function allResources(): readonly ResourceDef[] {
  if (!customByCrd.size) return resources;
  const out = [...resources];
  for (const name of [...customByCrd.keys()].sort()) out.push(...customByCrd.get(name)!);
  return out;
}

/** Serves `defs` (one per served version) for a CRD, replacing what it served before. */
export function setCustomResources(crdName: string, defs: ResourceDef[]): void {
  removeCustomResources(crdName);
  if (!defs.length) return;
  customByCrd.set(crdName, defs);
  for (const d of defs) customByPath.set(`${d.group}/${d.version}/${d.plural}`, d);
  customRevision++;
}

export function removeCustomResources(crdName: string): void {
  const old = customByCrd.get(crdName);
  if (!old) return;
  customByCrd.delete(crdName);
  for (const d of old) customByPath.delete(`${d.group}/${d.version}/${d.plural}`);
  customRevision++;
}

/** Changes whenever the set of custom resources changes (discovery and OpenAPI rebuild on it). */
export function customResourcesRevision(): number {
  return customRevision;
}

/** True when group/plural is served by a built-in resource (CRDs cannot shadow those). */
export function isBuiltinResource(group: string, plural: string): boolean {
  return resources.some((r) => r.group === group && r.plural === plural);
}

/** True when any built-in resource lives in the group. */
export function isBuiltinGroup(group: string): boolean {
  return resources.some((r) => r.group === group);
}

/** The definition in the storage version for a resource served in any version. */
export function storageDef(r: ResourceDef): ResourceDef {
  return lookupResource(r.storage.group, r.storage.version, r.storage.resource) ?? r;
}

export function resourcesIn(group: string, version: string): ResourceDef[] {
  return allResources().filter((r) => r.group === group && r.version === version);
}

/** Storage key prefix for a resource: `/registry/<group>/<resource>/`. */
export function storagePrefix(r: ResourceDef): string {
  return `/registry/${r.storage.group || 'core'}/${r.storage.resource}/`;
}

export function storageKey(r: ResourceDef, namespace: string | undefined, name: string): string {
  return r.namespaced ? `${storagePrefix(r)}${namespace}/${name}` : `${storagePrefix(r)}${name}`;
}
