// Conversion strategy None between the versions of a custom resource: only apiVersion
// changes. Reads in another version also get that version's defaults (upstream defaults on
// read from storage), when its schema has any and the schema library is loaded (it is, once
// the CRD is served).
import type { KObject } from '../../api/types/index.js';
import { apiVersionOf, type ResourceDef } from '../../api/registry/index.js';
import { compiledSchema } from './schema-lib.js';

const withDefaults = new WeakMap<object, boolean>();

function hasDefaults(schema: Record<string, unknown>): boolean {
  let v = withDefaults.get(schema);
  if (v === undefined) withDefaults.set(schema, (v = JSON.stringify(schema).includes('"default"')));
  return v;
}

export function customToVersion(obj: Readonly<KObject>, target: ResourceDef): KObject {
  const schema = target.custom?.schema;
  const out: KObject = { ...obj, apiVersion: apiVersionOf(target.group, target.version) };
  if (schema && hasDefaults(schema)) {
    const copy = structuredClone(out);
    compiledSchema(schema).applyDefaults(copy);
    return copy;
  }
  return out;
}

/**
 * Defaulting on read from storage, as upstream: each object entering the watch cache gets the
 * storage version's defaults (fields a newer schema added defaults for appear without a write).
 */
export function storageDefaulter(storage: ResourceDef): ((obj: KObject) => void) | undefined {
  const schema = storage.custom?.schema;
  if (!schema || !hasDefaults(schema)) return undefined;
  const c = compiledSchema(schema);
  return (obj) => c.applyDefaults(obj);
}
