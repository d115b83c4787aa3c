// Taints the node lifecycle controller owns and the toleration arithmetic of taint-based
// eviction (upstream nodelifecycle's tainting passes and tainteviction), as pure functions.
import type { Condition } from '../../api/pod-util.js';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | string;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal' | string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number | null;
}

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

const MANAGED_NO_SCHEDULE = new Set([
  TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_MEMORY_PRESSURE, TAINT_DISK_PRESSURE, TAINT_PID_PRESSURE,
  TAINT_NETWORK_UNAVAILABLE, TAINT_UNSCHEDULABLE,
]);
const MANAGED_NO_EXECUTE = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE]);

function isManaged(t: Taint): boolean {
  return (t.effect === 'NoSchedule' && MANAGED_NO_SCHEDULE.has(t.key)) || (t.effect === 'NoExecute' && MANAGED_NO_EXECUTE.has(t.key));
}

/**
 * The node's taints given its conditions: NoExecute not-ready/unreachable from Ready
 * False/Unknown (with timeAdded), NoSchedule ones from Ready, pressure conditions and
 * spec.unschedulable. Other taints are kept; existing managed taints keep their timeAdded.
 */
export function desiredTaints(current: readonly Taint[], conditions: readonly Condition[], unschedulable: boolean, now: string): Taint[] {
  const status = (type: string): string | undefined => conditions.find((c) => c.type === type)?.status;
  const ready = status('Ready');
  const want: Taint[] = [];
  if (ready === 'False') want.push({ key: TAINT_NOT_READY, effect: 'NoExecute' }, { key: TAINT_NOT_READY, effect: 'NoSchedule' });
  if (ready === 'Unknown') want.push({ key: TAINT_UNREACHABLE, effect: 'NoExecute' }, { key: TAINT_UNREACHABLE, effect: 'NoSchedule' });
  if (status('MemoryPressure') === 'True') want.push({ key: TAINT_MEMORY_PRESSURE, effect: 'NoSchedule' });
  if (status('DiskPressure') === 'True') want.push({ key: TAINT_DISK_PRESSURE, effect: 'NoSchedule' });
  if (status('PIDPressure') === 'True') want.push({ key: TAINT_PID_PRESSURE, effect: 'NoSchedule' });
  if (status('NetworkUnavailable') === 'True') want.push({ key: TAINT_NETWORK_UNAVAILABLE, effect: 'NoSchedule' });
  if (unschedulable) want.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  const out = current.filter((t) => !isManaged(t));
  for (const w of want) {
    const existing = current.find((t) => t.key === w.key && t.effect === w.effect);
    if (existing) out.push(existing);
    else out.push(w.effect === 'NoExecute' ? { ...w, timeAdded: now } : w);
  }
  return out;
}

export function sameTaints(a: readonly Taint[], b: readonly Taint[]): boolean {
  const k = (t: Taint): string => `${t.key}=${t.value ?? ''}:${t.effect}`;
  return a.length === b.length && a.every((t) => b.some((u) => k(u) === k(t)));
}

/** upstream Toleration.ToleratesTaint. */
export function tolerates(tol: Readonly<Toleration>, taint: Readonly<Taint>): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  if (!tol.key && tol.operator !== 'Exists') return false;
  switch (tol.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      return (tol.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/**
 * When a pod on a node with these NoExecute taints must be evicted (ms since epoch):
 * `now`-or-earlier if some taint is not tolerated, never (undefined) if every toleration
 * used is unbounded, else the earliest bound counted from `since`.
 */
export function evictionTime(tolerations: readonly Toleration[], noExecute: readonly Taint[], since: number): number | undefined {
  if (noExecute.length === 0) return undefined;
  let minSeconds: number | undefined;
  for (const taint of noExecute) {
    const used = tolerations.filter((t) => tolerates(t, taint));
    if (used.length === 0) return since;
    for (const t of used) {
      if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
      const s = Math.max(0, t.tolerationSeconds);
      minSeconds = minSeconds === undefined ? s : Math.min(minSeconds, s);
    }
  }
  return minSeconds === undefined ? undefined : since + minSeconds * 1000;
}
