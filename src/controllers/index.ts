// The controllers of the controller manager, as a plain list (STYLE §1). All of them are
// leader-only: the manager registers them once it holds the kube-controller-manager Lease.
import type { ControllerRegistration } from '../client/controller-types.js';
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

export interface ControllerConfig {
  /** The cluster CA, published in every namespace as ConfigMap kube-root-ca.crt. */
  caPem?: string;
  /** How long a node may miss heartbeats before it is marked NotReady/Unknown (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
}

export function controllerRegistrations(cfg: ControllerConfig = {}): ControllerRegistration[] {
  return [
    replicaset,
    deployment,
    statefulset,
    daemonset,
    job,
    cronjob,
    endpoints,
    endpointslice,
    garbagecollector,
    namespace,
    serviceAccountRegistration({ caPem: cfg.caPem }),
    nodeLifecycleRegistration({ nodeMonitorGracePeriodMs: cfg.nodeMonitorGracePeriodMs }),
    podGCRegistration(),
  ];
}

export const CONTROLLER_NAMES: readonly string[] = controllerRegistrations().map((c) => c.name);
