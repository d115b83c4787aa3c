export { SimulatedCluster, ANNOTATION_STOPPED, type SimulatedClusterOptions } from './simulated-cluster.js';
export { SimulatedNode, nodeObject, nodeConditions, type SimulatedNodeSpec } from './node-agent.js';
export { nextAction, readinessDelayMs, ANNOTATION_RUN_SECONDS, ANNOTATION_EXIT_CODE, ANNOTATION_NEVER_READY } from './pod-simulator.js';
