// Public surface of the ReplicaSet controller.
import type { ControllerRegistration } from '../../client/index.js';
import { ReplicaSetController, REPLICASET_CONTROLLER_NAME } from './replicaset-controller.js';

export const registration: ControllerRegistration = {
  name: REPLICASET_CONTROLLER_NAME,
  register(ctx) {
    new ReplicaSetController(ctx).run();
  },
};

export { ReplicaSetController, REPLICASET_CONTROLLER_NAME, type ReplicaSetControllerOptions } from './replicaset-controller.js';
export { PodExpectations, EXPECTATIONS_TIMEOUT_MS } from './expectations.js';
export { podsToDelete, podDeletionCost, POD_DELETION_COST_ANNOTATION } from './pod-ranking.js';
export { claimDecision, claimObjects, recheckOwner, type ClaimActions, type ClaimDecision } from './claim.js';
export {
  adoptPatch, releasePatch, calculateStatus, statusToWrite, nextAvailabilityCheck, podFromTemplate, slowStartBatch,
  BURST_REPLICAS, SLOW_START_INITIAL_BATCH_SIZE, REASON_SUCCESSFUL_CREATE, REASON_FAILED_CREATE, REASON_SUCCESSFUL_DELETE,
  REASON_FAILED_DELETE, CONDITION_REPLICA_FAILURE,
} from './desired.js';
export { specReplicas, podKey, REPLICASET_API_VERSION, REPLICASET_KIND } from './types.js';
// deployment/hash.ts still names the template type through this surface; the type is the model's.
export type { PodTemplateSpec } from '../../api/types/index.js';
