// The default StorageClass k3s ships for its local-path provisioner.
import { ANN_IS_DEFAULT_CLASS } from '../persistentvolume/index.js';
import type { StorageClass } from '../../api/types/index.js';

/** The provisioner name local-path volumes carry (annotation pv.kubernetes.io/provisioned-by). */
export const PROVISIONER_NAME = 'rancher.io/local-path';
export const STORAGE_CLASS_NAME = 'local-path';

/** `local-path`: the default class; volumes wait for their first consumer and go with their claim. */
export function localPathStorageClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: STORAGE_CLASS_NAME, annotations: { [ANN_IS_DEFAULT_CLASS]: 'true' } },
    provisioner: PROVISIONER_NAME,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}
