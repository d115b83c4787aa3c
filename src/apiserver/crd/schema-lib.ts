// The CRD schema library (api/crd-schema: structural checks, validation, pruning, defaulting,
// CEL) is loaded on first use, so a server without CRDs never loads it (idle RSS). Async
// paths (prepareForCreate/Update) load it; sync ones (validate) then find it loaded.
import type * as CrdSchemaLib from '../../api/crd-schema/index.js';
import { BugError } from '../../util/bug-error.js';

type Lib = typeof CrdSchemaLib;
let lib: Lib | undefined;
let loading: Promise<Lib> | undefined;

export async function loadSchemaLib(): Promise<Lib> {
  if (lib) return lib;
  loading ??= import('../../api/crd-schema/index.js').then((m) => (lib = m));
  return loading;
}

/** The library, which an async step of the same write has loaded. */
export function schemaLib(): Lib {
  if (!lib) throw new BugError('crd-schema used before loadSchemaLib()');
  return lib;
}

const compiled = new WeakMap<object, CrdSchemaLib.CompiledSchema>();

/** The compiled form of a version's openAPIV3Schema, cached per schema object. */
export function compiledSchema(schema: Record<string, unknown>): CrdSchemaLib.CompiledSchema {
  let c = compiled.get(schema);
  if (!c) {
    c = schemaLib().compileSchema(schema);
    compiled.set(schema, c);
  }
  return c;
}
