// RBAC helpers on plain API objects, shared by the API server and the aggregation controller.
export { aggregatedRules, sameRules } from './aggregation.js';
