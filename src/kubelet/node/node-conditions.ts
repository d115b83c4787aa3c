// Node capacity, allocatable and pressure conditions as pure functions of a host snapshot.
// Thresholds are upstream's hard eviction defaults: memory.available<100Mi,
// nodefs.available<10%; PIDs (no upstream default) under 10% free. Allocatable is capacity
// minus those thresholds (no system/kube reservations by default, as upstream).
import type { NodeCondition } from '../../api/types/index.js';
import type { HostSnapshot } from './host-info.js';

export const MEMORY_AVAILABLE_THRESHOLD = 100 * 1024 * 1024;
export const NODEFS_AVAILABLE_FRACTION = 0.1;
export const PID_AVAILABLE_FRACTION = 0.1;
export const MAX_PODS = 110;

const ki = (bytes: number): string => `${Math.floor(bytes / 1024)}Ki`;

export function capacityOf(h: HostSnapshot): Record<string, string> {
  const out: Record<string, string> = { cpu: String(h.cpus), memory: ki(h.memoryTotalBytes), pods: String(MAX_PODS), 'hugepages-1Gi': '0', 'hugepages-2Mi': '0' };
  if (h.fsTotalBytes > 0) out['ephemeral-storage'] = ki(h.fsTotalBytes);
  return out;
}

export function allocatableOf(h: HostSnapshot): Record<string, string> {
  const out = capacityOf(h);
  out.memory = ki(Math.max(0, h.memoryTotalBytes - MEMORY_AVAILABLE_THRESHOLD));
  if (h.fsTotalBytes > 0) out['ephemeral-storage'] = String(Math.floor(h.fsTotalBytes * (1 - NODEFS_AVAILABLE_FRACTION)));
  return out;
}

export interface PressureSignals {
  memory: boolean;
  disk: boolean;
  pid: boolean;
}

export function pressureOf(h: HostSnapshot): PressureSignals {
  return {
    memory: h.memoryAvailableBytes < MEMORY_AVAILABLE_THRESHOLD,
    disk: h.fsTotalBytes > 0 && h.fsAvailableBytes < h.fsTotalBytes * NODEFS_AVAILABLE_FRACTION,
    pid: h.pidMax > 0 && h.pidMax - h.pidsInUse < h.pidMax * PID_AVAILABLE_FRACTION,
  };
}

/** The four node conditions; lastTransitionTime kept from `previous` when the status is unchanged. */
export function nodeConditions(p: PressureSignals, ready: { ok: boolean; message?: string }, now: string, previous: readonly NodeCondition[] = []): NodeCondition[] {
  const c = (type: string, status: 'True' | 'False', reason: string, message: string): NodeCondition => {
    const prev = previous.find((x) => x.type === type);
    return { type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now };
  };
  return [
    p.memory
      ? c('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available')
      : c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    p.disk
      ? c('DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure')
      : c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    p.pid
      ? c('PIDPressure', 'True', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available')
      : c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready.ok
      ? c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
      : c('Ready', 'False', 'KubeletNotReady', ready.message ?? 'kubelet is not ready'),
  ];
}
