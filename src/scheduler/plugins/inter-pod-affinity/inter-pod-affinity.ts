// InterPodAffinity: required pod affinity / anti-affinity of the incoming pod, and required
// anti-affinity of pods already placed, counted per topology pair (key, value) in PreFilter;
// preferred terms (both directions, plus existing pods' required affinity at weight 1)
// score nodes, min-max normalized.
import type { NodeInfo } from '../../framework/node-info.js';
import { termMatches, type AffinityTerm, type PodInfo } from '../../framework/pod-info.js';
import {
  MAX_NODE_SCORE, SUCCESS, SKIP, newStatus, type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin,
  type ScorePlugin, type SchedulerState, type Status,
} from '../../framework/types.js';

export const NAME = 'InterPodAffinity';
export const REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
const FAIL_AFFINITY = newStatus('UnschedulableAndUnresolvable', NAME, REASON_AFFINITY);
const FAIL_ANTI = newStatus('Unschedulable', NAME, REASON_ANTI_AFFINITY);
const FAIL_EXISTING = newStatus('Unschedulable', NAME, REASON_EXISTING_ANTI_AFFINITY);
const HARD_POD_AFFINITY_WEIGHT = 1;

type NsLabels = ((ns: string) => Readonly<Record<string, string>> | undefined) | undefined;

const pairKey = (k: string, v: string): string => `${k}\u0000${v}`;

function bump(m: Map<string, number>, k: string, d: number): void {
  const n = (m.get(k) ?? 0) + d;
  if (n === 0) m.delete(k);
  else m.set(k, n);
}

class FilterState {
  constructor(
    readonly existingAnti: Map<string, number>,
    readonly affinity: Map<string, number>,
    readonly anti: Map<string, number>,
    readonly nsLabels: NsLabels,
  ) {}
  clone(): FilterState {
    return new FilterState(new Map(this.existingAnti), new Map(this.affinity), new Map(this.anti), this.nsLabels);
  }
  /** Accounts `other` (on `node`) for the incoming `pod`, with sign ±1. */
  update(pod: PodInfo, other: PodInfo, node: NodeInfo, sign: number): void {
    const labels = node.labels;
    for (const t of other.requiredAntiAffinity) {
      if (Object.hasOwn(labels, t.topologyKey) && termMatches(t, pod, this.nsLabels)) bump(this.existingAnti, pairKey(t.topologyKey, labels[t.topologyKey]), sign);
    }
    if (pod.requiredAffinity.length && matchesAll(pod.requiredAffinity, other, this.nsLabels)) {
      for (const t of pod.requiredAffinity) if (Object.hasOwn(labels, t.topologyKey)) bump(this.affinity, pairKey(t.topologyKey, labels[t.topologyKey]), sign);
    }
    for (const t of pod.requiredAntiAffinity) {
      if (Object.hasOwn(labels, t.topologyKey) && termMatches(t, other, this.nsLabels)) bump(this.anti, pairKey(t.topologyKey, labels[t.topologyKey]), sign);
    }
  }
}

function matchesAll(terms: readonly AffinityTerm[], p: PodInfo, ns: NsLabels): boolean {
  for (const t of terms) if (!termMatches(t, p, ns)) return false;
  return true;
}

const FILTER_KEY = 'InterPodAffinity/filter';
const SCORE_KEY = 'InterPodAffinity/score';

