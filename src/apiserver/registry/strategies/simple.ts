// Kinds whose only difference from the default strategy is their initial status.
import type { KObject } from '../../../api/types.js';
import { Strategy } from '../strategy.js';

/** Nodes register with the status the kubelet reports. */
export class NodeStrategy extends Strategy {
  override initialStatus(_obj: KObject): unknown {
    return undefined;
  }
}

export class PhasePendingStrategy extends Strategy {
  override initialStatus(): unknown {
    return { phase: 'Pending' };
  }
}
