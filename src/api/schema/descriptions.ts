// Short descriptions for OpenAPI documents (shown by `kubectl explain`). Our own words; only
// the top-level kinds and the most visited fields are described, everything else has none.

const KINDS: Readonly<Record<string, string>> = {
  Pod: 'A Pod is a group of containers scheduled together onto one node, sharing network and volumes.',
  Service: 'A Service gives a stable virtual address and DNS name to a set of pods chosen by a label selector.',
  Namespace: 'A Namespace partitions names and policies inside the cluster.',
  Node: 'A Node is a machine that runs pods; its status is reported by the node agent.',
  ConfigMap: 'A ConfigMap holds non-secret configuration data as key/value pairs.',
  Secret: 'A Secret holds sensitive data such as passwords and tokens; values in data are base64 encoded.',
  ServiceAccount: 'A ServiceAccount is an identity for processes running in pods.',
  Event: 'An Event records something that happened to an object.',
  Endpoints: 'Endpoints lists the network addresses backing a Service.',
  PersistentVolume: 'A PersistentVolume is a piece of storage provisioned in the cluster.',
  PersistentVolumeClaim: 'A PersistentVolumeClaim is a request for storage by a user.',
  ReplicationController: 'A ReplicationController keeps a number of pod replicas running (superseded by ReplicaSet).',
  Deployment: 'A Deployment declares a desired state for a set of identical pods and rolls out changes through ReplicaSets.',
  ReplicaSet: 'A ReplicaSet keeps a fixed number of identical pods running.',
  StatefulSet: 'A StatefulSet runs pods with stable identities and storage.',
  DaemonSet: 'A DaemonSet runs one copy of a pod on each eligible node.',
  ControllerRevision: 'A ControllerRevision is an immutable snapshot of state used by controllers for rollbacks.',
  Job: 'A Job runs pods until a number of them complete successfully.',
  CronJob: 'A CronJob creates Jobs on a repeating schedule.',
  Ingress: 'An Ingress routes external HTTP(S) traffic to Services by host and path.',
  IngressClass: 'An IngressClass names the controller responsible for a set of Ingresses.',
  NetworkPolicy: 'A NetworkPolicy restricts which traffic may reach or leave selected pods.',
  HorizontalPodAutoscaler: 'A HorizontalPodAutoscaler adjusts the replica count of a scalable resource from observed metrics.',
  Scale: 'Scale is the replica count of a scalable resource, read and written through its scale subresource.',
  Role: 'A Role is a namespaced set of permissions.',
  ClusterRole: 'A ClusterRole is a cluster-wide set of permissions.',
  RoleBinding: 'A RoleBinding grants the permissions of a role to subjects within a namespace.',
  ClusterRoleBinding: 'A ClusterRoleBinding grants the permissions of a cluster role to subjects cluster-wide.',
  SelfSubjectAccessReview: 'Asks whether the caller may perform an action.',
  SelfSubjectRulesReview: 'Asks which actions the caller may perform in a namespace.',
  SubjectAccessReview: 'Asks whether a given user may perform an action.',
  SelfSubjectReview: 'Returns the identity the server sees for the caller.',
  TokenRequest: 'Requests a token for a service account.',
  Lease: 'A Lease is a lightweight lock used for leader election and node heartbeats.',
  PodDisruptionBudget: 'A PodDisruptionBudget limits how many pods of a set may be voluntarily disrupted at once.',
  PriorityClass: 'A PriorityClass maps a name to a pod scheduling priority.',
  StorageClass: 'A StorageClass describes a kind of storage that can be provisioned dynamically.',
  EndpointSlice: 'An EndpointSlice lists a subset of the network endpoints backing a Service.',
  Status: 'Status is the result of an operation that does not return an object, or of a failure.',
};

/** Description of a top-level kind (or its List). */
export function kindDescription(kind: string): string {
  if (kind.endsWith('List') && kind.length > 4) return `A list of ${kind.slice(0, -4)} objects.`;
  return KINDS[kind] ?? `${kind} is a built-in API object.`;
}

/** Descriptions of the fields every top-level kind shares; `kind` is the owning kind. */
export function topLevelFieldDescription(field: string, kind: string): string | undefined {
  switch (field) {
    case 'apiVersion': return 'Versioned schema of this object, "<group>/<version>" or "v1" for the core group.';
    case 'kind': return 'The REST resource this object represents, in CamelCase.';
    case 'metadata': return kind.endsWith('List') ? 'Standard list metadata: resourceVersion and continue token.' : 'Standard object metadata: name, namespace, labels, annotations, owners and server-set fields.';
    case 'spec': return `Desired state of the ${kind}.`;
    case 'status': return `Most recently observed state of the ${kind}; written by the system.`;
    case 'items': return `The ${kind.replace(/List$/, '')} objects.`;
    default: return undefined;
  }
}

