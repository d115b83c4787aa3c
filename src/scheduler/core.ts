// The scheduling algorithm as a pure function of a snapshot:
//
//   PreFilter ──► Filter (from a round-robin start, stop after numFeasibleNodesToFind)
//        │             │ none feasible ──► Unschedulable + Diagnosis (reasons per node)
//        │             ▼
//        │        PreScore ──► Score × weight (normalized) ──► highest (random among ties)
//        └─ failure ──► Unschedulable on every node (PreFilter message)
//
// No I/O and no mutation of the snapshot; the caller assumes/binds the result.
import type { NodeInfo } from './framework/node-info.js';
import { podInfoOf, type PodInfo } from './framework/pod-info.js';
import { CycleState, SUCCESS, type PreFilterResult, type Profile, type SchedulerState, type Status } from './framework/types.js';
import type { Pod } from '../api/types/index.js';

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

export interface Diagnosis {
  /** Failed nodes and why (only nodes that were evaluated). */
  readonly nodeToStatus: Map<string, Status>;
  /** Set when a PreFilter plugin rejected the pod outright. */
  preFilterMsg: string;
  /** Plugins that rejected the pod somewhere (for queueing hints). */
  readonly unschedulablePlugins: Set<string>;
}

export type ScheduleResult =
  | { readonly kind: 'scheduled'; readonly node: string; readonly score: number; readonly evaluatedNodes: number; readonly feasibleNodes: number }
  | {
      readonly kind: 'unschedulable';
      readonly numAllNodes: number;
      readonly diagnosis: Diagnosis;
      readonly cycle: CycleState;
      readonly podInfo: PodInfo;
      /** True when there are no nodes at all. */
      readonly noNodes: boolean;
    };

/** Cross-cycle position of the round-robin start index, plus the tie-break randomness. */
export interface Cursor {
  next: number;
  random: () => number;
}

export function newCursor(random: () => number = Math.random): Cursor {
  return { next: 0, random };
}

