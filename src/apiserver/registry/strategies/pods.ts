// Pods: status starts Pending with the QoS class; deletion is graceful once the pod is
// bound to a node (the kubelet finishes it with a zero grace period).
import type { KObject } from '../../../api/types.js';
import { Strategy } from '../strategy.js';
import type { DeleteOptions } from '../resource-store.js';
import { podQosClass } from '../../api-hooks.js';

export class PodStrategy extends Strategy {
  override initialStatus(obj: KObject): unknown {
    return { phase: 'Pending', qosClass: podQosClass(obj) };
  }

  override gracePeriod(obj: KObject, opts: DeleteOptions): number {
    const spec = (obj.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    const g = opts.gracePeriodSeconds ?? obj.metadata.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, g);
  }
}
