// Which nodes a DaemonSet's pod belongs on (upstream NodeShouldRunDaemonPod and its
// predicates): the pod template's nodeName, nodeSelector and required node affinity must
// match the node, and every NoSchedule/NoExecute taint must be tolerated, counting the
// tolerations every daemon pod gets. A pod whose node later gains an untolerated
// NoSchedule taint keeps running; an untolerated NoExecute taint evicts it.
import type { KObject } from '../../api/types/index.js';
import { clone } from '../../util/json.js';
import { nodeSelectorTermMatches, type NodeSelectorTerm } from '../../api/selectors/index.js';
import { findMatchingUntoleratedTaint, findUntoleratedNoScheduleOrNoExecuteTaint, TAINT_EFFECT_NO_EXECUTE, type Taint, type Toleration } from '../../api/taints.js';
import {
  TAINT_NODE_DISK_PRESSURE, TAINT_NODE_MEMORY_PRESSURE, TAINT_NODE_NETWORK_UNAVAILABLE, TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE, TAINT_NODE_UNREACHABLE, TAINT_NODE_UNSCHEDULABLE,
} from '../../api/well-known.js';

export type { NodeSelectorRequirement, NodeSelectorTerm } from '../../api/selectors/index.js';

export type { Taint, Toleration } from '../../api/taints.js';
// The one ToleratesTaint, under this module's earlier name.
export { toleratesTaint as tolerates } from '../../api/taints.js';
export interface PodSpecLike {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  hostNetwork?: boolean;
  tolerations?: Toleration[];
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] }; [k: string]: unknown }; [k: string]: unknown };
  [k: string]: unknown;
}

export const NODE_NAME_FIELD = 'metadata.name';

/** Tolerations every daemon pod gets (upstream AddOrUpdateDaemonPodTolerations). */
export function daemonTolerations(hostNetwork: boolean): Toleration[] {
  const out: Toleration[] = [
    { key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute' },
    { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
    { key: TAINT_NODE_DISK_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_NODE_MEMORY_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_NODE_PID_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_NODE_UNSCHEDULABLE, operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) out.push({ key: TAINT_NODE_NETWORK_UNAVAILABLE, operator: 'Exists', effect: 'NoSchedule' });
  return out;
}

/** Adds the daemon tolerations, replacing any toleration with the same key and effect. */
export function withDaemonTolerations(spec: Readonly<PodSpecLike>): Toleration[] {
  let list = [...(spec.tolerations ?? [])];
  for (const t of daemonTolerations(!!spec.hostNetwork)) {
    list = list.filter((x) => !(x.key === t.key && x.effect === t.effect));
    list.push(t);
  }
  return list;
}


/** A term matches when all its requirements do; a term with none matches nothing. */
export function matchesTerm(term: Readonly<NodeSelectorTerm>, node: Readonly<KObject>): boolean {
  return nodeSelectorTermMatches(term, { name: node.metadata.name ?? '', labels: node.metadata.labels ?? {} });
}

/** nodeSelector and required node affinity (terms are ORed). */
export function fitsNodeAffinity(spec: Readonly<PodSpecLike>, node: Readonly<KObject>): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms === undefined) return true;
  return terms.some((t) => matchesTerm(t, node));
}

export const nodeTaints = (node: Readonly<KObject>): Taint[] => ((node.spec as { taints?: Taint[] } | undefined)?.taints ?? []);

export interface Eligibility {
  /** A daemon pod should be created on the node. */
  shouldRun: boolean;
  /** An existing daemon pod may stay on the node. */
  shouldContinueRunning: boolean;
}

export function nodeShouldRunDaemonPod(node: Readonly<KObject>, templateSpec: Readonly<PodSpecLike> | undefined): Eligibility {
  const spec = templateSpec ?? {};
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!fitsNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = withDaemonTolerations(spec);
  const taints = nodeTaints(node);
  const blocking = findUntoleratedNoScheduleOrNoExecuteTaint(taints, tolerations);
  if (!blocking) return { shouldRun: true, shouldContinueRunning: true };
  const evicting = findMatchingUntoleratedTaint(taints, tolerations, (t) => t.effect === TAINT_EFFECT_NO_EXECUTE);
  return { shouldRun: false, shouldContinueRunning: !evicting };
}

/**
 * The node a daemon pod is for: its spec.nodeName once bound, else the single node name in
 * its required `metadata.name In [...]` affinity term (upstream GetTargetNodeName).
 */
export function targetNodeName(pod: Readonly<KObject>): string | undefined {
  const spec = (pod.spec ?? {}) as PodSpecLike;
  if (spec.nodeName) return spec.nodeName;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) {
    for (const f of t.matchFields ?? []) {
      if (f.key === NODE_NAME_FIELD && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/**
 * The pod spec's required node affinity replaced by a single `metadata.name In [node]`
 * term (upstream ReplaceDaemonSetPodNodeNameNodeAffinity); preferred terms are kept. The
 * controller already checked the original affinity; the scheduler then binds the pod.
 */
export function pinToNode(spec: Readonly<PodSpecLike>, nodeName: string): PodSpecLike {
  const out = clone(spec) as PodSpecLike;
  const affinity = out.affinity ?? {};
  const nodeAffinity = affinity.nodeAffinity ?? {};
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [{ matchFields: [{ key: NODE_NAME_FIELD, operator: 'In', values: [nodeName] }] }],
  };
  affinity.nodeAffinity = nodeAffinity;
  out.affinity = affinity;
  return out;
}
