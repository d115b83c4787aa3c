// Constants and small readers of apps/v1 ReplicaSet shared by the ReplicaSet and Deployment
// controllers. The types themselves are the generated model's (src/api/types).
import type { KObject, ReplicaSet } from '../../api/types/index.js';

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
