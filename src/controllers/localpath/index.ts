// The local-path provisioner (k3s's rancher.io/local-path): a default StorageClass
// `local-path` whose volumes are directories `<data-dir>/storage/<pv>_<ns>_<claim>` on the
// node that first runs a pod using the claim. See README.md.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ControllerRegistration } from '../../client/index.js';
import { LocalPathProvisioner, type LocalPathOptions } from './controller.js';

export { LocalPathProvisioner, CONTROLLER_NAME, type LocalPathOptions } from './controller.js';
export { localDirectories, type VolumeDirectories } from './directories.js';
export { PROVISIONER_NAME, STORAGE_CLASS_NAME, localPathStorageClass } from './storage-class.js';
export {
  isOwnVolumePath, localPathVolume, unsupportedClaimProblem, volumeLocation, volumeNameFor, volumePathFor,
  type LocalPathVolumeInput, type VolumeLocation,
} from './volume.js';

/** `<default data dir>/storage`: /var/lib/k8ts/storage as root, ~/.k8ts/storage otherwise. */
export function defaultStorageRoot(): string {
  return join(process.getuid?.() === 0 ? '/var/lib/k8ts' : join(homedir(), '.k8ts'), 'storage');
}

export function localPathRegistration(opts: LocalPathOptions): ControllerRegistration {
  return {
    name: 'local-path-provisioner',
    register(ctx) {
      new LocalPathProvisioner(ctx, opts).run();
    },
  };
}