/** Upstream numFeasibleNodesToFind: all nodes below 100; else percentage (adaptive 50 − n/125, ≥ 5 %), at least 100. */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) {
    pct = Math.trunc(50 - numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  if (pct >= 100) return numAllNodes;
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

function isStatus(x: Status | PreFilterResult): x is Status {
  return typeof (x as Status).code === 'string';
}

/** Runs Filter plugins in order, stopping at the first failure (as upstream). */
export function runFilters(profile: Profile, cycle: CycleState, pi: PodInfo, node: NodeInfo): Status {
  const fs = profile.filter;
  for (let i = 0; i < fs.length; i++) {
    const f = fs[i];
    if (cycle.skipFilter.size && cycle.skipFilter.has(f.name)) continue;
    const s = f.filter(cycle, pi, node);
    if (s.code !== 'Success') return s;
  }
  return SUCCESS;
}

/**
 * Filters with the pods nominated to the node (by preemption) of equal or higher priority
 * counted as if already there, as upstream's RunFilterPluginsWithNominatedPods.
 */
export function runFiltersWithNominated(profile: Profile, cycle: CycleState, pi: PodInfo, node: NodeInfo, state: SchedulerState): Status {
  const nominated = state.nominatedPods?.(node.name);
  if (!nominated || nominated.length === 0) return runFilters(profile, cycle, pi, node);
  const add = nominated.filter((n) => n.key !== pi.key && n.priority >= pi.priority);
  if (add.length === 0) return runFilters(profile, cycle, pi, node);
  const c2 = cycle.clone();
  const n2 = node.clone();
  for (const p of add) {
    n2.addPod(p);
    for (const pf of profile.preFilter) pf.addPod?.(c2, pi, p, n2);
  }
  const s = runFilters(profile, c2, pi, n2);
  if (s.code !== 'Success') return s;
  return runFilters(profile, cycle, pi, node);
}

/** PreFilter stage: Skip marks, node-name narrowing; returns a failure status or the allowed node set. */
export function runPreFilters(profile: Profile, cycle: CycleState, pi: PodInfo, state: SchedulerState): { failed?: Status; nodeNames?: ReadonlySet<string> } {
  let nodeNames: Set<string> | undefined;
  for (const p of profile.preFilter) {
    const r = p.preFilter(cycle, pi, state);
    if (isStatus(r)) {
      if (r.code === 'Skip') cycle.skipFilter.add(p.name);
      else if (r.code !== 'Success') return { failed: r.plugin ? r : { ...r, plugin: p.name } };
    } else if (r.nodeNames) {
      if (!nodeNames) nodeNames = new Set(r.nodeNames);
      else for (const n of nodeNames) if (!r.nodeNames.has(n)) nodeNames.delete(n);
    }
  }
  return { nodeNames };
}

/** Picks a node for the pod, or explains why none fits. */
export function schedulePod(pod: Readonly<Pod>, state: SchedulerState, profile: Profile, cursor: Cursor): ScheduleResult {
  const pi = podInfoOf(pod);
  const all = state.nodeInfos();
  const cycle = new CycleState();
  const diagnosis: Diagnosis = { nodeToStatus: new Map(), preFilterMsg: '', unschedulablePlugins: new Set() };
  const unschedulable = (noNodes = false): ScheduleResult => ({ kind: 'unschedulable', numAllNodes: all.length, diagnosis, cycle, podInfo: pi, noNodes });
  if (all.length === 0) return unschedulable(true);

  const pre = runPreFilters(profile, cycle, pi, state);
  if (pre.failed) {
    diagnosis.preFilterMsg = pre.failed.reasons.join(', ');
    if (pre.failed.plugin) diagnosis.unschedulablePlugins.add(pre.failed.plugin);
    for (const n of all) diagnosis.nodeToStatus.set(n.name, pre.failed);
    return unschedulable();
  }

  // Nodes to walk: all, or those a PreFilter narrowed to.
  let nodes: readonly NodeInfo[] = all;
  if (pre.nodeNames) {
    const list: NodeInfo[] = [];
    for (const name of pre.nodeNames) {
      const ni = state.nodeInfo(name);
      if (ni) list.push(ni);
    }
    nodes = list;
  }

  const feasible: NodeInfo[] = [];
  // The nominated node (after preemption) is tried first.
  const nominated = pod.status?.nominatedNodeName;
  if (nominated) {
    const ni = state.nodeInfo(nominated);
    if (ni && (!pre.nodeNames || pre.nodeNames.has(nominated)) && runFiltersWithNominated(profile, cycle, pi, ni, state).code === 'Success') {
      return { kind: 'scheduled', node: nominated, score: 0, evaluatedNodes: 1, feasibleNodes: 1 };
    }
  }

  const want = pre.nodeNames ? nodes.length : numFeasibleNodesToFind(profile.percentageOfNodesToScore, nodes.length);
  const n = nodes.length;
  const start = n > 0 ? cursor.next % n : 0;
  let processed = 0;
  const hasNominated = state.nominatedPods !== undefined;
  for (let k = 0; k < n && feasible.length < want; k++) {
    const ni = nodes[(start + k) % n];
    processed++;
    const s = hasNominated ? runFiltersWithNominated(profile, cycle, pi, ni, state) : runFilters(profile, cycle, pi, ni);
    if (s.code === 'Success') feasible.push(ni);
    else {
      diagnosis.nodeToStatus.set(ni.name, s);
      if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
    }
  }
  if (!pre.nodeNames && n > 0) cursor.next = (start + processed) % n;
  // Nodes a PreFilter excluded count as unresolvable for the diagnosis.
  if (pre.nodeNames && feasible.length === 0) {
    for (const ni of all) {
      if (!pre.nodeNames.has(ni.name) && !diagnosis.nodeToStatus.has(ni.name)) {
        diagnosis.nodeToStatus.set(ni.name, NODE_AFFINITY_PREFILTER_EXCLUDED);
      }
    }
  }

  if (feasible.length === 0) return unschedulable();
  if (feasible.length === 1) return { kind: 'scheduled', node: feasible[0].name, score: 0, evaluatedNodes: processed, feasibleNodes: 1 };

  const { index, score } = scoreAndSelect(profile, cycle, pi, feasible, state, cursor.random);
  return { kind: 'scheduled', node: feasible[index].name, score, evaluatedNodes: processed, feasibleNodes: feasible.length };
}

const NODE_AFFINITY_PREFILTER_EXCLUDED: Status = Object.freeze({
  code: 'UnschedulableAndUnresolvable',
  reasons: Object.freeze(["node(s) didn't satisfy plugin(s) [NodeAffinity]"]),
  plugin: 'NodeAffinity',
});

let scratch = new Float64Array(256);
let totals = new Float64Array(256);

/** Weighted sum of normalized plugin scores; highest wins, ties broken uniformly at random. */
export function scoreAndSelect(
  profile: Profile, cycle: CycleState, pi: PodInfo, feasible: readonly NodeInfo[], state: SchedulerState, random: () => number,
): { index: number; score: number } {
  const n = feasible.length;
  if (scratch.length < n) {
    scratch = new Float64Array(n * 2);
    totals = new Float64Array(n * 2);
  }
  totals.fill(0, 0, n);
  for (const p of profile.preScore) {
    const s = p.preScore(cycle, pi, feasible, state);
    if (s.code === 'Skip') cycle.skipScore.add(p.name);
  }
  for (const { plugin, weight } of profile.score) {
    if (cycle.skipScore.size && cycle.skipScore.has(plugin.name)) continue;
    for (let i = 0; i < n; i++) scratch[i] = plugin.score(cycle, pi, feasible[i]);
    plugin.normalize?.(cycle, pi, scratch, n);
    for (let i = 0; i < n; i++) totals[i] += scratch[i] * weight;
  }
  let best = 0;
  let ties = 1;
  for (let i = 1; i < n; i++) {
    if (totals[i] > totals[best]) {
      best = i;
      ties = 1;
    } else if (totals[i] === totals[best]) {
      ties++;
      if (random() * ties < 1) best = i;
    }
  }
  return { index: best, score: totals[best] };
}

/** The "0/N nodes are available: …" message of a FitError, with reasons sorted as upstream. */
export function fitErrorMessage(numAllNodes: number, diagnosis: Pick<Diagnosis, 'nodeToStatus' | 'preFilterMsg'>, postFilterMsg = ''): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (diagnosis.preFilterMsg) {
    msg += ` ${diagnosis.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const s of diagnosis.nodeToStatus.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const parts = [...counts].map(([r, c]) => `${c} ${r}`).sort(compareGoStrings);
    if (parts.length) msg += ` ${parts.join(', ')}.`;
  }
  if (postFilterMsg) msg += ` ${postFilterMsg}.`;
  return msg;
}

/** Byte-wise comparison (Go's sort.Strings), not locale order. */
export function compareGoStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
