// Server-side apply's view of a custom resource: the list types, list-map keys and map types
// its CRD's openAPIV3Schema declares (x-kubernetes-list-type, -list-map-keys, -map-type),
// over ObjectMeta's metadata. Fields the schema leaves unmarked behave as upstream's deduced
// type: maps granular, lists atomic.
import type { SchemaNode, ListType } from './patch-schema.js';
import { mergeSchemaTrees, patchSchemaFromTree, type PatchSchema } from './patch-schema.js';
import { patchSchemaFor } from './builtin-schemas.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function nodeOf(s: unknown, depth: number): SchemaNode {
  if (!isObj(s) || depth > 64) return {};
  const out: { -readonly [K in keyof SchemaNode]: SchemaNode[K] } = {};
  const lt = s['x-kubernetes-list-type'];
  if (lt === 'atomic' || lt === 'set' || lt === 'map') out.listType = lt as ListType;
  const keys = s['x-kubernetes-list-map-keys'];
  if (Array.isArray(keys) && keys.every((k) => typeof k === 'string')) out.listMapKeys = keys as string[];
  const mt = s['x-kubernetes-map-type'];
  if (mt === 'atomic' || mt === 'granular') out.mapType = mt;
  // List items add no path element: their fields are the list's.
  const body = s.type === 'array' ? s.items : s;
  if (isObj(body) && isObj(body.properties)) {
    const fields: Record<string, SchemaNode> = {};
    for (const [k, v] of Object.entries(body.properties)) fields[k] = nodeOf(v, depth + 1);
    out.fields = fields;
  }
  if (s.type === 'array' && isObj(s.items)) {
    const item = nodeOf(s.items, depth + 1);
    if (item.mapType && !out.mapType) out.mapType = item.mapType;
  }
  return out;
}

/** The patch schema of a custom resource from its version's openAPIV3Schema. */
export function patchSchemaFromOpenApi(group: string, kind: string, openAPIV3Schema: unknown): PatchSchema {
  const root = nodeOf(openAPIV3Schema, 0);
  const { metadata: _ignored, ...fields } = root.fields ?? {};
  return patchSchemaFromTree(mergeSchemaTrees(patchSchemaFor(group, kind).root, { ...root, fields }));
}
