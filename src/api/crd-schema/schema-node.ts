// The compiled form of a CRD's openAPIV3Schema: one SchemaNode per schema object, built once per
// CRD version so that validate/prune/default walk plain fields instead of re-reading the JSON.
// Nothing here throws on a malformed schema: validateCrdSchema reports those; compileSchema
// keeps going with what it can read (a bad pattern or rule surfaces as an error at validate).

import { isPlainObject } from '../types/index.js';
import { compilePattern, type CompiledPattern } from './pattern.js';
import { compileRules, type CompiledRule } from './cel-rules.js';

export type JSONSchemaProps = Record<string, unknown>;

export interface SchemaNode {
  readonly raw: JSONSchemaProps;
  /** `type` as written ('' when absent). */
  readonly type: string;
  readonly nullable: boolean;
  readonly format: string;
  readonly intOrString: boolean;
  readonly preserveUnknown: boolean;
  readonly embedded: boolean;
  readonly listType: string;
  readonly listMapKeys: readonly string[];
  readonly enumValues?: readonly unknown[];
  readonly pattern?: CompiledPattern;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum: boolean;
  readonly exclusiveMaximum: boolean;
  readonly multipleOf?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems: boolean;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly required: readonly string[];
  readonly properties?: ReadonlyMap<string, SchemaNode>;
  /** A schema, `true` (any value kept) or `false`; undefined when not given. */
  readonly additionalProperties?: SchemaNode | boolean;
  readonly items?: SchemaNode;
  readonly allOf: readonly SchemaNode[];
  readonly anyOf: readonly SchemaNode[];
  readonly oneOf: readonly SchemaNode[];
  readonly not?: SchemaNode;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  readonly rules: readonly CompiledRule[];
  /** Some value at or below this node may be an integer CEL must see as an int (bigint). */
  readonly celInts: boolean;
}

function num(v: unknown): number | undefined { return typeof v === 'number' && Number.isFinite(v) ? v : undefined; }
function strOf(v: unknown): string { return typeof v === 'string' ? v : ''; }

export function compileNode(raw: JSONSchemaProps): SchemaNode {
  const props = isPlainObject(raw.properties) ? raw.properties : undefined;
  let properties: Map<string, SchemaNode> | undefined;
  if (props) {
    properties = new Map();
    for (const [k, v] of Object.entries(props)) if (isPlainObject(v)) properties.set(k, compileNode(v));
  }
  const ap = raw.additionalProperties;
  const additionalProperties = typeof ap === 'boolean' ? ap : isPlainObject(ap) ? compileNode(ap) : undefined;
  const itemsRaw = raw.items;
  const items = isPlainObject(itemsRaw) ? compileNode(itemsRaw) : undefined;
  const list = (v: unknown): SchemaNode[] => (Array.isArray(v) ? v.filter(isPlainObject).map((s) => compileNode(s)) : []);
  const pattern = typeof raw.pattern === 'string' && raw.pattern !== '' ? compilePattern(raw.pattern) : undefined;
  const type = strOf(raw.type);
  const intOrString = raw['x-kubernetes-int-or-string'] === true;
  const preserveUnknown = raw['x-kubernetes-preserve-unknown-fields'] === true;
  const celInts = type === 'integer' || intOrString || preserveUnknown || type === ''
    || (items?.celInts ?? false) || (typeof additionalProperties === 'object' && additionalProperties.celInts)
    || [...(properties?.values() ?? [])].some((c) => c.celInts);
  return {
    raw,
    celInts,
    type,
    nullable: raw.nullable === true,
    format: strOf(raw.format),
    intOrString,
    preserveUnknown,
    embedded: raw['x-kubernetes-embedded-resource'] === true,
    listType: strOf(raw['x-kubernetes-list-type']),
    listMapKeys: Array.isArray(raw['x-kubernetes-list-map-keys']) ? raw['x-kubernetes-list-map-keys'].filter((k): k is string => typeof k === 'string') : [],
    enumValues: Array.isArray(raw.enum) ? raw.enum : undefined,
    pattern,
    minimum: num(raw.minimum),
    maximum: num(raw.maximum),
    exclusiveMinimum: raw.exclusiveMinimum === true,
    exclusiveMaximum: raw.exclusiveMaximum === true,
    multipleOf: num(raw.multipleOf),
    minLength: num(raw.minLength),
    maxLength: num(raw.maxLength),
    minItems: num(raw.minItems),
    maxItems: num(raw.maxItems),
    uniqueItems: raw.uniqueItems === true,
    minProperties: num(raw.minProperties),
    maxProperties: num(raw.maxProperties),
    required: Array.isArray(raw.required) ? raw.required.filter((k): k is string => typeof k === 'string') : [],
    properties,
    additionalProperties,
    items,
    allOf: list(raw.allOf),
    anyOf: list(raw.anyOf),
    oneOf: list(raw.oneOf),
    not: isPlainObject(raw.not) ? compileNode(raw.not) : undefined,
    hasDefault: 'default' in raw && raw.default !== undefined,
    defaultValue: raw.default,
    rules: compileRules(raw['x-kubernetes-validations'], type, raw),
  };
}

/** The JSON type name of a value, as kube-openapi names what it found ("integer" for integral numbers). */
export function jsonTypeOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'bigint') return 'integer';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/** The type a schema accepts, as kube-openapi joins it in messages ("integer,string" for int-or-string). */
export function schemaTypeName(n: SchemaNode): string {
  return n.intOrString ? 'integer,string' : n.type;
}

// ---- field paths in upstream's form ----
// Object validation names children `a.b`, list items `a[0]`; CRD schema paths use
// `properties[a]` keys. The root is the empty path.

export function childPath(base: string, key: string): string { return base ? `${base}.${key}` : key; }
export function indexPath(base: string, i: number): string { return `${base}[${i}]`; }
export function keyPath(base: string, key: string): string { return `${base}[${key}]`; }
