// TaintToleration: Filter rejects nodes with a NoSchedule/NoExecute taint the pod does not
// tolerate (UnschedulableAndUnresolvable, naming the first such taint); Score prefers nodes
// with fewer untolerated PreferNoSchedule taints (reverse-normalized).
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import {
  MAX_NODE_SCORE, SUCCESS, SKIP, newStatus, type CycleState, type FilterPlugin, type PreScorePlugin, type ScorePlugin,
  type Status, type Taint, type Toleration,
} from '../../framework/types.js';
import { findUntoleratedNoScheduleOrNoExecuteTaint, tolerationsTolerateTaint } from '../../../api/taints.js';
import { defaultNormalizeScore } from '../normalize.js';

export const NAME = 'TaintToleration';

// The one ToleratesTaint, re-exported under this plugin's earlier name.
export { toleratesTaint } from '../../../api/taints.js';

const statusCache = new Map<string, Status>();

export function untoleratedTaintStatus(t: Taint): Status {
  const reason = `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;
  let s = statusCache.get(reason);
  if (!s) {
    s = newStatus('UnschedulableAndUnresolvable', NAME, reason);
    if (statusCache.size < 1000) statusCache.set(reason, s);
  }
  return s;
}

const PREFER_KEY = 'TaintToleration/preferNoScheduleTolerations';

export class TaintTolerationPlugin implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;

  filter(_c: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (node.taints.length === 0) return SUCCESS;
    const t = findUntoleratedNoScheduleOrNoExecuteTaint(node.taints, pod.tolerations);
    return t ? untoleratedTaintStatus(t) : SUCCESS;
  }

  preScore(c: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status {
    let any = false;
    for (const n of nodes) {
      if (n.taints.length) { any = true; break; }
    }
    if (!any) return SKIP;
    c.write(PREFER_KEY, pod.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule'));
    return SUCCESS;
  }

  /** Raw score: number of untolerated PreferNoSchedule taints. */
  score(c: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const tol = c.read<Toleration[]>(PREFER_KEY) ?? [];
    let n = 0;
    for (const t of node.taints) if (t.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tol, t)) n++;
    return n;
  }

  normalize(_c: CycleState, _pod: PodInfo, scores: Float64Array, n: number): void {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores, n);
  }
}