export class InterPodAffinityPlugin implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;

  preFilter(c: CycleState, pod: PodInfo, state: SchedulerState): Status {
    const hasOwn = pod.requiredAffinity.length + pod.requiredAntiAffinity.length > 0;
    const withAnti = state.nodesWithRequiredAntiAffinityPods();
    const ns: NsLabels = state.namespaceLabels?.bind(state);
    const st = new FilterState(new Map(), new Map(), new Map(), ns);
    let any = false;
    if (hasOwn) {
      for (const node of state.nodeInfos()) for (const other of node.pods) st.update(pod, other, node, 1);
      any = true;
    } else {
      for (const node of withAnti) {
        any = true;
        for (const other of node.pods) if (other.requiredAntiAffinity.length) st.update(pod, other, node, 1);
      }
    }
    if (!any) return SKIP;
    c.write(FILTER_KEY, st);
    return SUCCESS;
  }

  addPod(c: CycleState, pod: PodInfo, add: PodInfo, node: NodeInfo): void {
    c.read<FilterState>(FILTER_KEY)?.update(pod, add, node, 1);
  }

  removePod(c: CycleState, pod: PodInfo, rm: PodInfo, node: NodeInfo): void {
    c.read<FilterState>(FILTER_KEY)?.update(pod, rm, node, -1);
  }

  filter(c: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const st = c.read<FilterState>(FILTER_KEY);
    if (!st) return SUCCESS;
    const labels = node.labels;
    if (pod.requiredAffinity.length) {
      let exist = true;
      for (const t of pod.requiredAffinity) {
        if (!Object.hasOwn(labels, t.topologyKey)) return FAIL_AFFINITY;
        if ((st.affinity.get(pairKey(t.topologyKey, labels[t.topologyKey])) ?? 0) <= 0) exist = false;
      }
      // The first pod of a group with affinity to itself may go anywhere the topology exists.
      if (!exist && !(st.affinity.size === 0 && matchesAll(pod.requiredAffinity, pod, st.nsLabels))) return FAIL_AFFINITY;
    }
    for (const t of pod.requiredAntiAffinity) {
      if (Object.hasOwn(labels, t.topologyKey) && (st.anti.get(pairKey(t.topologyKey, labels[t.topologyKey])) ?? 0) > 0) return FAIL_ANTI;
    }
    if (st.existingAnti.size) {
      for (const k in labels) if ((st.existingAnti.get(pairKey(k, labels[k])) ?? 0) > 0) return FAIL_EXISTING;
    }
    return SUCCESS;
  }

  preScore(c: CycleState, pod: PodInfo, _nodes: readonly NodeInfo[], state: SchedulerState): Status {
    const hasPref = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0;
    const ns: NsLabels = state.namespaceLabels?.bind(state);
    const nodes = hasPref ? state.nodeInfos() : state.nodesWithAffinityPods();
    const scores = new Map<string, number>();
    for (const node of nodes) {
      const labels = node.labels;
      for (const other of node.pods) {
        if (!hasPref && !other.hasAffinity) continue;
        const add = (t: AffinityTerm, w: number): void => {
          if (Object.hasOwn(labels, t.topologyKey)) bump(scores, pairKey(t.topologyKey, labels[t.topologyKey]), w);
        };
        for (const t of pod.preferredAffinity) if (termMatches(t, other, ns)) add(t, t.weight);
        for (const t of pod.preferredAntiAffinity) if (termMatches(t, other, ns)) add(t, -t.weight);
        for (const t of other.requiredAffinity) if (termMatches(t, pod, ns)) add(t, HARD_POD_AFFINITY_WEIGHT);
        for (const t of other.preferredAffinity) if (termMatches(t, pod, ns)) add(t, t.weight);
        for (const t of other.preferredAntiAffinity) if (termMatches(t, pod, ns)) add(t, -t.weight);
      }
    }
    if (scores.size === 0) return SKIP;
    c.write(SCORE_KEY, scores);
    return SUCCESS;
  }

  score(c: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const scores = c.read<Map<string, number>>(SCORE_KEY);
    if (!scores) return 0;
    let s = 0;
    for (const k in node.labels) s += scores.get(pairKey(k, node.labels[k])) ?? 0;
    return s;
  }

  normalize(_c: CycleState, _pod: PodInfo, scores: Float64Array, n: number): void {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      if (scores[i] < min) min = scores[i];
      if (scores[i] > max) max = scores[i];
    }
    const diff = max - min;
    for (let i = 0; i < n; i++) scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i] - min)) / diff) : 0;
  }
}
