// The PersistentVolume binder: binds claims to volumes, releases volumes whose claim is
// gone, and asks external provisioners (annotation volume.kubernetes.io/storage-provisioner)
// for volumes it cannot find. See README.md.
import type { ControllerRegistration } from '../../client/index.js';
import { PersistentVolumeController, type PersistentVolumeControllerOptions } from './controller.js';

export * from './types.js';
export * from './matching.js';
export * from './storage-class.js';
export * from './binding.js';
export * from './consumers.js';
export {
  PersistentVolumeController, CONTROLLER_NAME, EVENT_COMPONENT, POD_CLAIMS_INDEX, type PersistentVolumeControllerOptions,
} from './controller.js';

export function persistentVolumeRegistration(opts: PersistentVolumeControllerOptions = {}): ControllerRegistration {
  return {
    name: 'persistentvolume-binder',
    register(ctx) {
      new PersistentVolumeController(ctx, opts).run();
    },
  };
}

export const registration: ControllerRegistration = persistentVolumeRegistration();
