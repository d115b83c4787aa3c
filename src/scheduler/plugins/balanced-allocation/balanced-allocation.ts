// NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory utilisation (with the
// pod, actual requests) stay close to each other: score = (1 − std) × 100.
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { MAX_NODE_SCORE, type CycleState, type ScorePlugin } from '../../framework/types.js';

export const NAME = 'NodeResourcesBalancedAllocation';

export function balancedScore(cpuReq: number, cpuAlloc: number, memReq: number, memAlloc: number): number {
  let n = 0;
  let a = 0;
  let b = 0;
  if (cpuAlloc > 0) { a = Math.min(1, cpuReq / cpuAlloc); n++; }
  if (memAlloc > 0) {
    const f = Math.min(1, memReq / memAlloc);
    if (n === 0) a = f; else b = f;
    n++;
  }
  const std = n === 2 ? Math.abs((a - b) / 2) : 0;
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export class BalancedAllocationPlugin implements ScorePlugin {
  readonly name = NAME;
  score(_c: CycleState, pod: PodInfo, node: NodeInfo): number {
    return balancedScore(node.reqCPU + pod.requests.milliCPU, node.allocCPU, node.reqMemory + pod.requests.memory, node.allocMemory);
  }
}
