// PodTopologySpread: DoNotSchedule constraints filter nodes whose domain would exceed
// maxSkew over the least-loaded eligible domain; ScheduleAnyway constraints (or the system
// defaults — hostname maxSkew 3, zone maxSkew 5 — for pods with none, when a selector is
// known for the pod) score nodes, fewer matching pods in the domain scoring higher.
import { labelSelectorFromMeta, matchesLabels, type LabelRequirement, type LabelSelector } from '../../../api/selectors/index.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { MAX_NODE_SCORE, SUCCESS, SKIP, newStatus, type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type SchedulerState, type ScorePlugin, type Status } from '../../framework/types.js';
import { matchesRequired, requiredStateOf } from '../node-affinity/node-affinity.js';
import { findUntoleratedNoScheduleOrNoExecuteTaint } from '../../../api/taints.js';
import { LABEL_HOSTNAME, LABEL_TOPOLOGY_ZONE } from '../../../api/well-known.js';
import type { TopologySpreadConstraint } from '../../../api/types/index.js';

export const NAME = 'PodTopologySpread';
export const REASON_CONSTRAINTS = "node(s) didn't match pod topology spread constraints";
export const REASON_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";
const FAIL = newStatus('Unschedulable', NAME, REASON_CONSTRAINTS);
const FAIL_LABEL = newStatus('UnschedulableAndUnresolvable', NAME, REASON_MISSING_LABEL);

export interface Constraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: LabelSelector;
  readonly minDomains: number;
  readonly honorAffinity: boolean;
  readonly honorTaints: boolean;
}

/** Selector for the system default constraints (upstream: from Services, RCs, RSs, StatefulSets selecting the pod). */
export type DefaultSelectorFn = (pod: PodInfo) => LabelSelector | undefined;

function compile(c: TopologySpreadConstraint, pod: PodInfo): Constraint {
  let selector: LabelSelector;
  try {
    selector = labelSelectorFromMeta(c.labelSelector ?? null);
  } catch {
    selector = labelSelectorFromMeta(null);
  }
  const extra: LabelRequirement[] = [];
  for (const k of c.matchLabelKeys ?? []) if (Object.hasOwn(pod.labels, k)) extra.push({ key: k, operator: 'in', values: [pod.labels[k]] });
  if (extra.length && selector.kind === 'requirements') selector = { kind: 'requirements', requirements: [...selector.requirements, ...extra] };
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    selector,
    minDomains: c.minDomains ?? 1,
    honorAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
    honorTaints: c.nodeTaintsPolicy === 'Honor',
  };
}

/** Pods in the pod's namespace on `node` that the selector matches (terminating ones excluded). */
function countMatching(c: Constraint, ns: string, node: NodeInfo): number {
  let n = 0;
  for (const p of node.pods) {
    if (p.namespace !== ns || p.pod.metadata.deletionTimestamp) continue;
    if (matchesLabels(c.selector, p.labels)) n++;
  }
  return n;
}

function eligible(pod: PodInfo, node: NodeInfo, cs: readonly Constraint[], req: ReturnType<typeof requiredStateOf>, requireAll: boolean): boolean {
  const honorAff = cs.some((c) => c.honorAffinity);
  if (honorAff && !matchesRequired(req, node)) return false;
  if (cs.some((c) => c.honorTaints) && findUntoleratedNoScheduleOrNoExecuteTaint(node.taints, pod.tolerations)) return false;
  if (requireAll) for (const c of cs) if (!Object.hasOwn(node.labels, c.topologyKey)) return false;
  return true;
}

const pk = (k: string, v: string): string => `${k}\u0000${v}`;

class FilterState {
  constructor(
    readonly constraints: readonly Constraint[],
    /** (key, value) → matching pods; every eligible domain has an entry (maybe 0). */
    readonly counts: Map<string, number>,
    /** Per constraint: number of eligible domains. */
    readonly domains: number[],
  ) {}
  clone(): FilterState {
    return new FilterState(this.constraints, new Map(this.counts), [...this.domains]);
  }
  minMatch(i: number): number {
    const c = this.constraints[i];
    if (this.domains[i] < c.minDomains) return 0;
    let min = Infinity;
    const prefix = `${c.topologyKey}\u0000`;
    for (const [k, v] of this.counts) if (k.startsWith(prefix) && v < min) min = v;
    return min === Infinity ? 0 : min;
  }
  update(pod: PodInfo, other: PodInfo, node: NodeInfo, sign: number): void {
    if (other.namespace !== pod.namespace) return;
    for (const c of this.constraints) {
      if (!Object.hasOwn(node.labels, c.topologyKey)) continue;
      const k = pk(c.topologyKey, node.labels[c.topologyKey]);
      if (this.counts.has(k) && matchesLabels(c.selector, other.labels)) this.counts.set(k, (this.counts.get(k) ?? 0) + sign);
    }
  }
}

const FILTER_KEY = 'PodTopologySpread/filter';
const SCORE_KEY = 'PodTopologySpread/score';

interface ScoreState {
  readonly constraints: readonly Constraint[];
  readonly counts: Map<string, number>;
  readonly weights: number[];
  readonly ignored: Set<string>;
  readonly requireAll: boolean;
}

