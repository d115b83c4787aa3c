// The Job controller (upstream pkg/controller/job) and, registered with it, the
// TTL-after-finished controller that deletes finished Jobs.
import type { ControllerRegistration } from '../../client/index.js';
import { JobController } from './controller.js';
import { TtlAfterFinishedController } from './ttl.js';

export * from './indexes.js';
export * from './tracking.js';
export * from './pod-template.js';
export * from './status.js';
export * from './controller.js';
export * from './ttl.js';

/** Registers both the Job controller and the TTL-after-finished controller. */
export const registration: ControllerRegistration = {
  name: 'job',
  register(ctx) {
    new JobController(ctx).controller.run();
    new TtlAfterFinishedController(ctx).controller.run();
  },
};
