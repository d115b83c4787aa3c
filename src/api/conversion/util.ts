// Shared helpers for version conversion. Converters receive a private deep copy and may
// rearrange it freely; callers never see their input mutated.

import { isPlainObject } from '../types/index.js';

export type Obj = Record<string, unknown>;

export function obj(v: unknown): Obj | undefined { return isPlainObject(v) ? v : undefined; }

/** Moves `o[from]` to `o[to]` (no-op when absent). */
export function rename(o: Obj, from: string, to: string): void {
  if (!(from in o)) return;
  const v = o[from];
  delete o[from];
  if (v !== undefined) o[to] = v;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** Reads an annotation, removing it; drops the annotations map when it becomes empty. */
export function takeAnnotation(o: Obj, key: string): string | undefined {
  const meta = obj(o.metadata);
  const ann = meta && obj(meta.annotations);
  if (!ann || typeof ann[key] !== 'string') return undefined;
  const v = ann[key] as string;
  delete ann[key];
  if (meta && Object.keys(ann).length === 0) delete meta.annotations;
  return v;
}

export function putAnnotation(o: Obj, key: string, value: string): void {
  let meta = obj(o.metadata);
  if (!meta) { meta = {}; o.metadata = meta; }
  let ann = obj(meta.annotations);
  if (!ann) { ann = {}; meta.annotations = ann; }
  ann[key] = value;
}

export function parseJsonArray(s: string | undefined): unknown[] | undefined {
  if (s === undefined) return undefined;
  try { const v: unknown = JSON.parse(s); return Array.isArray(v) ? v : undefined; } catch { return undefined; }
}

export function parseJsonObject(s: string | undefined): Obj | undefined {
  if (s === undefined) return undefined;
  try { return obj(JSON.parse(s)); } catch { return undefined; }
}
