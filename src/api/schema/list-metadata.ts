// List merge semantics of the built-in types, for OpenAPI extensions
// (x-kubernetes-patch-strategy / -patch-merge-key / -list-type / -list-map-keys).
//
// kubectl computes client-side-apply strategic merge patches from these extensions when the
// OpenAPI document says the kind accepts strategic-merge-patch, so they must agree with the
// patch tags of the Go types (k8s.io/api v1.32), or apply would replace lists it should merge.
// The wire-facts table does not carry them; this table is written by hand from the Go tags.
// Keys are `<message>.<jsonField>` of the message that declares the field.

export interface ListMetadata {
  /** x-kubernetes-patch-strategy ("merge", "merge,retainKeys", "retainKeys"). */
  readonly strategy?: string;
  /** x-kubernetes-patch-merge-key. */
  readonly mergeKey?: string;
  /** x-kubernetes-list-type. */
  readonly listType?: 'atomic' | 'set' | 'map';
  /** x-kubernetes-list-map-keys (listType "map"). */
  readonly mapKeys?: readonly string[];
}

const CORE = 'k8s.io.api.core.v1';
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

const byName = (key = 'name'): ListMetadata => ({ strategy: 'merge', mergeKey: key, listType: 'map', mapKeys: [key] });
const byType: ListMetadata = { strategy: 'merge', mergeKey: 'type', listType: 'map', mapKeys: ['type'] };
const atomic: ListMetadata = { listType: 'atomic' };

const containerLists: Record<string, ListMetadata> = {
  ports: { strategy: 'merge', mergeKey: 'containerPort', listType: 'map', mapKeys: ['containerPort', 'protocol'] },
  env: byName(),
  volumeMounts: { strategy: 'merge', mergeKey: 'mountPath', listType: 'map', mapKeys: ['mountPath'] },
  volumeDevices: { strategy: 'merge', mergeKey: 'devicePath', listType: 'map', mapKeys: ['devicePath'] },
  command: atomic,
  args: atomic,
  envFrom: atomic,
  resizePolicy: atomic,
};

const entries: [string, ListMetadata][] = [
  // Pods
  [`${CORE}.PodSpec.containers`, byName()],
  [`${CORE}.PodSpec.initContainers`, byName()],
  [`${CORE}.PodSpec.ephemeralContainers`, byName()],
  [`${CORE}.PodSpec.volumes`, { strategy: 'merge,retainKeys', mergeKey: 'name', listType: 'map', mapKeys: ['name'] }],
  [`${CORE}.PodSpec.imagePullSecrets`, byName()],
  [`${CORE}.PodSpec.hostAliases`, { strategy: 'merge', mergeKey: 'ip', listType: 'map', mapKeys: ['ip'] }],
  [`${CORE}.PodSpec.topologySpreadConstraints`, { strategy: 'merge', mergeKey: 'topologyKey', listType: 'map', mapKeys: ['topologyKey', 'whenUnsatisfiable'] }],
  [`${CORE}.PodSpec.schedulingGates`, byName()],
  [`${CORE}.PodSpec.resourceClaims`, { strategy: 'merge,retainKeys', mergeKey: 'name', listType: 'map', mapKeys: ['name'] }],
  [`${CORE}.PodSpec.tolerations`, atomic],
  [`${CORE}.PodSpec.readinessGates`, atomic],
  [`${CORE}.PodStatus.conditions`, byType],
  [`${CORE}.PodStatus.podIPs`, { strategy: 'merge', mergeKey: 'ip', listType: 'map', mapKeys: ['ip'] }],
  [`${CORE}.PodStatus.hostIPs`, { strategy: 'merge', mergeKey: 'ip', listType: 'atomic' }],
  [`${CORE}.PodStatus.resourceClaimStatuses`, { strategy: 'merge,retainKeys', mergeKey: 'name', listType: 'map', mapKeys: ['name'] }],
  ...Object.entries(containerLists).map(([k, v]): [string, ListMetadata] => [`${CORE}.Container.${k}`, v]),
  ...Object.entries(containerLists).map(([k, v]): [string, ListMetadata] => [`${CORE}.EphemeralContainerCommon.${k}`, v]),
  // Nodes, namespaces, volumes, services
  [`${CORE}.NodeStatus.conditions`, byType],
  [`${CORE}.NodeStatus.addresses`, byType],
  [`${CORE}.NodeSpec.podCIDRs`, { strategy: 'merge', listType: 'set' }],
  [`${CORE}.NodeSpec.taints`, atomic],
  [`${CORE}.NamespaceStatus.conditions`, byType],
  [`${CORE}.PersistentVolumeClaimStatus.conditions`, byType],
  [`${CORE}.ReplicationControllerStatus.conditions`, byType],
  [`${CORE}.ComponentStatus.conditions`, byType],
  [`${CORE}.ServiceSpec.ports`, { strategy: 'merge', mergeKey: 'port', listType: 'map', mapKeys: ['port', 'protocol'] }],
  [`${CORE}.ServiceSpec.externalIPs`, atomic],
  [`${CORE}.ServiceSpec.clusterIPs`, atomic],
  [`${CORE}.ServiceSpec.ipFamilies`, atomic],
  [`${CORE}.ServiceStatus.conditions`, byType],
  // Object metadata
  [`${META}.ObjectMeta.ownerReferences`, { strategy: 'merge', mergeKey: 'uid', listType: 'map', mapKeys: ['uid'] }],
  [`${META}.ObjectMeta.finalizers`, { strategy: 'merge', listType: 'set' }],
  [`${META}.ObjectMeta.managedFields`, atomic],
  // Workloads
  ['k8s.io.api.apps.v1.DeploymentStatus.conditions', byType],
  ['k8s.io.api.apps.v1.ReplicaSetStatus.conditions', byType],
  ['k8s.io.api.apps.v1.StatefulSetStatus.conditions', byType],
  ['k8s.io.api.apps.v1.DaemonSetStatus.conditions', byType],
  ['k8s.io.api.batch.v1.JobStatus.conditions', { strategy: 'merge', mergeKey: 'type', listType: 'atomic' }],
  ['k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerStatus.conditions', byType],
  ['k8s.io.api.policy.v1.PodDisruptionBudgetStatus.conditions', byType],
];

/** Patch strategy of single (non-list) fields. */
const fieldEntries: [string, ListMetadata][] = [
  ['k8s.io.api.apps.v1.DeploymentSpec.strategy', { strategy: 'retainKeys' }],
];

const TABLE: ReadonlyMap<string, ListMetadata> = new Map([...entries, ...fieldEntries]);

/** Merge semantics for `field` declared by `message`, if the Go type tags any. */
export function listMetadataFor(message: string, field: string): ListMetadata | undefined {
  return TABLE.get(`${message}.${field}`);
}
