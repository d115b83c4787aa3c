// Public surface of the CRD schema library: the checks a CRD's openAPIV3Schema must pass, and,
// per schema, validation, pruning and defaulting of custom objects (README.md).

import type { FieldError } from '../status.js';
import { checkCrdSchema } from './crd-checks.js';
import { applyDefaultsTo, pruneValue } from './prune-default.js';
import { compileNode, type JSONSchemaProps } from './schema-node.js';
import { validateValue } from './validate.js';

export type { JSONSchemaProps } from './schema-node.js';
export type { CrdSchemaReport } from './crd-checks.js';

/** Upstream's structural-schema + CRD-schema checks; paths under basePath, e.g. spec.versions[0].schema.openAPIV3Schema */
export function validateCrdSchema(schema: JSONSchemaProps, basePath: string): FieldError[] {
  return checkCrdSchema(schema, basePath).errors;
}

/** The same checks with upstream's warnings (unrecognized formats), for the API's Warning headers. */
export function checkCrdSchemaWithWarnings(schema: JSONSchemaProps, basePath: string): { errors: FieldError[]; warnings: string[] } {
  return checkCrdSchema(schema, basePath);
}

export interface CompiledSchema {
  /** Types, formats, enums, bounds, list types, embedded resources, then CEL rules (transition rules when oldObj is given). */
  validate(obj: unknown, oldObj?: unknown): FieldError[];
  /** Removes unknown fields in place, returns their paths (`spec.foo`, `spec.items[0].bar`), sorted. */
  prune(obj: unknown): string[];
  /** In place, from `default` (deep copies); drops nulls of non-nullable fields without a default. */
  applyDefaults(obj: unknown): void;
}

/** Compiles a schema once (patterns, CEL programs); the result is reused for every object. */
export function compileSchema(schema: JSONSchemaProps): CompiledSchema {
  const root = compileNode(schema);
  return {
    validate: (obj, oldObj) => validateValue(root, obj, oldObj),
    prune: (obj) => pruneValue(root, obj),
    applyDefaults: (obj) => applyDefaultsTo(root, obj),
  };
}
