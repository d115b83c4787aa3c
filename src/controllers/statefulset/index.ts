// The StatefulSet controller (upstream pkg/controller/statefulset).
import type { ControllerRegistration } from '../../client/index.js';
import { StatefulSetController } from './controller.js';

export * from './identity.js';
export { planStatefulSet, computeStatus, splitPods, revisionForOrdinal, type StatefulSetAction, type PlanInput, type DeleteReason } from './plan.js';
export * from './controller.js';

export const registration: ControllerRegistration = {
  name: 'statefulset',
  register(ctx) {
    new StatefulSetController(ctx).controller.run();
  },
};
