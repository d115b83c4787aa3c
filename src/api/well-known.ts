// Well-known names that several components agree on: namespaces, labels, taint keys and
// annotations (upstream k8s.io/api/core/v1 well_known_labels.go, well_known_taints.go and
// annotation_key_constants.go). A name used by one component only stays in that component.

// ---- namespaces ----
export const NAMESPACE_DEFAULT = 'default';
export const NAMESPACE_SYSTEM = 'kube-system';
export const NAMESPACE_PUBLIC = 'kube-public';
/** Where each node's heartbeat Lease lives (named after the node). */
export const NAMESPACE_NODE_LEASE = 'kube-node-lease';
/** Namespaces the API server creates at start-up and the namespace controller never deletes. */
export const SYSTEM_NAMESPACES = [NAMESPACE_DEFAULT, NAMESPACE_SYSTEM, NAMESPACE_PUBLIC, NAMESPACE_NODE_LEASE] as const;

// ---- node labels ----
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_OS = 'kubernetes.io/os';
export const LABEL_ARCH = 'kubernetes.io/arch';
export const LABEL_INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_TOPOLOGY_REGION = 'topology.kubernetes.io/region';
/** `node-role.kubernetes.io/<role>` keys give a node its roles (kubectl's ROLES column). */
export const LABEL_NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
export const LABEL_NODE_ROLE_CONTROL_PLANE = `${LABEL_NODE_ROLE_PREFIX}control-plane`;

// ---- service and endpoint labels ----
/** On EndpointSlices: the Service they belong to. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** On EndpointSlices: the controller that manages them. */
export const LABEL_ENDPOINTSLICE_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';

// ---- taint keys (the node lifecycle controller and the kubelet set them) ----
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
/** Set by an administrator on a node that is shut down for good (non-graceful node shutdown). */
export const TAINT_NODE_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

// ---- annotations ----
/** On a StorageClass: "true" makes it the default for claims without a class. */
export const ANNOTATION_IS_DEFAULT_STORAGE_CLASS = 'storageclass.kubernetes.io/is-default-class';
/** The beta spelling of ANNOTATION_IS_DEFAULT_STORAGE_CLASS, still honoured upstream. */
export const ANNOTATION_BETA_IS_DEFAULT_STORAGE_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';

// ---- finalizers ----
/** Set by a DELETE with propagationPolicy Orphan: the garbage collector orphans the dependents, then removes it. */
export const FINALIZER_ORPHAN = 'orphan';
/** Set by a DELETE with propagationPolicy Foreground: the dependents go first. */
export const FINALIZER_FOREGROUND = 'foregroundDeletion';
