// Labels the kubelet puts on sandboxes and containers, and reads back after a restart.
import type { Container, Pod } from '../api/types/index.js';
import {
  LABEL_CONTAINER_ATTEMPT, LABEL_CONTAINER_NAME, LABEL_CONTAINER_TYPE, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID,
} from './constants.js';

/** The image as the pod spec names it (a change restarts the container). */
export const LABEL_CONTAINER_IMAGE_SPEC = 'io.k8ts.container.image';
/** The normalized reference pulled for it. */
export const LABEL_IMAGE_REF = 'io.k8ts.image.ref';
/** What status.imageID reports: a repo digest, or the image id. */
export const LABEL_IMAGE_ID = 'io.k8ts.image.id';

export type ContainerKind = 'init' | 'app' | 'ephemeral';

export function sandboxLabels(pod: Readonly<Pod>): Record<string, string> {
  return {
    ...(pod.metadata.labels ?? {}),
    [LABEL_POD_NAME]: pod.metadata.name ?? '',
    [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? '',
    [LABEL_POD_UID]: pod.metadata.uid ?? '',
  };
}

export function containerLabels(pod: Readonly<Pod>, c: Readonly<Container>, kind: ContainerKind, attempt: number, imageRef: string, imageId: string): Record<string, string> {
  return {
    [LABEL_POD_NAME]: pod.metadata.name ?? '',
    [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? '',
    [LABEL_POD_UID]: pod.metadata.uid ?? '',
    [LABEL_CONTAINER_NAME]: c.name,
    [LABEL_CONTAINER_TYPE]: kind,
    [LABEL_CONTAINER_ATTEMPT]: String(attempt),
    [LABEL_CONTAINER_IMAGE_SPEC]: c.image ?? '',
    [LABEL_IMAGE_REF]: imageRef,
    [LABEL_IMAGE_ID]: imageId,
  };
}
