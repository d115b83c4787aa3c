// Small builders for Deployment/ReplicaSet objects in tests.
import { rfc3339 } from '../../../util/time.js';
import type { Deployment, IntOrString, ReplicaSet } from '../../../api/types/index.js';

export const T0 = Date.UTC(2024, 0, 1, 12);

export function deployment(o: { replicas?: number; surge?: IntOrString; unavailable?: IntOrString; type?: string; image?: string; statusReplicas?: number; annotations?: Record<string, string>; revisionHistoryLimit?: number } = {}): Deployment {
  const d: Deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns', uid: 'd-uid', generation: 1 },
    spec: {
      replicas: o.replicas ?? 5,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: o.image ?? 'nginx:1' }] } },
      strategy: o.type === 'Recreate' ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: o.surge ?? 1, maxUnavailable: o.unavailable ?? 1 } },
      revisionHistoryLimit: o.revisionHistoryLimit ?? 10,
      progressDeadlineSeconds: 600,
    },
    status: o.statusReplicas !== undefined ? { replicas: o.statusReplicas } : {},
  };
  if (o.annotations) d.metadata.annotations = o.annotations;
  return d;
}

export function replicaSet(name: string, o: { replicas: number; available?: number; statusReplicas?: number; createdAt?: number; revision?: number; desired?: number; max?: number; generation?: number; observed?: number }): ReplicaSet {
  const annotations: Record<string, string> = {};
  if (o.revision !== undefined) annotations['deployment.kubernetes.io/revision'] = String(o.revision);
  if (o.desired !== undefined) annotations['deployment.kubernetes.io/desired-replicas'] = String(o.desired);
  if (o.max !== undefined) annotations['deployment.kubernetes.io/max-replicas'] = String(o.max);
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, creationTimestamp: rfc3339(o.createdAt ?? T0), annotations, generation: o.generation ?? 1 },
    spec: { replicas: o.replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } } } },
    status: { replicas: o.statusReplicas ?? o.replicas, availableReplicas: o.available ?? o.replicas, readyReplicas: o.available ?? o.replicas, observedGeneration: o.observed ?? 1 },
  };
}
