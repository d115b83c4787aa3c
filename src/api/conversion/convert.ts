// convert(): moves an object between served versions of the same resource. Pure: the
// input is deep-copied first. Known schema changes are handled by the per-kind modules;
// other version pairs within a group only get their apiVersion relabelled.

import type { KObject } from '../types/index.js';
import type { Obj } from './util.js';
import { splitApiVersion } from './util.js';
import { ingressToV1, ingressToV1beta1 } from './ingress.js';
import { hpaToV1, hpaToV2 } from './hpa.js';
import { eventToCoreV1, eventToEventsV1 } from './event.js';
import { ERR_CONVERSION_FAILED } from '../../util/error-codes.js';

export class ConversionError extends Error {
  readonly code = ERR_CONVERSION_FAILED;
  constructor(message: string) {
    super(message);
    this.name = 'ConversionError';
  }
}

/** Groups that serve the same Kind with a different schema; conversion may cross these. */
const EQUIVALENT_GROUPS: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['networking.k8s.io', 'extensions']),
  new Set(['', 'events.k8s.io']),
];

function sameResourceFamily(a: string, b: string): boolean {
  return a === b || EQUIVALENT_GROUPS.some((s) => s.has(a) && s.has(b));
}

/** Returns a copy of `obj` expressed in `toApiVersion`. Throws ConversionError for unrelated groups. */
export function convert(o: KObject, toApiVersion: string): KObject {
  const out = structuredClone(o) as KObject;
  const from = splitApiVersion(o.apiVersion ?? '');
  const to = splitApiVersion(toApiVersion);
  if ((o.apiVersion ?? '') === toApiVersion) return out;
  if (!sameResourceFamily(from.group, to.group)) {
    throw new ConversionError(`cannot convert ${o.kind ?? 'object'} from ${o.apiVersion ?? '<none>'} to ${toApiVersion}`);
  }
  const body = out as Obj;
  switch (o.kind) {
    case 'Ingress':
      if (from.version === 'v1beta1' && to.version === 'v1') ingressToV1(body);
      else if (from.version === 'v1' && to.version === 'v1beta1') ingressToV1beta1(body);
      break;
    case 'HorizontalPodAutoscaler':
      if (from.version === 'v1' && to.version !== 'v1') hpaToV2(body);
      else if (from.version !== 'v1' && to.version === 'v1') hpaToV1(body);
      break;
    case 'Event':
      if (from.group === '' && to.group === 'events.k8s.io') eventToEventsV1(body);
      else if (from.group === 'events.k8s.io' && to.group === '') eventToCoreV1(body);
      break;
    default:
      break;
  }
  out.apiVersion = toApiVersion;
  return out;
}
