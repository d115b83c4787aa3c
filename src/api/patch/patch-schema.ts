// Per-kind metadata that patching needs and plain JSON lacks.
//
// A schema is a tree addressed by field names. List items do not add a path
// element: the path of a container's `env` is
// ['spec', 'template', 'spec', 'containers', 'env'].
//
// Two vocabularies live side by side, because upstream keeps both on the same Go
// struct fields:
//  * strategic merge patch: `patchStrategy` / `patchMergeKey` struct tags;
//  * server-side apply: `+listType` / `+listMapKey` / `+mapType` / `+structType`
//    markers. Lists without a listType are atomic; maps are granular unless
//    marked atomic.

export type PatchStrategy = 'merge' | 'retainKeys' | 'merge,retainKeys' | 'replace';

/** What strategic merge patch needs to know about one field. */
export interface SmpFieldInfo {
  readonly strategy?: PatchStrategy;
  readonly mergeKey?: string;
}

export type ListType = 'atomic' | 'set' | 'map';

/** What server-side apply needs to know about one field. */
export interface SsaFieldInfo {
  readonly listType?: ListType;
  /** Key fields of a `map` list, e.g. ['containerPort', 'protocol']. */
  readonly listMapKeys?: readonly string[];
  /** Values for key fields an item may omit (upstream: schema defaults), e.g. {protocol: 'TCP'}. */
  readonly keyDefaults?: Readonly<Record<string, string | number | boolean>>;
  /** `atomic` for maps/structs owned and replaced as a whole (e.g. LabelSelector). */
  readonly mapType?: 'atomic' | 'granular';
}

export interface SchemaNode extends SmpFieldInfo, SsaFieldInfo {
  readonly fields?: Readonly<Record<string, SchemaNode>>;
}

export interface PatchSchema {
  /** Root of the tree; walkers descend with `childSchema`. */
  readonly root: SchemaNode;
  /** SMP strategy of the field at `path`, if it has one. */
  strategyAt(path: readonly string[]): SmpFieldInfo | undefined;
  /** All metadata of the field at `path`, if any is known. */
  fieldAt(path: readonly string[]): SchemaNode | undefined;
}

/** The node for field `name` under `node`; undefined when nothing is known. */
export function childSchema(node: SchemaNode | undefined, name: string): SchemaNode | undefined {
  const f = node?.fields;
  if (!f || !Object.prototype.hasOwnProperty.call(f, name)) return undefined;
  return f[name];
}

export function patchSchemaFromTree(root: SchemaNode): PatchSchema {
  const fieldAt = (path: readonly string[]): SchemaNode | undefined => {
    let n: SchemaNode | undefined = root;
    for (const p of path) {
      n = childSchema(n, p);
      if (!n) return undefined;
    }
    return n;
  };
  return {
    root,
    fieldAt,
    strategyAt(path) {
      const n = fieldAt(path);
      if (!n || (n.strategy === undefined && n.mergeKey === undefined)) return undefined;
      return { strategy: n.strategy, mergeKey: n.mergeKey };
    },
  };
}

/** A schema that knows nothing: SMP replaces every list, SSA treats lists as atomic. */
export const EMPTY_PATCH_SCHEMA: PatchSchema = patchSchemaFromTree({});

/** Deep-merges schema trees; later trees win on conflicting leaf metadata. */
export function mergeSchemaTrees(...trees: SchemaNode[]): SchemaNode {
  const out: { -readonly [K in keyof SchemaNode]: SchemaNode[K] } = {};
  const fields: Record<string, SchemaNode[]> = {};
  for (const t of trees) {
    const { fields: f, ...meta } = t;
    Object.assign(out, meta);
    if (f) {
      for (const k of Object.keys(f)) (fields[k] ??= []).push(f[k]);
    }
  }
  const keys = Object.keys(fields);
  if (keys.length) {
    const merged: Record<string, SchemaNode> = {};
    for (const k of keys) merged[k] = mergeSchemaTrees(...fields[k]);
    out.fields = merged;
  }
  return out;
}

/** Nests `node` under the field path `path` (no list elements in paths). */
export function schemaAt(path: readonly string[], node: SchemaNode): SchemaNode {
  let n = node;
  for (let i = path.length - 1; i >= 0; i--) n = { fields: { [path[i]]: n } };
  return n;
}
