// Column-definition shorthands and cell helpers shared by the per-kind printers.
// Descriptions are our own short wording; kubectl only shows column names.

import type { KObject } from '../types/index.js';
import type { ColumnDefinition, ColumnType } from './types.js';
import { arr, str } from './json-read.js';
import { timestampSince } from './human-duration.js';

export function col(name: string, type: ColumnType, description: string, priority = 0): ColumnDefinition {
  return { name, type, format: '', description, priority };
}

export const wide = (name: string, type: ColumnType, description: string): ColumnDefinition => col(name, type, description, 1);

export const NAME: ColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name of the object, unique within its namespace.',
  priority: 0,
};

export const AGE: ColumnDefinition = col('Age', 'string', 'Time since the object was created (metadata.creationTimestamp).');

export const CONTAINERS = wide('Containers', 'string', 'Names of each container in the template.');
export const IMAGES = wide('Images', 'string', 'Images referenced by each container in the template.');
export const SELECTOR = wide('Selector', 'string', 'Label query over the pods this object manages.');

export const name = (o: KObject): string => o.metadata.name ?? '';
export const age = (o: KObject, now: number): string => timestampSince(o.metadata.creationTimestamp, now);

/** layoutContainerCells: container names and images, each joined with ",". */
export function containerCells(podSpec: unknown): [string, string] {
  const cs = arr(podSpec, 'containers');
  return [cs.map((c) => str(c, 'name')).join(','), cs.map((c) => str(c, 'image')).join(',')];
}

/** Status of the first condition of `type`, or undefined (upstream stops at the first match). */
export function conditionStatus(obj: unknown, type: string, ...path: string[]): string | undefined {
  for (const c of arr(obj, ...path)) if (str(c, 'type') === type) return str(c, 'status');
  return undefined;
}

/** Joins up to `max` items with "," and reports the rest as ` + N more...`; "<unset>" when empty. */
export function listWithMore(items: readonly string[], total: number, max: number): string {
  const s = items.slice(0, max).join(',');
  if (total > max) return `${s} + ${total - max} more...`;
  return s === '' ? '<unset>' : s;
}

/** Go's net.JoinHostPort: IPv6 hosts are bracketed. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Load-balancer ingress points (IP, else hostname), de-duplicated and sorted, joined with ",". */
export function loadBalancerIngress(status: unknown): string {
  const set = new Set<string>();
  for (const i of arr(status, 'ingress')) {
    const v = str(i, 'ip') || str(i, 'hostname');
    if (v) set.add(v);
  }
  return [...set].sort().join(',');
}
