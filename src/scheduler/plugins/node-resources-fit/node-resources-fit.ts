// NodeResourcesFit: Filter checks the pod's requests (plus the pods already there) against
// allocatable, one reason per short resource in upstream's order (pods, cpu, memory,
// ephemeral-storage, then extended resources); Score is the LeastAllocated strategy over
// cpu and memory (weight 1 each) using the non-zero request defaults.
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { MAX_NODE_SCORE, SUCCESS, newStatus, type CycleState, type FilterPlugin, type ScorePlugin, type Status } from '../../framework/types.js';

export const NAME = 'NodeResourcesFit';
export const REASON_TOO_MANY_PODS = 'Too many pods';
const TOO_MANY = newStatus('Unschedulable', NAME, REASON_TOO_MANY_PODS);
const CPU = newStatus('Unschedulable', NAME, 'Insufficient cpu');
const MEM = newStatus('Unschedulable', NAME, 'Insufficient memory');

/** Reasons the node cannot hold the pod; empty when it fits. */
export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  const out: string[] = [];
  if (node.pods.length + 1 > node.allowedPodNumber) out.push(REASON_TOO_MANY_PODS);
  if (pod.requestsNothing) return out;
  const r = pod.requests;
  if (node.allocCPU < r.milliCPU + node.reqCPU) out.push('Insufficient cpu');
  if (node.allocMemory < r.memory + node.reqMemory) out.push('Insufficient memory');
  if (node.allocEphemeral < r.ephemeralStorage + node.reqEphemeral) out.push('Insufficient ephemeral-storage');
  if (r.scalar) {
    for (const [k, v] of r.scalar) {
      if (v === 0) continue;
      if ((node.allocScalar?.get(k) ?? 0) < v + (node.reqScalar?.get(k) ?? 0)) out.push(`Insufficient ${k}`);
    }
  }
  return out;
}

export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export class NodeResourcesFitPlugin implements FilterPlugin, ScorePlugin {
  readonly name = NAME;

  filter(_c: CycleState, pod: PodInfo, node: NodeInfo): Status {
    // Fast path: no allocation when the pod fits.
    const r = pod.requests;
    const podsOk = node.pods.length + 1 <= node.allowedPodNumber;
    if (pod.requestsNothing) return podsOk ? SUCCESS : TOO_MANY;
    const cpuOk = node.allocCPU >= r.milliCPU + node.reqCPU;
    const memOk = node.allocMemory >= r.memory + node.reqMemory;
    if (podsOk && cpuOk && memOk && r.ephemeralStorage === 0 && !r.scalar) return SUCCESS;
    const reasons = insufficientResources(pod, node);
    if (reasons.length === 0) return SUCCESS;
    if (reasons.length === 1) {
      if (!podsOk) return TOO_MANY;
      if (!cpuOk) return CPU;
      if (!memOk) return MEM;
    }
    return newStatus('Unschedulable', NAME, ...reasons);
  }

  score(_c: CycleState, pod: PodInfo, node: NodeInfo): number {
    const cpu = leastRequestedScore(node.nonZeroCPU + pod.nonZeroCPU, node.allocCPU);
    const mem = leastRequestedScore(node.nonZeroMemory + pod.nonZeroMemory, node.allocMemory);
    return Math.trunc((cpu + mem) / 2);
  }
}
