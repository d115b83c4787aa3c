// Small helpers over core/v1 Pod as the kubelet reads it. The Pod types themselves are the
// generated API model (src/api/types); pods come from the API server validated and defaulted,
// but older objects and tests may omit defaults, so these helpers fill them in.
import type { KObject, Pod, PodSpec } from '../api/types/index.js';

export function podSpec(pod: Readonly<Pod>): PodSpec {
  return pod.spec ?? { containers: [] };
}

/** `name_namespace(uid)`, upstream's format.Pod, used in event and log messages. */
export function formatPod(pod: Readonly<KObject>): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}

export function restartPolicyOf(pod: Readonly<Pod>): string {
  return podSpec(pod).restartPolicy ?? 'Always';
}
