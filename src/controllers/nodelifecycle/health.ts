// Node health as the node lifecycle controller sees it (upstream tryUpdateNodeHealth):
// a node is healthy while its kubelet keeps renewing its Lease or its Ready heartbeat.
// Probe times are taken from our own clock when we observe a change, so clock skew
// between nodes and the controller does not matter.
import type { Condition } from '../../api/pod-util.js';

export const REASON_NODE_STATUS_UNKNOWN = 'NodeStatusUnknown';
export const MESSAGE_NODE_STATUS_UNKNOWN = 'Kubelet stopped posting node status.';
export const REASON_NODE_STATUS_NEVER_UPDATED = 'NodeStatusNeverUpdated';
export const MESSAGE_NODE_STATUS_NEVER_UPDATED = 'Kubelet never posted node status.';

/** Conditions set to Unknown when the kubelet goes silent. */
export const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

export interface NodeHealth {
  /** Our clock when we last saw the kubelet alive. */
  probeTimestamp: number;
  heartbeat?: string;
  leaseRenewTime?: string;
  /** Ready status we acted on last (for NodeNotReady transitions). */
  readyStatus?: string;
}

/** Updates `prev` with what the node and lease show now; returns the new record. */
export function observeHealth(prev: NodeHealth | undefined, readyHeartbeat: string | undefined, leaseRenewTime: string | undefined, now: number): NodeHealth {
  if (!prev) return { probeTimestamp: now, heartbeat: readyHeartbeat, leaseRenewTime };
  const next = { ...prev };
  if (readyHeartbeat !== prev.heartbeat) {
    next.heartbeat = readyHeartbeat;
    next.probeTimestamp = now;
  }
  if (leaseRenewTime && leaseRenewTime !== prev.leaseRenewTime && (!prev.leaseRenewTime || Date.parse(leaseRenewTime) > Date.parse(prev.leaseRenewTime))) {
    next.leaseRenewTime = leaseRenewTime;
    next.probeTimestamp = now;
  }
  return next;
}

/**
 * Conditions after the kubelet was silent past its grace period: monitored conditions go
 * Unknown (missing ones are added as never updated). Undefined when nothing changes.
 */
export function unknownConditions(current: readonly Condition[], creationTimestamp: string | undefined, now: string): Condition[] | undefined {
  const out = current.map((c) => ({ ...c }));
  let changed = false;
  for (const type of MONITORED_CONDITIONS) {
    const c = out.find((x) => x.type === type);
    if (!c) {
      out.push({
        type, status: 'Unknown', reason: REASON_NODE_STATUS_NEVER_UPDATED, message: MESSAGE_NODE_STATUS_NEVER_UPDATED,
        lastHeartbeatTime: creationTimestamp ?? now, lastTransitionTime: now,
      });
      changed = true;
    } else if (c.status !== 'Unknown') {
      c.status = 'Unknown';
      c.reason = REASON_NODE_STATUS_UNKNOWN;
      c.message = MESSAGE_NODE_STATUS_UNKNOWN;
      c.lastTransitionTime = now;
      changed = true;
    }
  }
  return changed ? out : undefined;
}
