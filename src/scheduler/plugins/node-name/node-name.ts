// NodeName: a pod that names its node (spec.nodeName) fits only that node.
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { SUCCESS, newStatus, type CycleState, type FilterPlugin, type Status } from '../../framework/types.js';

export const NAME = 'NodeName';
export const REASON_NODE_NAME = "node(s) didn't match the requested node name";
const FAIL = newStatus('UnschedulableAndUnresolvable', NAME, REASON_NODE_NAME);

export class NodeNamePlugin implements FilterPlugin {
  readonly name = NAME;
  filter(_c: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const want = pod.pod.spec?.nodeName;
    return !want || want === node.name ? SUCCESS : FAIL;
  }
}
