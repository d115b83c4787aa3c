// Surface of dashboard/: the live web dashboard the API server serves under /dashboard/
// (README.md). The API server imports this lazily, on the first dashboard request.
export { createDashboard, isDashboardRequest, DASHBOARD_PATH, type DashboardHandler, type DashboardOptions } from './serve.js';
export { runStream, slim, STREAM_RESOURCES, STATS_INTERVAL_MS, type StreamFrame, type StreamClient } from './mux.js';
export { parseResourceMetrics, nodeUsage, type NodeUsage, type ResourceSample } from './node-stats.js';
