// Taints the node lifecycle controller owns and the toleration arithmetic of taint-based
// eviction (upstream nodelifecycle's tainting passes and tainteviction), as pure functions.
import type { Condition } from '../../api/pod-util.js';
import { matchTaint, toleratesTaint, type Taint, type Toleration } from '../../api/taints.js';
import {
  TAINT_NODE_DISK_PRESSURE, TAINT_NODE_MEMORY_PRESSURE, TAINT_NODE_NETWORK_UNAVAILABLE, TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE, TAINT_NODE_UNREACHABLE, TAINT_NODE_UNSCHEDULABLE,
} from '../../api/well-known.js';

export type { Taint, Toleration } from '../../api/taints.js';
// The one ToleratesTaint, under this module's earlier name.
export { toleratesTaint as tolerates } from '../../api/taints.js';

const MANAGED_NO_SCHEDULE = new Set([
  TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, TAINT_NODE_MEMORY_PRESSURE, TAINT_NODE_DISK_PRESSURE, TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE, TAINT_NODE_UNSCHEDULABLE,
]);
const MANAGED_NO_EXECUTE = new Set([TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]);

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
  if (ready === 'False') want.push({ key: TAINT_NODE_NOT_READY, effect: 'NoExecute' }, { key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' });
  if (ready === 'Unknown') want.push({ key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' }, { key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' });
  if (status('MemoryPressure') === 'True') want.push({ key: TAINT_NODE_MEMORY_PRESSURE, effect: 'NoSchedule' });
  if (status('DiskPressure') === 'True') want.push({ key: TAINT_NODE_DISK_PRESSURE, effect: 'NoSchedule' });
  if (status('PIDPressure') === 'True') want.push({ key: TAINT_NODE_PID_PRESSURE, effect: 'NoSchedule' });
  if (status('NetworkUnavailable') === 'True') want.push({ key: TAINT_NODE_NETWORK_UNAVAILABLE, effect: 'NoSchedule' });
  if (unschedulable) want.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
  const out = current.filter((t) => !isManaged(t));
  for (const w of want) {
    const existing = current.find((t) => matchTaint(t, w));
    if (existing) out.push(existing);
    else out.push(w.effect === 'NoExecute' ? { ...w, timeAdded: now } : w);
  }
  return out;
}

export function sameTaints(a: readonly Taint[], b: readonly Taint[]): boolean {
  const k = (t: Taint): string => `${t.key}=${t.value ?? ''}:${t.effect}`;
  return a.length === b.length && a.every((t) => b.some((u) => k(u) === k(t)));
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
    const used = tolerations.filter((t) => toleratesTaint(t, taint));
    if (used.length === 0) return since;
    for (const t of used) {
      if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
      const s = Math.max(0, t.tolerationSeconds);
      minSeconds = minSeconds === undefined ? s : Math.min(minSeconds, s);
    }
  }
  return minSeconds === undefined ? undefined : since + minSeconds * 1000;
}
