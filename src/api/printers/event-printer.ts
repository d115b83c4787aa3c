// Events, for both core/v1 and events.k8s.io/v1 objects. Upstream prints both through the
// internal Event type; here each shape is read into one view first:
//
//   core/v1           events.k8s.io/v1
//   involvedObject    regarding
//   message           note
//   firstTimestamp    deprecatedFirstTimestamp
//   lastTimestamp     deprecatedLastTimestamp
//   count             deprecatedCount
//   source            deprecatedSource
//
// LAST SEEN prefers series.lastObservedTime, then lastTimestamp, then the first-seen time
// (firstTimestamp, else eventTime). COUNT prefers series.count; 0 is shown as 1.

import type { KObject } from '../types/index.js';
import type { TablePrinter } from './types.js';
import { NAME, col, name, wide } from './columns.js';
import { at, has, int, rec, str } from './json-read.js';
import { parseTime, timestampSince } from './human-duration.js';

interface EventView {
  involved: Record<string, unknown>;
  message: string;
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  count: number;
  sourceComponent: string;
  sourceHost: string;
}

function view(o: KObject, eventsGroup: boolean): EventView {
  // Accept either shape under either group: storage may hold one and serve the other.
  const pick = (core: string, ev: string): unknown => {
    const [a, b] = eventsGroup ? [ev, core] : [core, ev];
    const v = at(o, a);
    return v === undefined || v === null || v === '' ? at(o, b) : v;
  };
  const involved = pick('involvedObject', 'regarding');
  const source = pick('source', 'deprecatedSource');
  const count = pick('count', 'deprecatedCount');
  const message = pick('message', 'note');
  return {
    involved: (typeof involved === 'object' && involved !== null && !Array.isArray(involved) ? involved : {}) as Record<string, unknown>,
    message: typeof message === 'string' ? message : '',
    firstTimestamp: pick('firstTimestamp', 'deprecatedFirstTimestamp'),
    lastTimestamp: pick('lastTimestamp', 'deprecatedLastTimestamp'),
    count: typeof count === 'number' ? Math.trunc(count) : 0,
    sourceComponent: str(source, 'component'),
    sourceHost: str(source, 'host'),
  };
}

/** OBJECT column: `kind/name` with the kind lower-cased, or just the kind. */
export function eventObject(involved: Record<string, unknown>): string {
  const kind = str(involved, 'kind').toLowerCase();
  const n = str(involved, 'name');
  return n ? `${kind}/${n}` : kind;
}

/** SOURCE column: component (else reportingController), then `, host` (else reportingInstance). */
function eventSource(v: EventView, o: KObject): string {
  const component = v.sourceComponent || str(o, 'reportingController');
  const instance = v.sourceHost || str(o, 'reportingInstance');
  return instance ? `${component}, ${instance}` : component;
}

function eventRow(eventsGroup: boolean) {
  return (o: KObject, now: number) => {
    const v = view(o, eventsGroup);
    const first = parseTime(v.firstTimestamp) !== undefined ? timestampSince(v.firstTimestamp, now) : timestampSince(at(o, 'eventTime'), now);
    let last = parseTime(v.lastTimestamp) !== undefined ? timestampSince(v.lastTimestamp, now) : first;
    let count = v.count;
    if (has(o, 'series')) {
      last = timestampSince(at(o, 'series', 'lastObservedTime'), now);
      count = int(rec(o, 'series'), 'count');
    } else if (count === 0) {
      count = 1;
    }
    return [
      last, str(o, 'type'), str(o, 'reason'), eventObject(v.involved), str(v.involved, 'fieldPath'),
      eventSource(v, o), v.message.trim(), first, count, name(o),
    ];
  };
}

const COLUMNS = [
  col('Last Seen', 'string', 'Time since the event was last observed.'),
  col('Type', 'string', 'Type of the event (Normal, Warning).'),
  col('Reason', 'string', 'Short machine-readable reason for the event.'),
  col('Object', 'string', 'Object the event is about.'),
  wide('Subobject', 'string', 'Part of the object the event is about, e.g. a container.'),
  wide('Source', 'string', 'Component that reported the event.'),
  col('Message', 'string', 'Human-readable description of the event.'),
  wide('First Seen', 'string', 'Time since the event was first observed.'),
  wide('Count', 'string', 'Number of times the event occurred.'),
  { ...NAME, priority: 1 },
];

export const eventPrinter: TablePrinter = { columns: COLUMNS, row: eventRow(false) };
export const eventsV1EventPrinter: TablePrinter = { columns: COLUMNS, row: eventRow(true) };
