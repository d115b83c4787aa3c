// Accessors over the generated field table (generated.ts) plus our hand-written retired kinds.
// Message schemas are built lazily on first use and cached for the process lifetime; callers
// must treat them as immutable.
import { MESSAGES, type FieldTuple } from './generated.js';
import { RETIRED_MESSAGES } from './retired-kinds.js';

export type ScalarType = 'string' | 'int32' | 'int64' | 'bool' | 'bytes';

/**
 * Messages whose JSON form is not an object of their protobuf fields.
 * quantity → string; int-or-string → number|string; time → RFC3339 seconds (null when zero);
 * micro-time → RFC3339 with microseconds; duration → Go duration string ("1m30s");
 * raw-extension / fields-v1 → arbitrary JSON; string-list → string[] (ExtraValue, Verbs).
 */
export type SpecialType =
  | 'quantity' | 'int-or-string' | 'time' | 'micro-time' | 'duration'
  | 'raw-extension' | 'fields-v1' | 'string-list';

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const SPECIALS: ReadonlyMap<string, SpecialType> = new Map<string, SpecialType>([
  ['k8s.io.apimachinery.pkg.api.resource.Quantity', 'quantity'],
  ['k8s.io.apimachinery.pkg.util.intstr.IntOrString', 'int-or-string'],
  [`${META}.Time`, 'time'],
  [`${META}.MicroTime`, 'micro-time'],
  [`${META}.Duration`, 'duration'],
  ['k8s.io.apimachinery.pkg.runtime.RawExtension', 'raw-extension'],
  [`${META}.FieldsV1`, 'fields-v1'],
  [`${META}.Verbs`, 'string-list'],
  ['k8s.io.api.authorization.v1.ExtraValue', 'string-list'],
  ['k8s.io.api.authentication.v1.ExtraValue', 'string-list'],
  ['k8s.io.api.certificates.v1.ExtraValue', 'string-list'],
]);

export interface FieldSchema {
  /** JSON name (Go json tag name; equals the proto name almost everywhere). */
  readonly json: string;
  /** Protobuf field number. */
  readonly num: number;
  /** Scalar name or full message name (`k8s.io.api.apps.v1.DeploymentSpec`). For maps: the value type. */
  readonly type: string;
  /** Set when `type` is a scalar. */
  readonly scalar: ScalarType | undefined;
  /** Set when `type` is a message with a special JSON form. */
  readonly special: SpecialType | undefined;
  readonly repeated: boolean;
  /** map<string, type>; on the wire a repeated entry message {1: key, 2: value}. */
  readonly map: boolean;
  /** Go pointer: absent on the wire when nil, so an explicit zero is meaningful. */
  readonly pointer: boolean;
  readonly omitempty: boolean;
  /** Embedded struct: its fields appear at this level in JSON. */
  readonly inline: boolean;
  /** json:"-": the field has no JSON name of its own (raw bytes of special types). */
  readonly noJson: boolean;
}

export interface MessageSchema {
  readonly name: string;
  /** Fields in Go struct order. */
  readonly fields: readonly FieldSchema[];
  /** Sparse, indexed by proto number. */
  readonly byNumber: readonly (FieldSchema | undefined)[];
  /** JSON names valid at this level of the object, inline fields flattened in. */
  readonly byJson: ReadonlyMap<string, FieldSchema>;
}

const SCALARS: ReadonlySet<string> = new Set(['string', 'int32', 'int64', 'bool', 'bytes']);
const cache = new Map<string, MessageSchema>();

function tuplesOf(name: string): readonly FieldTuple[] | undefined {
  return Object.prototype.hasOwnProperty.call(MESSAGES, name) ? MESSAGES[name]
    : Object.prototype.hasOwnProperty.call(RETIRED_MESSAGES, name) ? RETIRED_MESSAGES[name] : undefined;
}

function toField(t: FieldTuple): FieldSchema {
  const [json, num, type, flags] = t;
  return {
    json, num, type,
    scalar: SCALARS.has(type) ? type as ScalarType : undefined,
    special: SPECIALS.get(type),
    repeated: (flags & 1) !== 0,
    map: (flags & 2) !== 0,
    pointer: (flags & 4) !== 0,
    omitempty: (flags & 8) !== 0,
    inline: (flags & 16) !== 0,
    noJson: (flags & 32) !== 0,
  };
}

/** The schema of a message by full name, or undefined when we do not know it. */
export function getMessage(name: string): MessageSchema | undefined {
  const hit = cache.get(name);
  if (hit) return hit;
  const tuples = tuplesOf(name);
  if (!tuples) return undefined;
  const fields = tuples.map(toField);
  const byNumber: (FieldSchema | undefined)[] = [];
  for (const f of fields) byNumber[f.num] = f;
  const byJson = new Map<string, FieldSchema>();
  // Register before flattening inline children so a (theoretical) cycle terminates.
  const schema: MessageSchema = { name, fields, byNumber, byJson };
  cache.set(name, schema);
  for (const f of fields) {
    if (f.noJson) continue;
    if (f.inline && !f.scalar) {
      const inner = getMessage(f.type);
      if (inner) for (const [k, v] of inner.byJson) byJson.set(k, v);
    } else {
      byJson.set(f.json, f);
    }
  }
  return schema;
}

/** The special JSON form of a message type, if any. */
export function specialOf(type: string): SpecialType | undefined {
  return SPECIALS.get(type);
}

export function hasMessage(name: string): boolean {
  return tuplesOf(name) !== undefined;
}

/** Every known message name (generated and hand-written), sorted. */
export function messageNames(): string[] {
  return [...Object.keys(MESSAGES), ...Object.keys(RETIRED_MESSAGES)].sort();
}

/** Protobuf package of an API group: `core` for "", else the group's first DNS label. */
export function protoPackageOf(group: string): string {
  if (group === '') return 'core';
  const dot = group.indexOf('.');
  return dot < 0 ? group : group.slice(0, dot);
}

/**
 * The message for a built-in kind, e.g. ('apps','v1','Deployment') → 'k8s.io.api.apps.v1.Deployment';
 * undefined when the group/version/kind is not a known built-in (custom resources, typos).
 */
export function messageFor(group: string, version: string, kind: string): string | undefined {
  if (group === 'meta.k8s.io' || META_KINDS.has(kind)) {
    // Options, Status and WatchEvent are meta/v1 kinds registered in every group version
    // (metav1.AddToGroupVersion): a DeleteOptions body arrives as "v1" or "apps/v1".
    const meta = `${META}.${kind}`;
    if (tuplesOf(meta) && (version === 'v1' || group === 'meta.k8s.io' || META_KINDS.has(kind))) return meta;
    if (group === 'meta.k8s.io') return undefined;
  }
  const name = `k8s.io.api.${protoPackageOf(group)}.${version}.${kind}`;
  return tuplesOf(name) ? name : undefined;
}

/** Kinds of meta.k8s.io/v1 that every group version also serves under its own apiVersion. */
const META_KINDS: ReadonlySet<string> = new Set([
  'DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions', 'GetOptions', 'ListOptions', 'Status', 'WatchEvent',
]);

/** Splits "apps/v1" → {group:'apps', version:'v1'}; "v1" → {group:'', version:'v1'}. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
