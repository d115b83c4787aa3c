// Shared ControllerRevision history (StatefulSet, DaemonSet) and the create/delete
// expectations used by the workload controllers in this tree.
export * from './history.js';
export * from './revisions-client.js';
export { Expectations, slowStartBatch } from './expectations.js';