export class PodTopologySpreadPlugin implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  constructor(private readonly defaultSelector?: DefaultSelectorFn) {}

  preFilter(c: CycleState, pod: PodInfo, state: SchedulerState): Status {
    const raw = (pod.pod.spec?.topologySpreadConstraints ?? []).filter((x) => x.whenUnsatisfiable === 'DoNotSchedule');
    if (raw.length === 0) return SKIP;
    const cs = raw.map((x) => compile(x, pod));
    const req = requiredStateOf(pod);
    const counts = new Map<string, number>();
    const domains = cs.map(() => 0);
    for (const node of state.nodeInfos()) {
      if (!eligible(pod, node, cs, req, true)) continue;
      cs.forEach((con, i) => {
        const k = pk(con.topologyKey, node.labels[con.topologyKey]);
        const prev = counts.get(k);
        if (prev === undefined) domains[i]++;
        counts.set(k, (prev ?? 0) + countMatching(con, pod.namespace, node));
      });
    }
    c.write(FILTER_KEY, new FilterState(cs, counts, domains));
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
    for (let i = 0; i < st.constraints.length; i++) {
      const con = st.constraints[i];
      if (!Object.hasOwn(node.labels, con.topologyKey)) return FAIL_LABEL;
      const self = matchesLabels(con.selector, pod.labels) ? 1 : 0;
      const matchNum = st.counts.get(pk(con.topologyKey, node.labels[con.topologyKey])) ?? 0;
      if (matchNum + self - st.minMatch(i) > con.maxSkew) return FAIL;
    }
    return SUCCESS;
  }

  preScore(c: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], state: SchedulerState): Status {
    const own = pod.pod.spec?.topologySpreadConstraints ?? [];
    let cs: Constraint[];
    let requireAll = true;
    if (own.length > 0) {
      cs = own.filter((x) => x.whenUnsatisfiable === 'ScheduleAnyway').map((x) => compile(x, pod));
    } else {
      const sel = this.defaultSelector?.(pod);
      if (!sel) return SKIP;
      requireAll = false;
      cs = [
        { maxSkew: 3, topologyKey: LABEL_HOSTNAME, selector: sel, minDomains: 1, honorAffinity: true, honorTaints: false },
        { maxSkew: 5, topologyKey: LABEL_TOPOLOGY_ZONE, selector: sel, minDomains: 1, honorAffinity: true, honorTaints: false },
      ];
    }
    if (cs.length === 0) return SKIP;
    const req = requiredStateOf(pod);
    const ignored = new Set<string>();
    const sizes = cs.map(() => new Set<string>());
    const counts = new Map<string, number>();
    for (const n of nodes) {
      if (requireAll && cs.some((con) => !Object.hasOwn(n.labels, con.topologyKey))) {
        ignored.add(n.name);
        continue;
      }
      cs.forEach((con, i) => {
        if (!Object.hasOwn(n.labels, con.topologyKey)) return;
        const v = n.labels[con.topologyKey];
        sizes[i].add(v);
        if (con.topologyKey === LABEL_HOSTNAME) counts.set(pk(LABEL_HOSTNAME, v), countMatching(con, pod.namespace, n));
        else counts.set(pk(con.topologyKey, v), 0);
      });
    }
    if (ignored.size === nodes.length) return SKIP;
    // Non-hostname domains count pods on every eligible node.
    if (cs.some((con) => con.topologyKey !== LABEL_HOSTNAME && sizes[cs.indexOf(con)].size > 0)) {
      for (const n of state.nodeInfos()) {
        if (!eligible(pod, n, cs, req, requireAll)) continue;
        for (const con of cs) {
          if (con.topologyKey === LABEL_HOSTNAME || !Object.hasOwn(n.labels, con.topologyKey)) continue;
          const k = pk(con.topologyKey, n.labels[con.topologyKey]);
          if (counts.has(k)) counts.set(k, (counts.get(k) ?? 0) + countMatching(con, pod.namespace, n));
        }
      }
    }
    const st: ScoreState = { constraints: cs, counts, weights: sizes.map((s) => Math.log(s.size + 2)), ignored, requireAll };
    c.write(SCORE_KEY, st);
    return SUCCESS;
  }

  score(c: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const st = c.read<ScoreState>(SCORE_KEY);
    if (!st) return 0;
    if (st.ignored.has(node.name)) return -1;
    let s = 0;
    st.constraints.forEach((con, i) => {
      if (!Object.hasOwn(node.labels, con.topologyKey)) return;
      const cnt = st.counts.get(pk(con.topologyKey, node.labels[con.topologyKey])) ?? 0;
      s += cnt * st.weights[i] + (con.maxSkew - 1);
    });
    return Math.round(s);
  }

  normalize(c: CycleState, _pod: PodInfo, scores: Float64Array, n: number): void {
    if (!c.read<ScoreState>(SCORE_KEY)) return;
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < n; i++) {
      if (scores[i] < 0) continue;
      if (scores[i] < min) min = scores[i];
      if (scores[i] > max) max = scores[i];
    }
    for (let i = 0; i < n; i++) {
      if (scores[i] < 0) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max);
    }
  }
}
