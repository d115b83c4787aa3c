// applyDefaults: the single entry point the API server calls on every create and update,
// after converting the body to the storage version. Mutates `obj`; idempotent.

import type { KObject } from '../types/index.js';
import type { Obj } from './util.js';
import { defaultPod, defaultTemplate } from './pod.js';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from './apps.js';
import { defaultCronJob, defaultJob } from './batch.js';
import {
  defaultEndpoints, defaultLimitRange, defaultNamespace, defaultNode, defaultPersistentVolume,
  defaultPersistentVolumeClaim, defaultReplicationController, defaultSecret, defaultService,
} from './core.js';
import { defaultIngress, defaultIngressClass, defaultNetworkPolicy } from './networking.js';
import {
  defaultCSIDriver, defaultEndpointSlice, defaultHorizontalPodAutoscaler, defaultPriorityClass,
  defaultRoleBinding, defaultStorageClass, defaultWebhookConfiguration,
} from './misc.js';

type Defaulter = (o: Obj, version: string) => void;

const DEFAULTERS: ReadonlyMap<string, Defaulter> = new Map<string, Defaulter>([
  ['/Pod', defaultPod],
  ['/PodTemplate', (o) => defaultTemplate(o)],
  ['/ReplicationController', defaultReplicationController],
  ['/Service', defaultService],
  ['/Namespace', defaultNamespace],
  ['/Secret', defaultSecret],
  ['/Node', defaultNode],
  ['/PersistentVolume', defaultPersistentVolume],
  ['/PersistentVolumeClaim', defaultPersistentVolumeClaim],
  ['/Endpoints', defaultEndpoints],
  ['/LimitRange', defaultLimitRange],
  ['apps/Deployment', defaultDeployment],
  ['apps/ReplicaSet', defaultReplicaSet],
  ['apps/StatefulSet', defaultStatefulSet],
  ['apps/DaemonSet', defaultDaemonSet],
  ['batch/Job', defaultJob],
  ['batch/CronJob', defaultCronJob],
  ['networking.k8s.io/Ingress', defaultIngress],
  ['networking.k8s.io/IngressClass', defaultIngressClass],
  ['networking.k8s.io/NetworkPolicy', defaultNetworkPolicy],
  ['autoscaling/HorizontalPodAutoscaler', defaultHorizontalPodAutoscaler],
  ['rbac.authorization.k8s.io/RoleBinding', defaultRoleBinding],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', defaultRoleBinding],
  ['storage.k8s.io/StorageClass', defaultStorageClass],
  ['storage.k8s.io/CSIDriver', defaultCSIDriver],
  ['scheduling.k8s.io/PriorityClass', defaultPriorityClass],
  ['discovery.k8s.io/EndpointSlice', defaultEndpointSlice],
  ['admissionregistration.k8s.io/MutatingWebhookConfiguration', (o) => defaultWebhookConfiguration(o, true)],
  ['admissionregistration.k8s.io/ValidatingWebhookConfiguration', (o) => defaultWebhookConfiguration(o, false)],
]);

/** True when applyDefaults has rules for the kind. */
export function hasDefaults(group: string, kind: string): boolean {
  return DEFAULTERS.has(`${group}/${kind}`);
}

/**
 * Applies upstream 1.32 defaults for group/version/kind to `obj` in place. Kinds without
 * defaults are left untouched. Admission-time pod mutations live in admission.ts.
 */
export function applyDefaults(group: string, version: string, kind: string, obj: KObject): void {
  const fn = DEFAULTERS.get(`${group}/${kind}`);
  if (fn) fn(obj as Obj, version);
}
