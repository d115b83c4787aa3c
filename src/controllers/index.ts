// The controllers of the controller manager, as a plain list (STYLE §1). All of them are
// leader-only: the manager registers them once it holds the kube-controller-manager Lease.
import type { ControllerRegistration } from '../client/index.js';
import type { ControllerName } from './names.js';
import { registration as replicaset } from './replicaset/index.js';
import { registration as deployment } from './deployment/index.js';
import { registration as statefulset } from './statefulset/index.js';
import { registration as daemonset } from './daemonset/index.js';
import { registration as job } from './job/index.js';
import { registration as cronjob } from './cronjob/index.js';
import { registration as endpoints } from './endpoints/index.js';
import { registration as endpointslice } from './endpointslice/index.js';
import { registration as garbagecollector } from './garbagecollector/index.js';
import { registration as namespace } from './namespace/index.js';
import { serviceAccountRegistration } from './serviceaccount/index.js';
import { nodeLifecycleRegistration } from './nodelifecycle/index.js';
import { podGCRegistration } from './podgc/index.js';
import { registration as pvBinder } from './persistentvolume/index.js';
import { localPathRegistration, defaultStorageRoot } from './localpath/index.js';
import { nodeIpamRegistration } from './nodeipam/index.js';
import { registration as clusterRoleAggregation } from './clusterroleaggregation/index.js';
import { registration as resourcequota } from './resourcequota/index.js';

export interface ControllerConfig {
  /** The cluster CA, published in every namespace as ConfigMap kube-root-ca.crt. */
  caPem?: string;
  /** How long a node may miss heartbeats before it is marked NotReady/Unknown (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** Where the local-path provisioner creates volume directories (default <data-dir>/storage). */
  storageRoot?: string;
  /** The pod network cut into per-node blocks by nodeipam (default 10.42.0.0/16). */
  clusterCIDR?: string;
}

export { CONTROLLER_NAMES, CONTROLLER_SERVICE_ACCOUNTS, controllerUser, type ControllerName } from './names.js';

/** Every controller, named as CONTROLLER_NAMES lists them. */
export function controllerRegistrations(cfg: ControllerConfig = {}): ControllerRegistration[] {
  const named = (name: ControllerName, r: ControllerRegistration): ControllerRegistration => ({ ...r, name });
  return [
    named('replicaset', replicaset),
    named('deployment', deployment),
    named('statefulset', statefulset),
    named('daemonset', daemonset),
    named('job', job),
    named('cronjob', cronjob),
    named('endpoints', endpoints),
    named('endpointslice', endpointslice),
    named('garbagecollector', garbagecollector),
    named('namespace', namespace),
    named('serviceaccount', serviceAccountRegistration({ caPem: cfg.caPem })),
    named('nodelifecycle', nodeLifecycleRegistration({ nodeMonitorGracePeriodMs: cfg.nodeMonitorGracePeriodMs })),
    named('podgc', podGCRegistration()),
    named('nodeipam', nodeIpamRegistration({ clusterCIDR: cfg.clusterCIDR ?? '10.42.0.0/16' })),
    named('persistentvolume-binder', pvBinder),
    named('local-storage', localPathRegistration({ storageRoot: cfg.storageRoot ?? defaultStorageRoot() })),
    named('clusterrole-aggregation', clusterRoleAggregation),
    named('resourcequota', resourcequota),
  ];
}

