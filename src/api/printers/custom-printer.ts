// Tables of custom resources: a CRD version's additionalPrinterColumns after Name, or Age
// alone when it lists none (upstream's default). Cells come from the column's simple
// JSONPath; a missing value is a null cell (kubectl prints <none>); a `date` cell holding an
// RFC 3339 time is shown as the time since then (`5m`), as upstream's table convertor does.
import type { KObject } from '../types/index.js';
import type { PrinterColumn } from '../registry/index.js';
import type { Cell, ColumnDefinition, ColumnType, TablePrinter } from './types.js';
import { NAME, name } from './columns.js';
import { timestampSince } from './human-duration.js';

/** A CRD's additionalPrinterColumns entry, as the registry keeps it. */
export type CustomColumn = PrinterColumn;

const DEFAULT_AGE: CustomColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since the object was created (metadata.creationTimestamp).' };

/**
 * Values at a simple JSONPath (`.a.b`, `.a[0]`, `.a[*].b`, `.a['x.y']`), in document order;
 * an outer `{...}` template is allowed.
 */
export function evalSimpleJsonPath(obj: unknown, path: string): unknown[] {
  let p = path.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1);
  const steps = p.match(/\.[^.[\]]+|\[\d+\]|\[\*\]|\['[^']*'\]|\["[^"]*"\]/g) ?? [];
  let cur: unknown[] = [obj];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (s === '[*]') {
        if (Array.isArray(v)) next.push(...v);
        else if (v && typeof v === 'object') next.push(...Object.values(v));
      } else if (s.startsWith('[') && /^\[\d+\]$/.test(s)) {
        if (Array.isArray(v)) {
          const x = v[Number(s.slice(1, -1))];
          if (x !== undefined) next.push(x);
        }
      } else {
        const key = s.startsWith('[') ? s.slice(2, -2) : s.slice(1);
        if (v && typeof v === 'object' && !Array.isArray(v) && key in (v as object)) next.push((v as Record<string, unknown>)[key]);
      }
    }
    cur = next;
  }
  return cur;
}

function cellOf(values: unknown[], type: string, now: number): Cell {
  if (!values.length) return null as unknown as Cell;
  const v = values.length === 1 ? values[0] : values;
  if (v === null || v === undefined) return null as unknown as Cell;
  switch (type) {
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : (null as unknown as Cell);
    case 'number':
      return typeof v === 'number' ? v : (null as unknown as Cell);
    case 'boolean':
      return typeof v === 'boolean' ? v : (null as unknown as Cell);
    case 'date':
      if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return timestampSince(v, now);
      return typeof v === 'string' ? v : JSON.stringify(v);
    default:
      if (typeof v === 'string') return v;
      if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(',');
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}

/** The Table printer of one CRD version's columns. */
export function customResourcePrinter(columns: readonly CustomColumn[]): TablePrinter {
  const cols = columns.length ? columns : [DEFAULT_AGE];
  const defs: ColumnDefinition[] = [
    NAME,
    ...cols.map((c) => ({ name: c.name, type: c.type as ColumnType, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
  ];
  return {
    columns: defs,
    row(obj: KObject, now: number): Cell[] {
      return [name(obj), ...cols.map((c) => cellOf(evalSimpleJsonPath(obj, c.jsonPath), c.type, now))];
    },
  };
}
