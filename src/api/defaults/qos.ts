// Pod QoS class (upstream GetPodQOS), which the registry stores in status.qosClass on create.
// Only cpu and memory count; ephemeral containers are ignored.

import type { KObject } from '../types/index.js';
import type { Quantity } from '../quantity/index.js';
import { addQuantities, compareQuantities, parseQuantity } from '../quantity/index.js';
import { eachObject, sub } from './util.js';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const QOS_RESOURCES = new Set(['cpu', 'memory']);
const ZERO = parseQuantity('0');

function positive(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    const q = parseQuantity(v);
    return compareQuantities(q, ZERO) > 0 ? q : undefined;
  } catch {
    return undefined;
  }
}

function accumulate(into: Map<string, Quantity>, name: string, q: Quantity): void {
  const cur = into.get(name);
  into.set(name, cur ? addQuantities(cur, q) : q);
}

export function podQOSClass(pod: Pick<KObject, 'spec'> | KObject): QOSClass {
  const spec = sub(pod, 'spec');
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const visit = (c: Record<string, unknown>): void => {
    const res = sub(c, 'resources');
    const req = res && sub(res, 'requests');
    const lim = res && sub(res, 'limits');
    if (req) for (const [k, v] of Object.entries(req)) { const q = QOS_RESOURCES.has(k) ? positive(v) : undefined; if (q) accumulate(requests, k, q); }
    const found = new Set<string>();
    if (lim) for (const [k, v] of Object.entries(lim)) { const q = QOS_RESOURCES.has(k) ? positive(v) : undefined; if (q) { found.add(k); accumulate(limits, k, q); } }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  };
  if (spec) { eachObject(spec.containers, visit); eachObject(spec.initContainers, visit); }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [k, req] of requests) {
      const lim = limits.get(k);
      if (!lim || compareQuantities(lim, req) !== 0) { guaranteed = false; break; }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
