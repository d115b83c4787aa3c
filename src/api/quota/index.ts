// What objects count against a ResourceQuota; used by ResourceQuota admission and the quota controller.
export { objectUsage, matchesScopes, quotaRelevant, addUsage, usedFor, resourcesCounted, formatUsage, isTerminalPod, type Usage } from './usage.js';
