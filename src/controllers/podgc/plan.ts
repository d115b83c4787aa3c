// What pod garbage collection removes in one pass (upstream pkg/controller/podgc), as a
// pure function of the cached pods and nodes:
// - terminated pods beyond the threshold, oldest first;
// - pods bound to nodes that no longer exist (after a quarantine, confirmed live by the caller);
// - terminating pods without a node;
// - terminating pods on nodes that are not Ready, once out-of-service tainted or once their
//   deletion grace period has passed (the kubelet there will never confirm).
import type { KObject, Node, Pod } from '../../api/types/index.js';
import { getCondition, isPodTerminal } from '../../api/pod-util.js';
import { TAINT_EFFECT_NO_EXECUTE } from '../../api/taints.js';
import { TAINT_NODE_OUT_OF_SERVICE } from '../../api/well-known.js';

export const DEFAULT_TERMINATED_POD_GC_THRESHOLD = 12_500;

export type GcReason = 'terminated' | 'orphaned' | 'unscheduledTerminating' | 'terminatingOnNotReadyNode';

export interface GcAction {
  pod: Readonly<Pod>;
  reason: GcReason;
}

function nodeName(pod: Readonly<Pod>): string | undefined {
  return pod.spec?.nodeName || undefined;
}

function created(o: Readonly<KObject>): number {
  return Date.parse(o.metadata.creationTimestamp ?? '') || 0;
}

function isNodeReady(node: Readonly<Node>): boolean {
  return getCondition(node, 'Ready')?.status === 'True';
}

function hasOutOfServiceTaint(node: Readonly<Node>): boolean {
  return (node.spec?.taints ?? [])
    .some((t) => t.key === TAINT_NODE_OUT_OF_SERVICE && t.effect === TAINT_EFFECT_NO_EXECUTE);
}

export interface PlanInput {
  pods: readonly Readonly<Pod>[];
  nodeByName: (name: string) => Readonly<Node> | undefined;
  /** Names of nodes missing long enough (quarantine) to treat their pods as orphans. */
  isNodeGone: (name: string) => boolean;
  threshold: number;
  now: number;
}

export function planPodGC(input: PlanInput): GcAction[] {
  const out: GcAction[] = [];
  const taken = new Set<Readonly<Pod>>();
  const add = (pod: Readonly<Pod>, reason: GcReason): void => {
    if (taken.has(pod)) return;
    taken.add(pod);
    out.push({ pod, reason });
  };
  for (const pod of input.pods) {
    const n = nodeName(pod);
    if (!n) {
      if (pod.metadata.deletionTimestamp) add(pod, 'unscheduledTerminating');
      continue;
    }
    const node = input.nodeByName(n);
    if (!node) {
      if (input.isNodeGone(n)) add(pod, 'orphaned');
      continue;
    }
    if (!pod.metadata.deletionTimestamp || isNodeReady(node)) continue;
    const due = Date.parse(pod.metadata.deletionTimestamp);
    if (hasOutOfServiceTaint(node) || (!Number.isNaN(due) && due <= input.now)) add(pod, 'terminatingOnNotReadyNode');
  }
  if (input.threshold > 0) {
    const terminated = input.pods.filter((p) => isPodTerminal(p) && !taken.has(p));
    const excess = terminated.length - input.threshold;
    if (excess > 0) {
      terminated.sort((a, b) => created(a) - created(b));
      for (const p of terminated.slice(0, excess)) add(p, 'terminated');
    }
  }
  return out;
}
