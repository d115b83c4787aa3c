// The printer registry: one entry per group/kind, looked up by tableFor. Kinds that share
// a printer across groups (Event in core and events.k8s.io) have one entry each.

import type { TablePrinter } from './types.js';
import { podPrinter } from './pod-printer.js';
import { eventPrinter, eventsV1EventPrinter } from './event-printer.js';
import {
  configMapPrinter, namespacePrinter, nodePrinter, persistentVolumeClaimPrinter, persistentVolumePrinter,
  resourceQuotaPrinter, secretPrinter, serviceAccountPrinter,
} from './core-printers.js';
import {
  endpointSlicePrinter, endpointsPrinter, ingressClassPrinter, ingressPrinter, networkPolicyPrinter, servicePrinter,
} from './network-printers.js';
import {
  controllerRevisionPrinter, cronJobPrinter, daemonSetPrinter, deploymentPrinter, jobPrinter, replicaSetPrinter,
  replicationControllerPrinter, statefulSetPrinter,
} from './workload-printers.js';
import {
  clusterRoleBindingPrinter, createdAtPrinter, defaultPrinter, horizontalPodAutoscalerPrinter, leasePrinter,
  podDisruptionBudgetPrinter, priorityClassPrinter, roleBindingPrinter, storageClassPrinter,
} from './cluster-printers.js';

const RBAC = 'rbac.authorization.k8s.io';

const PRINTERS: ReadonlyMap<string, TablePrinter> = new Map<string, TablePrinter>([
  ['/Pod', podPrinter],
  ['/Namespace', namespacePrinter],
  ['/Node', nodePrinter],
  ['/Service', servicePrinter],
  ['/Endpoints', endpointsPrinter],
  ['/Event', eventPrinter],
  ['/ConfigMap', configMapPrinter],
  ['/Secret', secretPrinter],
  ['/ServiceAccount', serviceAccountPrinter],
  ['/PersistentVolume', persistentVolumePrinter],
  ['/PersistentVolumeClaim', persistentVolumeClaimPrinter],
  ['/ResourceQuota', resourceQuotaPrinter],
  ['/LimitRange', createdAtPrinter],
  ['/ReplicationController', replicationControllerPrinter],
  ['discovery.k8s.io/EndpointSlice', endpointSlicePrinter],
  ['events.k8s.io/Event', eventsV1EventPrinter],
  ['apps/Deployment', deploymentPrinter],
  ['apps/ReplicaSet', replicaSetPrinter],
  ['apps/StatefulSet', statefulSetPrinter],
  ['apps/DaemonSet', daemonSetPrinter],
  ['apps/ControllerRevision', controllerRevisionPrinter],
  ['batch/Job', jobPrinter],
  ['batch/CronJob', cronJobPrinter],
  ['networking.k8s.io/Ingress', ingressPrinter],
  ['networking.k8s.io/IngressClass', ingressClassPrinter],
  ['networking.k8s.io/NetworkPolicy', networkPolicyPrinter],
  ['coordination.k8s.io/Lease', leasePrinter],
  ['policy/PodDisruptionBudget', podDisruptionBudgetPrinter],
  ['autoscaling/HorizontalPodAutoscaler', horizontalPodAutoscalerPrinter],
  [`${RBAC}/Role`, createdAtPrinter],
  [`${RBAC}/ClusterRole`, createdAtPrinter],
  [`${RBAC}/RoleBinding`, roleBindingPrinter],
  [`${RBAC}/ClusterRoleBinding`, clusterRoleBindingPrinter],
  ['storage.k8s.io/StorageClass', storageClassPrinter],
  ['scheduling.k8s.io/PriorityClass', priorityClassPrinter],
  ['apiextensions.k8s.io/CustomResourceDefinition', createdAtPrinter],
]);

/** The printer for a kind; `defaultPrinter` (Name, Age) for kinds without one. `group` is "" for core. */
export function tableFor(group: string, kind: string): TablePrinter {
  return PRINTERS.get(`${group}/${kind}`) ?? defaultPrinter;
}

/** Whether a kind has its own printer (rather than the Name/Age fallback). */
export function hasPrinter(group: string, kind: string): boolean {
  return PRINTERS.has(`${group}/${kind}`);
}
