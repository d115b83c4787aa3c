// The label and field selectors of a LIST or WATCH as one predicate over objects of a kind,
// as the API server filters them. The fake client of the unit tests uses the same function,
// so a selector matches the same objects in a unit test as against the server.
import type { KObject } from '../types/index.js';
import { isEverything, matchesLabels } from './label-selector.js';
import { parseLabelSelector } from './label-parser.js';
import { parseFieldSelector } from './field-selector.js';
import { compileFieldSelector } from './field-sets.js';

/**
 * A predicate for the query's selectors (strings as in ?labelSelector= and ?fieldSelector=);
 * undefined when both select everything. Throws a 400 StatusError for a selector that does
 * not parse or a field the kind does not support.
 */
export function compileObjectSelector(
  group: string, kind: string, labelSelector: string | undefined, fieldSelector: string | undefined,
): ((o: Readonly<KObject>) => boolean) | undefined {
  const ls = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  const lsActive = ls && !isEverything(ls) ? ls : undefined;
  const fs = fieldSelector ? compileFieldSelector(group, kind, parseFieldSelector(fieldSelector)) : undefined;
  if (!lsActive && !fs) return undefined;
  return (o) => (!lsActive || matchesLabels(lsActive, o.metadata.labels)) && (!fs || fs(o as KObject));
}
