// Shared ControllerRevision history (StatefulSet, DaemonSet) and the create/delete
// expectations used by the workload controllers in this tree.
export * from './history.js';
// The model's type, re-exported for the StatefulSet and DaemonSet controllers that name it here.
export type { ControllerRevision } from '../../api/types/index.js';
export * from './revisions-client.js';
export { Expectations, slowStartBatch } from './expectations.js';
