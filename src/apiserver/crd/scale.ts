// The scale subresource of a custom resource: autoscaling/v1 Scale read from and written to
// the CRD version's specReplicasPath, statusReplicasPath and labelSelectorPath.
import type { KObject } from '../../api/types/index.js';
import type { CustomResourceInfo } from '../../api/registry/index.js';
import { evalSimpleJsonPath } from '../../api/printers/index.js';

type ScalePaths = NonNullable<CustomResourceInfo['scale']>;

export function customScaleOf(obj: Readonly<KObject>, paths: ScalePaths): KObject {
  const num = (p: string): number => {
    const v = evalSimpleJsonPath(obj, p)[0];
    return typeof v === 'number' ? v : 0;
  };
  const sel = paths.labelSelectorPath ? evalSimpleJsonPath(obj, paths.labelSelectorPath)[0] : undefined;
  const m = obj.metadata;
  const status: Record<string, unknown> = { replicas: num(paths.statusReplicasPath) };
  if (typeof sel === 'string' && sel) status.selector = sel;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: num(paths.specReplicasPath) },
    status,
  };
}

/** Sets the replicas at a `.spec.x.y` path, creating the objects on the way. */
export function setCustomReplicas(obj: KObject, path: string, replicas: number): void {
  const keys = path.split('.').filter(Boolean);
  let cur = obj as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = replicas;
}
