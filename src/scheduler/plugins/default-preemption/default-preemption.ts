// DefaultPreemption (PostFilter): for a pod no node fits, find nodes where evicting
// lower-priority pods would make it fit, keep as few victims as possible (reprieving the most
// important first), and pick the node whose victims matter least. The caller nominates the
// pod to that node and deletes the victims; the pod is retried once they are gone.
import { runFiltersWithNominated, fitErrorMessage } from '../../core.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import {
  newStatus, type Code, type CycleState, type PostFilterPlugin, type PostFilterResult, type Profile, type SchedulerState, type Status,
} from '../../framework/types.js';
import type { PodSpec } from '../../../api/types/index.js';

export const NAME = 'DefaultPreemption';
export const REASON_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const REASON_NO_VICTIMS = 'No preemption victims found for incoming pod';
export const MSG_POLICY_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const MSG_TERMINATING = 'not eligible due to a terminating pod on the nominated node.';
const NOT_HELPFUL = newStatus('UnschedulableAndUnresolvable', NAME, REASON_NOT_HELPFUL);
const NO_VICTIMS = newStatus('UnschedulableAndUnresolvable', NAME, REASON_NO_VICTIMS);
const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
const MIN_CANDIDATE_NODES_ABSOLUTE = 100;

export interface Candidate {
  readonly node: string;
  readonly victims: readonly PodInfo[];
}

/** Upstream MoreImportantPod: higher priority first, then the one that started earlier. */
export function moreImportant(a: PodInfo, b: PodInfo): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.startTime - b.startTime;
}

/** Victims on one node, or why there are none. */
export function selectVictimsOnNode(
  profile: Profile, cycle: CycleState, pod: PodInfo, node: NodeInfo, state: SchedulerState,
): { victims?: PodInfo[]; status?: Status } {
  const potential = node.pods.filter((p) => p.priority < pod.priority);
  if (potential.length === 0) return { status: NO_VICTIMS };
  const c = cycle.clone();
  const n = node.clone();
  const remove = (p: PodInfo): void => {
    n.removePod(p.key);
    for (const pf of profile.preFilter) pf.removePod?.(c, pod, p, n);
  };
  const add = (p: PodInfo): void => {
    n.addPod(p);
    for (const pf of profile.preFilter) pf.addPod?.(c, pod, p, n);
  };
  for (const p of potential) remove(p);
  const s = runFiltersWithNominated(profile, c, pod, n, state);
  if (s.code !== 'Success') return { status: s };
  potential.sort(moreImportant);
  const victims: PodInfo[] = [];
  for (const p of potential) {
    add(p);
    if (runFiltersWithNominated(profile, c, pod, n, state).code !== 'Success') {
      remove(p);
      victims.push(p);
    }
  }
  return { victims };
}

/** Upstream pickOneNodeForPreemption without PDBs: lowest top victim priority, then lowest sum, then fewest, then latest start. */
export function pickCandidate(cands: readonly Candidate[]): Candidate | undefined {
  const top = (c: Candidate): number => (c.victims.length ? c.victims[0].priority : -Infinity);
  const sum = (c: Candidate): number => c.victims.reduce((s, v) => s + v.priority + 2147483648, 0);
  const earliestTop = (c: Candidate): number => {
    if (!c.victims.length) return Infinity;
    const p = c.victims[0].priority;
    let t = Infinity;
    for (const v of c.victims) if (v.priority === p && v.startTime < t) t = v.startTime;
    return t;
  };
  let best: Candidate | undefined;
  for (const c of cands) {
    if (!best) { best = c; continue; }
    const d = top(c) - top(best) || sum(c) - sum(best) || c.victims.length - best.victims.length || earliestTop(best) - earliestTop(c);
    if (d < 0) best = c;
  }
  return best;
}

export class DefaultPreemptionPlugin implements PostFilterPlugin {
  readonly name = NAME;
  constructor(private readonly random: () => number = Math.random) {}

  postFilter(
    cycle: CycleState, pod: PodInfo, state: SchedulerState, nodeStatuses: ReadonlyMap<string, Status>, profile: Profile,
  ): { result?: PostFilterResult; message: string; code: Code } {
    const spec: Partial<PodSpec> = pod.pod.spec ?? {};
    if (spec.preemptionPolicy === 'Never') return { code: 'Unschedulable', message: `preemption: ${MSG_POLICY_NEVER}` };
    const nominated = pod.pod.status?.nominatedNodeName;
    if (nominated) {
      const ni = state.nodeInfo(nominated);
      if (ni && ni.pods.some((p) => p.pod.metadata.deletionTimestamp && p.priority < pod.priority)) {
        return { code: 'Unschedulable', message: `preemption: ${MSG_TERMINATING}` };
      }
    }
    const all = state.nodeInfos();
    const statuses = new Map<string, Status>();
    const potential: NodeInfo[] = [];
    for (const n of all) {
      const s = nodeStatuses.get(n.name);
      if (!s || s.code === 'UnschedulableAndUnresolvable') statuses.set(n.name, NOT_HELPFUL);
      else potential.push(n);
    }
    const fail = (): { result: PostFilterResult; message: string; code: Code } => ({
      result: { nominatedNodeName: '' },
      code: 'Unschedulable',
      message: `preemption: ${fitErrorMessage(all.length, { nodeToStatus: statuses, preFilterMsg: '' })}`,
    });
    if (potential.length === 0) return fail();
    const want = Math.min(potential.length, Math.max(MIN_CANDIDATE_NODES_ABSOLUTE, Math.trunc((potential.length * MIN_CANDIDATE_NODES_PERCENTAGE) / 100)));
    const offset = Math.floor(this.random() * potential.length);
    const cands: Candidate[] = [];
    for (let k = 0; k < potential.length && cands.length < want; k++) {
      const n = potential[(offset + k) % potential.length];
      const r = selectVictimsOnNode(profile, cycle, pod, n, state);
      if (r.victims) cands.push({ node: n.name, victims: r.victims });
      else if (r.status) statuses.set(n.name, r.status);
    }
    const best = pickCandidate(cands);
    if (!best) return fail();
    return { code: 'Success', message: '', result: { nominatedNodeName: best.node, victims: best.victims } };
  }
}
