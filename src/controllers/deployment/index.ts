// Public surface of the Deployment controller.
import type { ControllerRegistration } from '../../client/index.js';
import { DeploymentController, DEPLOYMENT_CONTROLLER_NAME } from './deployment-controller.js';

export const registration: ControllerRegistration = {
  name: DEPLOYMENT_CONTROLLER_NAME,
  register(ctx) {
    new DeploymentController(ctx).run();
  },
};

export { DeploymentController, DEPLOYMENT_CONTROLLER_NAME, REASON_SELECTING_ALL, type DeploymentControllerOptions } from './deployment-controller.js';
export { DeploymentSync, REASON_SCALING_REPLICA_SET, type SyncDeps } from './sync.js';
export { computeHash, templatesEqualIgnoringHash, POD_TEMPLATE_HASH_LABEL } from './hash.js';
export * from './annotations.js';
export * from './rollout.js';
export * from './status.js';
export * from './types.js';
