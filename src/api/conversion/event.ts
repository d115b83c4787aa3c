// Event: core/v1 ⇄ events.k8s.io/v1. A pure field rename; both are views of one stored type.

import type { Obj } from './util.js';
import { rename } from './util.js';

/** [core/v1 name, events.k8s.io/v1 name] */
const FIELD_MAP: ReadonlyArray<readonly [string, string]> = [
  ['involvedObject', 'regarding'],
  ['source', 'deprecatedSource'],
  ['reportingComponent', 'reportingController'],
  ['message', 'note'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];

export function eventToEventsV1(o: Obj): void {
  for (const [core, ev] of FIELD_MAP) rename(o, core, ev);
}

export function eventToCoreV1(o: Obj): void {
  for (const [core, ev] of FIELD_MAP) rename(o, ev, core);
}
