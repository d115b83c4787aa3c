// Typed views of the apps/v1 ReplicaSet and core/v1 Pod fields the ReplicaSet and
// Deployment controllers read. Objects travel as plain JSON; only what we touch is typed.
import type { KObject } from '../../api/types/index.js';
import type { Condition } from '../../api/pod-util.js';
import type { LabelSelectorMeta } from '../../api/selectors/index.js';

export interface PodTemplateSpec {
  metadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    [field: string]: unknown;
  };
  spec?: Record<string, unknown>;
}

export interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: LabelSelectorMeta;
  template?: PodTemplateSpec;
}

/** upstream JSON: `replicas` is always present, every other field is omitted when zero. */
export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface ReplicaSet extends KObject {
  spec?: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

export interface ContainerStatus {
  name?: string;
  restartCount?: number;
  [field: string]: unknown;
}

export interface Pod extends KObject {
  spec?: { nodeName?: string; [field: string]: unknown };
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    [field: string]: unknown;
  };
}

export const REPLICASET_API_VERSION = 'apps/v1';
export const REPLICASET_KIND = 'ReplicaSet';

/** spec.replicas after defaulting (absent means 1, as the API server defaults it). */
export function specReplicas(rs: Readonly<ReplicaSet>): number {
  return rs.spec?.replicas ?? 1;
}

/** `namespace/name`, the key ControllerExpectations track pods under. */
export function podKey(pod: Readonly<KObject>): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}
