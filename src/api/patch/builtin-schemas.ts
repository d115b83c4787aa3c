// Patch metadata of the built-in kinds, transcribed from the k8s.io/api v1.32
// struct tags (`patchStrategy`, `patchMergeKey`) and list/map markers
// (`+listType`, `+listMapKey`, `+mapType=atomic`, `+structType=atomic`).
// Only fields that carry such metadata are listed; everything else takes the
// defaults (SMP: replace lists, merge maps; SSA: atomic lists, granular maps).
//
// The pod-template subtree is reused wherever a PodTemplateSpec appears.

import { EMPTY_PATCH_SCHEMA, mergeSchemaTrees, patchSchemaFromTree, schemaAt, type PatchSchema, type SchemaNode } from './patch-schema.js';

/** `patchStrategy:"merge"` + `patchMergeKey:key`, SSA list-map keyed by `keys` (default: [key]). */
function mergeList(key: string, keys: readonly string[] = [key], keyDefaults?: Record<string, string>): SchemaNode {
  return { strategy: 'merge', mergeKey: key, listType: 'map', listMapKeys: keys, ...(keyDefaults ? { keyDefaults } : {}) };
}

const ATOMIC_MAP: SchemaNode = { mapType: 'atomic' };
const CONDITIONS: SchemaNode = mergeList('type');

const OBJECT_META: SchemaNode = {
  fields: {
    finalizers: { strategy: 'merge', listType: 'set' },
    ownerReferences: mergeList('uid'),
  },
};

const CONTAINER_FIELDS: Record<string, SchemaNode> = {
  // Container.ports: SMP merges by containerPort only; SSA keys by containerPort+protocol.
  ports: mergeList('containerPort', ['containerPort', 'protocol'], { protocol: 'TCP' }),
  env: mergeList('name'),
  volumeMounts: mergeList('mountPath'),
  volumeDevices: mergeList('devicePath'),
  resources: { fields: { claims: { listType: 'map', listMapKeys: ['name'] } } },
};

const CONTAINERS: SchemaNode = { ...mergeList('name'), fields: CONTAINER_FIELDS };

const POD_SPEC: SchemaNode = {
  fields: {
    containers: CONTAINERS,
    initContainers: CONTAINERS,
    ephemeralContainers: CONTAINERS,
    volumes: { ...mergeList('name'), strategy: 'merge,retainKeys' },
    imagePullSecrets: mergeList('name'),
    hostAliases: mergeList('ip'),
    topologySpreadConstraints: mergeList('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
    schedulingGates: mergeList('name'),
    resourceClaims: { ...mergeList('name'), strategy: 'merge,retainKeys' },
    nodeSelector: ATOMIC_MAP,
  },
};

const POD_STATUS: SchemaNode = {
  fields: {
    conditions: CONDITIONS,
    podIPs: mergeList('ip'),
    hostIPs: mergeList('ip'),
    resourceClaimStatuses: { ...mergeList('name'), strategy: 'merge,retainKeys' },
  },
};

const POD_TEMPLATE_SPEC: SchemaNode = { fields: { metadata: OBJECT_META, spec: POD_SPEC } };

/** Tree for a kind whose PodTemplateSpec sits at `templatePath`, with a LabelSelector at `spec.selector`. */
function workload(templatePath: readonly string[], extra: SchemaNode = {}): SchemaNode {
  return mergeSchemaTrees(
    schemaAt(templatePath, POD_TEMPLATE_SPEC),
    schemaAt(['spec', 'selector'], ATOMIC_MAP),
    schemaAt(['status', 'conditions'], CONDITIONS),
    extra,
  );
}

const BY_KIND: Readonly<Record<string, SchemaNode>> = {
  // core/v1
  '/Pod': { fields: { spec: POD_SPEC, status: POD_STATUS } },
  '/PodTemplate': schemaAt(['template'], POD_TEMPLATE_SPEC),
  '/ReplicationController': mergeSchemaTrees(
    schemaAt(['spec', 'template'], POD_TEMPLATE_SPEC),
    schemaAt(['spec', 'selector'], ATOMIC_MAP),
    schemaAt(['status', 'conditions'], CONDITIONS),
  ),
  '/Service': {
    fields: {
      spec: {
        fields: {
          ports: mergeList('port', ['port', 'protocol'], { protocol: 'TCP' }),
          selector: ATOMIC_MAP,
        },
      },
      status: { fields: { conditions: CONDITIONS } },
    },
  },
  '/Node': {
    fields: {
      spec: { fields: { podCIDRs: { strategy: 'merge', listType: 'set' } } },
      status: { fields: { conditions: CONDITIONS, addresses: mergeList('type') } },
    },
  },
  '/Namespace': schemaAt(['status', 'conditions'], CONDITIONS),
  '/PersistentVolumeClaim': schemaAt(['status', 'conditions'], CONDITIONS),
  '/ServiceAccount': schemaAt(['secrets'], mergeList('name')),
  // apps/v1
  'apps/Deployment': workload(['spec', 'template'], schemaAt(['spec', 'strategy'], { strategy: 'retainKeys' })),
  'apps/ReplicaSet': workload(['spec', 'template']),
  'apps/StatefulSet': workload(['spec', 'template']),
  'apps/DaemonSet': workload(['spec', 'template']),
  // batch/v1: Job conditions merge by type under SMP but are an atomic list for SSA.
  'batch/Job': workload(['spec', 'template'], schemaAt(['status', 'conditions'], { strategy: 'merge', mergeKey: 'type', listType: 'atomic', listMapKeys: undefined })),
  'batch/CronJob': mergeSchemaTrees(
    schemaAt(['spec', 'jobTemplate', 'metadata'], OBJECT_META),
    schemaAt(['spec', 'jobTemplate', 'spec', 'template'], POD_TEMPLATE_SPEC),
    schemaAt(['spec', 'jobTemplate', 'spec', 'selector'], ATOMIC_MAP),
  ),
  // autoscaling/v2, policy/v1
  'autoscaling/HorizontalPodAutoscaler': schemaAt(['status', 'conditions'], CONDITIONS),
  'policy/PodDisruptionBudget': schemaAt(['status', 'conditions'], CONDITIONS),
};

const cache = new Map<string, PatchSchema>();

/**
 * Schema for `group`/`kind` ('' is the core group). Kinds not in the table
 * (custom resources included) still get ObjectMeta's metadata.
 */
export function patchSchemaFor(group: string, kind: string): PatchSchema {
  const key = `${group}/${kind}`;
  let s = cache.get(key);
  if (!s) {
    const body = Object.prototype.hasOwnProperty.call(BY_KIND, key) ? BY_KIND[key] : {};
    s = patchSchemaFromTree(mergeSchemaTrees(schemaAt(['metadata'], OBJECT_META), body));
    cache.set(key, s);
  }
  return s;
}

/** True when the table has entries beyond ObjectMeta for this kind. */
export function hasBuiltinSchema(group: string, kind: string): boolean {
  return Object.prototype.hasOwnProperty.call(BY_KIND, `${group}/${kind}`);
}

export { EMPTY_PATCH_SCHEMA };
