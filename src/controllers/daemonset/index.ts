// The DaemonSet controller (upstream pkg/controller/daemon).
import type { ControllerRegistration } from '../../client/index.js';
import { DaemonSetController } from './controller.js';

export * from './eligibility.js';
export * from './plan.js';
export * from './controller.js';

export const registration: ControllerRegistration = {
  name: 'daemonset',
  register(ctx) {
    new DaemonSetController(ctx).controller.run();
  },
};
