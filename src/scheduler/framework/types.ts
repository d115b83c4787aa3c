// Framework vocabulary (kube-scheduler's framework package, trimmed): plugin statuses, the
// per-cycle CycleState, the plugin interfaces and the narrow SchedulerState read interface.
// Plugins are stateless between cycles; whatever a PreFilter computes for one pod lives in
// the CycleState of that cycle.
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';

// ---- API shapes ----
// Pods and Nodes are the generated API model (src/api/types); Taint and Toleration too, with
// the one toleration rule beside them in src/api/taints.ts.

export type { Taint, Toleration } from '../../api/taints.js';

// ---- statuses ----

/**
 * Upstream status codes that a user can tell apart: Unschedulable means preemption may help,
 * UnschedulableAndUnresolvable means it cannot; Skip (PreFilter/PreScore only) means the
 * plugin has nothing to say about this pod and its Filter/Score are not run.
 */
export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error' | 'Skip';

export interface Status {
  readonly code: Code;
  /** Upstream reason strings, printed in the FailedScheduling histogram. */
  readonly reasons: readonly string[];
  /** The plugin that produced the status (for queueing hints). */
  readonly plugin?: string;
}

export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: Object.freeze([]) as readonly string[] });
export const SKIP: Status = Object.freeze({ code: 'Skip', reasons: Object.freeze([]) as readonly string[] });

export function newStatus(code: Code, plugin: string, ...reasons: string[]): Status {
  return Object.freeze({ code, reasons: Object.freeze(reasons), plugin });
}

// ---- cycle state ----

/** Per-cycle scratch space, keyed by plugin-chosen keys. Never shared across cycles. */
export class CycleState {
  private data = new Map<string, unknown>();
  /** Plugins whose PreFilter said Skip: their Filter is not run. */
  readonly skipFilter = new Set<string>();
  readonly skipScore = new Set<string>();
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  write(key: string, v: unknown): void {
    this.data.set(key, v);
  }
  /** Copy for a what-if (preemption); values with a clone() method are cloned. */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) {
      const cl = (v as { clone?: () => unknown } | null)?.clone;
      c.data.set(k, typeof cl === 'function' ? cl.call(v) : v);
    }
    for (const s of this.skipFilter) c.skipFilter.add(s);
    for (const s of this.skipScore) c.skipScore.add(s);
    return c;
  }
}

// ---- the snapshot ----

/** What the pipeline reads: nodes with precomputed NodeInfo. Implemented by SchedulerCache. */
export interface SchedulerState {
  /** All nodes, in a stable order (the round-robin start index walks this list). */
  nodeInfos(): readonly NodeInfo[];
  nodeInfo(name: string): NodeInfo | undefined;
  /** NodeInfos that hold at least one pod with required pod anti-affinity. */
  nodesWithRequiredAntiAffinityPods(): Iterable<NodeInfo>;
  /** NodeInfos that hold at least one pod with any pod (anti-)affinity. */
  nodesWithAffinityPods(): Iterable<NodeInfo>;
  /** Labels of a namespace, for namespaceSelector in pod affinity terms (undefined: unknown). */
  namespaceLabels?(ns: string): Readonly<Record<string, string>> | undefined;
  /** Pods nominated (by preemption) to a node, other than those already bound. */
  nominatedPods?(nodeName: string): readonly PodInfo[];
}

// ---- plugins ----

export interface Plugin {
  readonly name: string;
}

/** PreFilter may narrow the candidate nodes (NodeAffinity on metadata.name does). */
export interface PreFilterResult {
  readonly nodeNames?: ReadonlySet<string>;
}

export interface PreFilterPlugin extends Plugin {
  /** Returns SUCCESS/SKIP or a failure (the pod is then unschedulable on every node). */
  preFilter(cycle: CycleState, pod: PodInfo, state: SchedulerState): Status | PreFilterResult;
  /** Keeps the PreFilter data right when preemption simulates removing/adding pods. */
  addPod?(cycle: CycleState, pod: PodInfo, podToAdd: PodInfo, node: NodeInfo): void;
  removePod?(cycle: CycleState, pod: PodInfo, podToRemove: PodInfo, node: NodeInfo): void;
}

export interface FilterPlugin extends Plugin {
  filter(cycle: CycleState, pod: PodInfo, node: NodeInfo): Status;
}

export interface PreScorePlugin extends Plugin {
  /** Returns SKIP when the plugin's Score has nothing to add for this pod. */
  preScore(cycle: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], state: SchedulerState): Status;
}

export interface ScorePlugin extends Plugin {
  /** 0..100 after normalize. */
  score(cycle: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rewrites `scores` (same order as `nodes`) into 0..100. */
  normalize?(cycle: CycleState, pod: PodInfo, scores: Float64Array, n: number): void;
}

export interface PostFilterResult {
  /** Node the pod was nominated to (preemption happened), '' to clear. */
  readonly nominatedNodeName?: string;
  /** Pods that must be evicted for the nomination to hold. */
  readonly victims?: readonly PodInfo[];
}

export interface PostFilterPlugin extends Plugin {
  postFilter(
    cycle: CycleState,
    pod: PodInfo,
    state: SchedulerState,
    nodeStatuses: ReadonlyMap<string, Status>,
    profile: Profile,
  ): { result?: PostFilterResult; message: string; code: Code };
}

export interface WeightedScorePlugin {
  readonly plugin: ScorePlugin;
  readonly weight: number;
}

/** A scheduling profile: the plugins of each extension point, in upstream's order. */
export interface Profile {
  readonly schedulerName: string;
  readonly preFilter: readonly PreFilterPlugin[];
  readonly filter: readonly FilterPlugin[];
  readonly postFilter: readonly PostFilterPlugin[];
  readonly preScore: readonly PreScorePlugin[];
  readonly score: readonly WeightedScorePlugin[];
  /** percentageOfNodesToScore; 0 means adaptive (50 − nodes/125, min 5). */
  readonly percentageOfNodesToScore: number;
}

export const MAX_NODE_SCORE = 100;
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