const FIELDS: Readonly<Record<string, string>> = {
  'apps.v1.DeploymentSpec.replicas': 'Number of desired pods. Defaults to 1.',
  'apps.v1.DeploymentSpec.selector': 'Label selector for the pods managed by this deployment; must match the template labels.',
  'apps.v1.DeploymentSpec.template': 'Template of the pods to create.',
  'apps.v1.DeploymentSpec.strategy': 'How existing pods are replaced by new ones.',
  'apps.v1.DeploymentSpec.minReadySeconds': 'Seconds a new pod must be ready without crashing to count as available.',
  'apps.v1.DeploymentSpec.revisionHistoryLimit': 'Number of old ReplicaSets kept for rollback. Defaults to 10.',
  'apps.v1.DeploymentSpec.paused': 'Stops the rollout of template changes while true.',
  'apps.v1.DeploymentSpec.progressDeadlineSeconds': 'Seconds before a stalled rollout is reported as failed. Defaults to 600.',
  'apps.v1.DeploymentStrategy.type': 'Strategy type: "Recreate" or "RollingUpdate" (default).',
  'apps.v1.DeploymentStrategy.rollingUpdate': 'Parameters of a rolling update; only with type RollingUpdate.',
  'apps.v1.RollingUpdateDeployment.maxSurge': 'Pods that may be created above the desired count during an update (number or percentage). Defaults to 25%.',
  'apps.v1.RollingUpdateDeployment.maxUnavailable': 'Pods that may be unavailable during an update (number or percentage). Defaults to 25%.',
  'core.v1.PodSpec.containers': 'The containers of the pod. At least one is required.',
  'core.v1.PodSpec.initContainers': 'Containers run to completion, in order, before the regular containers start.',
  'core.v1.PodSpec.volumes': 'Volumes that containers of the pod may mount.',
  'core.v1.PodSpec.restartPolicy': 'Restart policy for all containers: Always (default), OnFailure or Never.',
  'core.v1.PodSpec.nodeName': 'The node the pod is bound to; set by the scheduler.',
  'core.v1.PodSpec.nodeSelector': 'Labels a node must have for the pod to be scheduled onto it.',
  'core.v1.Container.name': 'Name of the container, unique within the pod.',
  'core.v1.Container.image': 'Container image reference.',
  'core.v1.Container.command': 'Entrypoint array; replaces the image ENTRYPOINT.',
  'core.v1.Container.args': 'Arguments to the entrypoint; replace the image CMD.',
  'core.v1.Container.env': 'Environment variables to set in the container.',
  'core.v1.Container.ports': 'Ports the container exposes (informational).',
  'core.v1.Container.resources': 'Compute resource requests and limits.',
  'core.v1.Container.imagePullPolicy': 'When to pull the image: Always, Never or IfNotPresent.',
  'core.v1.ServiceSpec.ports': 'Ports exposed by the service.',
  'core.v1.ServiceSpec.selector': 'Pods with these labels receive the traffic of the service.',
  'core.v1.ServiceSpec.type': 'How the service is exposed: ClusterIP (default), NodePort, LoadBalancer or ExternalName.',
  'core.v1.ServiceSpec.clusterIP': 'Virtual IP of the service; allocated by the server unless given or "None".',
  'core.v1.ServicePort.port': 'Port exposed by the service.',
  'core.v1.ServicePort.targetPort': 'Port (number or name) on the pods to forward to. Defaults to port.',
  'meta.v1.ObjectMeta.name': 'Name of the object, unique within its namespace and kind.',
  'meta.v1.ObjectMeta.namespace': 'Namespace of the object; empty for cluster-scoped kinds.',
  'meta.v1.ObjectMeta.labels': 'Key/value pairs used to select and organize objects.',
  'meta.v1.ObjectMeta.annotations': 'Key/value pairs holding arbitrary non-identifying metadata.',
  'meta.v1.ObjectMeta.uid': 'Unique identifier set by the server at creation.',
  'meta.v1.ObjectMeta.resourceVersion': 'Opaque version of the object, used for optimistic concurrency and watches.',
  'meta.v1.ObjectMeta.generation': 'Sequence number of the desired state, incremented by the server on spec changes.',
  'meta.v1.ObjectMeta.creationTimestamp': 'Time the object was created; set by the server.',
  'meta.v1.ObjectMeta.ownerReferences': 'Objects this object depends on; it is garbage-collected when they are all gone.',
  'meta.v1.ObjectMeta.finalizers': 'Conditions that must be cleared before the object is removed from storage.',
};

/** Description of `field` of `message` (full protobuf name), if we have one. */
export function fieldDescription(message: string, field: string): string | undefined {
  const short = message.replace(/^k8s\.io\.api\./, '').replace(/^k8s\.io\.apimachinery\.pkg\.apis\./, '');
  return FIELDS[`${short}.${field}`];
}
