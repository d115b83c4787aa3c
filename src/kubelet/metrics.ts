// The kubelet's Prometheus metrics, in this event loop's registry (src/util/metrics.ts) and
// served on the kubelet port's /metrics. Names and labels follow upstream's kubelet where it
// has them; k8ts-only ones start with k8ts_ (the status manager's
// k8ts_kubelet_status_updates_total lives beside it, in status/status-manager.ts).
import { gauge, histogram, latencyBuckets } from '../util/metrics.js';

/** Upstream's buckets for pod start latency (seconds). */
const POD_START_BUCKETS = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];

export const podStartDuration = histogram(
  'kubelet_pod_start_duration_seconds',
  'Duration in seconds from a pod\'s creation to all of its containers running, once per pod whose containers this kubelet started.',
  [],
  POD_START_BUCKETS,
);

export const podWorkerDuration = histogram(
  'kubelet_pod_worker_duration_seconds',
  'Duration in seconds of one step of a pod worker, by operation: sync, terminate, finish_deletion, cleanup.',
  ['operation'],
  latencyBuckets,
);

export const runningPods = gauge('kubelet_running_pods', 'Number of pods that have a running pod sandbox.');

export const runningContainers = gauge('kubelet_running_containers', 'Number of containers the runtime holds for this kubelet, by state.', ['container_state']);
