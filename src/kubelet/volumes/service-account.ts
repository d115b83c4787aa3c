// The service account token volume that upstream's ServiceAccount admission injects
// (kube-api-access-<suffix>: token, ca.crt, namespace at
// /var/run/secrets/kubernetes.io/serviceaccount). The API server's ServiceAccount admission
// injects it into new pods (src/apiserver/admission/service-account.ts); for pods stored before
// that existed, the kubelet adds it to its own view of the pod (the stored object is
// unchanged). Skipped when the pod or its ServiceAccount sets automountServiceAccountToken:
// false, or when the pod already has such a volume.
import { addServiceAccountTokenVolume } from '../../api/defaults/index.js';
import type { KObject, ServiceAccount } from '../../api/types/index.js';
import type { Pod } from '../../api/types/index.js';
import { podSpec } from '../pod-types.js';

export const KUBE_API_ACCESS_PREFIX = 'kube-api-access-';

export function hasKubeApiAccessVolume(pod: Readonly<Pod>): boolean {
  return (podSpec(pod).volumes ?? []).some((v) => v.name.startsWith(KUBE_API_ACCESS_PREFIX));
}

/** The pod as the kubelet runs it: a copy with the token volume added when due. Pure. */
export function withServiceAccountVolume(pod: Readonly<Pod>, serviceAccount: Readonly<ServiceAccount> | undefined): Pod {
  if (podSpec(pod).automountServiceAccountToken === false || hasKubeApiAccessVolume(pod)) return pod as Pod;
  if (podSpec(pod).automountServiceAccountToken === undefined && serviceAccount?.automountServiceAccountToken === false) return pod as Pod;
  const copy = structuredClone(pod) as Pod;
  addServiceAccountTokenVolume(copy, (pod.metadata.uid ?? 'xxxxx').replace(/-/g, '').slice(0, 5));
  return copy;
}
