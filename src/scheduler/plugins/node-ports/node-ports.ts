// NodePorts: a pod's hostPorts must be free on the node (same protocol and port; 0.0.0.0
// conflicts with every address).
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { SUCCESS, SKIP, newStatus, type CycleState, type FilterPlugin, type PreFilterPlugin, type Status } from '../../framework/types.js';

export const NAME = 'NodePorts';
export const REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
const FAIL = newStatus('Unschedulable', NAME, REASON_PORTS);

export class NodePortsPlugin implements PreFilterPlugin, FilterPlugin {
  readonly name = NAME;
  preFilter(_c: CycleState, pod: PodInfo): Status {
    return pod.hostPorts.length === 0 ? SKIP : SUCCESS;
  }
  filter(_c: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (node.usedPorts.size === 0) return SUCCESS;
    for (const p of pod.hostPorts) if (node.portConflicts(p)) return FAIL;
    return SUCCESS;
  }
}
