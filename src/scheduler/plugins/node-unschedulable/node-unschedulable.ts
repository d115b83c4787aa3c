// NodeUnschedulable: a cordoned node (spec.unschedulable) only takes pods that tolerate the
// node.kubernetes.io/unschedulable:NoSchedule taint.
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { SUCCESS, newStatus, type CycleState, type FilterPlugin, type Status, type Taint } from '../../framework/types.js';
import { tolerationsTolerateTaint } from '../../../api/taints.js';
import { TAINT_NODE_UNSCHEDULABLE } from '../../../api/well-known.js';

export const NAME = 'NodeUnschedulable';
export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const UNSCHEDULABLE_TAINT: Taint = { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' };
const FAIL = newStatus('UnschedulableAndUnresolvable', NAME, REASON_UNSCHEDULABLE);

export class NodeUnschedulablePlugin implements FilterPlugin {
  readonly name = NAME;
  filter(_c: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (!node.unschedulable) return SUCCESS;
    return tolerationsTolerateTaint(pod.tolerations, UNSCHEDULABLE_TAINT) ? SUCCESS : FAIL;
  }
}
