// The default StorageClass k3s ships for its local-path provisioner.
import type { StorageClass } from '../../api/types/index.js';
import { ANNOTATION_IS_DEFAULT_STORAGE_CLASS } from '../../api/well-known.js';

/** The provisioner name local-path volumes carry (annotation pv.kubernetes.io/provisioned-by). */
export const PROVISIONER_NAME = 'rancher.io/local-path';
export const STORAGE_CLASS_NAME = 'local-path';

/** `local-path`: the default class; volumes wait for their first consumer and go with their claim. */
export function localPathStorageClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: STORAGE_CLASS_NAME, annotations: { [ANNOTATION_IS_DEFAULT_STORAGE_CLASS]: 'true' } },
    provisioner: PROVISIONER_NAME,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}
