// OpenAPI v3 documents for `/openapi/v3` (index) and `/openapi/v3/<api|apis>/<g>/<v>`, built
// from the schema table. What clients rely on (kubectl-compat §2):
//  * every resource has its item path with a `patch` operation carrying
//    x-kubernetes-group-version-kind and a `fieldValidation` query parameter, so kubectl
//    leaves validation to the server (`?fieldValidation=Strict`);
//  * components.schemas has one schema per reachable message, named like upstream
//    (`io.k8s.api.apps.v1.Deployment`), top-level kinds tagged with their GVK, so
//    `kubectl explain` can walk fields and print their types;
//  * list fields carry the patch/list extensions of the Go types (list-metadata.ts), because
//    the patch requestBody advertises strategic-merge-patch and kubectl then computes
//    client-side-apply patches from these schemas.
// Output is deterministic: equal inputs give documents with equal key order, so
// openApiHash() is stable across restarts.
import { canonicalJson } from '../../util/canonical-json.js';
import { getMessage, messageFor, specialOf, type FieldSchema } from './schema.js';
import { listMetadataFor } from './list-metadata.js';
import { fieldDescription, kindDescription, topLevelFieldDescription } from './descriptions.js';

export interface OpenApiSubresource {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface OpenApiResource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  verbs: string[];
  subresources: OpenApiSubresource[];
  /** Custom resources: the CRD version's openAPIV3Schema, published as the kind's schema. */
  customSchema?: Record<string, unknown>;
}

/** Component name of a custom kind, as upstream: the group reversed, then version and kind. */
export function customSchemaName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export const OPENAPI_KUBERNETES_VERSION = 'v1.32.3';

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const STATUS_MESSAGE = `${META}.Status`;
const DELETE_OPTIONS_MESSAGE = `${META}.DeleteOptions`;
const OBJECT_META_MESSAGE = `${META}.ObjectMeta`;
const LIST_META_MESSAGE = `${META}.ListMeta`;
const PATCH_SCHEMA = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';
const CONNECT_SUBRESOURCES: ReadonlySet<string> = new Set(['exec', 'attach', 'portforward', 'proxy']);

/** The index path of a group-version: "api/v1" or "apis/apps/v1". */
export function openApiGvPath(gv: { group: string; version: string }): string {
  return gv.group === '' ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`;
}

/**
 * `/openapi/v3` body. `hashes` maps a GV path to its document hash; when present the URL
 * carries `?hash=`, which lets clients cache the document (served immutable).
 */
export function buildOpenApiV3Index(gvPaths: string[], hashes: Readonly<Record<string, string>> = {}): object {
  const paths: JsonObject = {};
  for (const p of [...new Set(gvPaths)].sort()) {
    const key = p.replace(/^\/+/, '');
    const hash = hashes[key];
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}${hash ? `?hash=${hash}` : ''}` };
  }
  return { paths };
}

/** OpenAPI component name of a message: `k8s.io.X` → `io.k8s.X`. */
export function schemaNameOf(message: string): string {
  return message.startsWith('k8s.io.') ? `io.k8s.${message.slice('k8s.io.'.length)}` : message;
}

function ref(message: string): JsonObject {
  return { $ref: `#/components/schemas/${schemaNameOf(message)}` };
}

// ---- schemas --------------------------------------------------------------------------------

interface Gvk { group: string; version: string; kind: string }

class SchemaCollector {
  readonly schemas = new Map<string, JsonObject>();
  readonly gvks = new Map<string, Gvk[]>();
  private readonly pending: string[] = [];

  /** Marks `message` as a top-level kind with `gvk`; returns false when it has no schema. */
  addKind(message: string | undefined, gvk: Gvk): boolean {
    if (message === undefined || getMessage(message) === undefined) return false;
    const list = this.gvks.get(message) ?? [];
    if (!list.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) list.push(gvk);
    this.gvks.set(message, list);
    this.want(message);
    return true;
  }

  want(message: string): void {
    if (!this.schemas.has(message) && !this.pending.includes(message)) this.pending.push(message);
  }

  /** Builds every pending schema and, transitively, the messages they reference. */
  drain(): void {
    for (let m = this.pending.pop(); m !== undefined; m = this.pending.pop()) {
      if (this.schemas.has(m)) continue;
      this.schemas.set(m, {}); // placeholder, breaks reference cycles
      this.schemas.set(m, this.messageSchema(m));
    }
  }

  private messageSchema(message: string): JsonObject {
    const special = specialOf(message);
    if (special !== undefined) return specialSchema(special);
    const properties: Record<string, JsonObject> = {};
    this.collectProperties(message, properties);
    const gvks = this.gvks.get(message);
    const kind = gvks?.[0]?.kind;
    if (kind !== undefined) {
      properties.apiVersion = withDescription({ type: 'string' }, topLevelFieldDescription('apiVersion', kind));
      properties.kind = withDescription({ type: 'string' }, topLevelFieldDescription('kind', kind));
      for (const k of ['metadata', 'spec', 'status', 'items']) {
        const p = properties[k];
        const d = topLevelFieldDescription(k, kind);
        if (p !== undefined && d !== undefined && p.description === undefined) properties[k] = withDescription(p, d);
      }
    }
    const out: JsonObject = {};
    if (kind !== undefined) out.description = kindDescription(kind);
    out.properties = sortKeys(properties);
    out.type = 'object';
    if (gvks !== undefined) {
      out['x-kubernetes-group-version-kind'] = [...gvks]
        .sort((a, b) => `${a.group}/${a.version}/${a.kind}`.localeCompare(`${b.group}/${b.version}/${b.kind}`))
        .map((g) => ({ group: g.group, kind: g.kind, version: g.version }));
    }
    return out;
  }

  /** Adds the JSON properties of `message`, flattening inline (embedded) structs. */
  private collectProperties(message: string, into: Record<string, JsonObject>): void {
    const msg = getMessage(message);
    if (!msg) return;
    for (const f of msg.fields) {
      if (f.noJson) continue;
      if (f.inline && f.scalar === undefined) { this.collectProperties(f.type, into); continue; }
      into[f.json] = this.fieldSchema(message, f);
    }
  }

  private valueSchema(f: FieldSchema): JsonObject {
    switch (f.scalar) {
      case 'string': return { type: 'string' };
      case 'bytes': return { format: 'byte', type: 'string' };
      case 'bool': return { type: 'boolean' };
      case 'int32': return { format: 'int32', type: 'integer' };
      case 'int64': return { format: 'int64', type: 'integer' };
      case undefined: break;
    }
    if (f.special === 'string-list') return { items: { type: 'string' }, type: 'array' };
    this.want(f.type);
    return { allOf: [ref(f.type)] };
  }

  private fieldSchema(message: string, f: FieldSchema): JsonObject {
    const value = this.valueSchema(f);
    let s: JsonObject;
    if (f.map) s = { additionalProperties: value, type: 'object' };
    else if (f.repeated) s = { items: value, type: 'array' };
    else s = value;
    const d = fieldDescription(message, f.json);
    if (d !== undefined) s = withDescription(s, d);
    const lm = listMetadataFor(message, f.json);
    if (lm !== undefined) {
      s = { ...s };
      if (lm.mapKeys) s['x-kubernetes-list-map-keys'] = [...lm.mapKeys];
      if (lm.listType) s['x-kubernetes-list-type'] = lm.listType;
      if (lm.mergeKey) s['x-kubernetes-patch-merge-key'] = lm.mergeKey;
      if (lm.strategy) s['x-kubernetes-patch-strategy'] = lm.strategy;
      s = sortKeys(s);
    }
    return s;
  }
}

function specialSchema(special: NonNullable<ReturnType<typeof specialOf>>): JsonObject {
  switch (special) {
    case 'quantity': return { description: 'A fixed-point number with an optional SI or binary suffix, e.g. "500m", "1Gi", "2".', type: 'string' };
    case 'int-or-string': return { description: 'An integer or a string (e.g. a port number or name, a count or percentage).', format: 'int-or-string', type: 'string', 'x-kubernetes-int-or-string': true };
    case 'time': return { description: 'An RFC 3339 timestamp with second precision, in UTC.', format: 'date-time', type: 'string' };
    case 'micro-time': return { description: 'An RFC 3339 timestamp with microsecond precision, in UTC.', format: 'date-time', type: 'string' };
    case 'duration': return { description: 'A duration such as "1h30m" or "90s".', type: 'string' };
    case 'raw-extension': return { description: 'An embedded object of any kind.', type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    case 'fields-v1': return { description: 'The set of fields owned by a manager, in the FieldsV1 trie format.', type: 'object' };
    case 'string-list': return { items: { type: 'string' }, type: 'array' };
  }
}

function withDescription(s: JsonObject, d: string | undefined): JsonObject {
  return d === undefined ? s : sortKeys({ ...s, description: d });
}

function sortKeys<T extends Json>(o: { [k: string]: T }): { [k: string]: T } {
  const out: { [k: string]: T } = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

// ---- paths ------------------------------------------------------------------------------------

function queryParam(name: string, description: string, type: 'string' | 'integer' | 'boolean'): JsonObject {
  return { description, in: 'query', name, schema: { type, uniqueItems: true } };
}

const P = {
  dryRun: queryParam('dryRun', 'When present ("All"), the request is validated and processed but nothing is persisted.', 'string'),
  fieldManager: queryParam('fieldManager', 'Name of the actor making the change, recorded in managedFields.', 'string'),
  fieldValidation: queryParam('fieldValidation', 'How to treat unknown or duplicate fields in the body: Ignore, Warn (default) or Strict.', 'string'),
  force: queryParam('force', 'Take ownership of conflicting fields (apply patches only).', 'boolean'),
  gracePeriodSeconds: queryParam('gracePeriodSeconds', 'Seconds to wait before the object is deleted.', 'integer'),
  orphanDependents: queryParam('orphanDependents', 'Deprecated: use propagationPolicy.', 'boolean'),
  propagationPolicy: queryParam('propagationPolicy', 'Garbage collection of dependents: Orphan, Background or Foreground.', 'string'),
  allowWatchBookmarks: queryParam('allowWatchBookmarks', 'Ask for BOOKMARK events in watches.', 'boolean'),
  continue: queryParam('continue', 'Continue token from a previous paged list.', 'string'),
  fieldSelector: queryParam('fieldSelector', 'Restrict results by field values.', 'string'),
  labelSelector: queryParam('labelSelector', 'Restrict results by labels.', 'string'),
  limit: queryParam('limit', 'Maximum number of items to return in one page.', 'integer'),
  resourceVersion: queryParam('resourceVersion', 'Resource version constraint for the read.', 'string'),
  resourceVersionMatch: queryParam('resourceVersionMatch', 'How resourceVersion is applied: Exact or NotOlderThan.', 'string'),
  sendInitialEvents: queryParam('sendInitialEvents', 'Start a watch with synthetic events for the current state.', 'boolean'),
  timeoutSeconds: queryParam('timeoutSeconds', 'Timeout for list and watch calls.', 'integer'),
  watch: queryParam('watch', 'Stream changes instead of returning a list.', 'boolean'),
};

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

const PATH_NAME: JsonObject = { description: 'Name of the object.', in: 'path', name: 'name', required: true, schema: { type: 'string', uniqueItems: true } };
const PATH_NAMESPACE: JsonObject = { description: 'Namespace of the object.', in: 'path', name: 'namespace', required: true, schema: { type: 'string', uniqueItems: true } };
const PRETTY = queryParam('pretty', 'Pretty-print the output.', 'string');

const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
const RESPONSE_TYPES = ['application/json', 'application/vnd.kubernetes.protobuf', 'application/yaml'];

type SchemaRef = JsonObject;

function content(schema: SchemaRef, types: readonly string[]): JsonObject {
  const c: JsonObject = {};
  for (const t of types) c[t] = { schema };
  return c;
}

function responses(codes: readonly string[], schema: SchemaRef): JsonObject {
  const r: JsonObject = {};
  for (const code of codes) r[code] = { content: content(schema, RESPONSE_TYPES), description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK' };
  r['401'] = { description: 'Unauthorized' };
  return r;
}

interface OpInput {
  action: 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'connect';
  operationId: string;
  description: string;
  tag: string;
  gvk: Gvk;
  params: readonly JsonObject[];
  body?: JsonObject;
  responses: JsonObject;
}

function operation(o: OpInput): JsonObject {
  const op: JsonObject = { description: o.description, operationId: o.operationId };
  if (o.params.length > 0) op.parameters = [...o.params];
  if (o.body !== undefined) op.requestBody = o.body;
  op.responses = o.responses;
  op.tags = [o.tag];
  op['x-kubernetes-action'] = o.action;
  op['x-kubernetes-group-version-kind'] = { group: o.gvk.group, kind: o.gvk.kind, version: o.gvk.version };
  return op;
}

function tagOf(group: string, version: string): string {
  const g = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '').replace(/\./g, '_');
  return `${g}_${version}`;
}

function camel(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

function buildPaths(resources: readonly OpenApiResource[], collector: SchemaCollector, hasStatus: boolean): JsonObject {
  const paths = new Map<string, JsonObject>();
  const objectSchema: SchemaRef = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const statusSchema = hasStatus ? ref(STATUS_MESSAGE) : objectSchema;
  const deleteBody: JsonObject = { content: content(collector.schemas.has(DELETE_OPTIONS_MESSAGE) ? ref(DELETE_OPTIONS_MESSAGE) : objectSchema, ['*/*']) };
  const patchSchema: SchemaRef = { $ref: `#/components/schemas/${PATCH_SCHEMA}` };

  const addOp = (path: string, method: string, op: JsonObject, pathParams: readonly JsonObject[]): void => {
    let item = paths.get(path);
    if (item === undefined) { item = { parameters: [...pathParams, PRETTY] }; paths.set(path, item); }
    item[method] = op;
  };

  for (const r of resources) {
    const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind };
    const message = messageFor(r.group, r.version, r.kind);
    const known = message !== undefined && collector.schemas.has(message);
    const customName = r.customSchema ? customSchemaName(r.group, r.version, r.kind) : undefined;
    const objSchema = customName ? { $ref: `#/components/schemas/${customName}` } : known ? ref(message) : objectSchema;
    const listMessage = messageFor(r.group, r.version, `${r.kind}List`);
    const listSchema = customName ? { $ref: `#/components/schemas/${customName}List` } : listMessage !== undefined && collector.schemas.has(listMessage) ? ref(listMessage) : objectSchema;
    const prefix = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
    const nsPrefix = r.namespaced ? `${prefix}/namespaces/{namespace}` : prefix;
    const collection = `${nsPrefix}/${r.plural}`;
    const item = `${collection}/{name}`;
    const scopeParams = r.namespaced ? [PATH_NAMESPACE] : [];
    const itemParams = [PATH_NAME, ...scopeParams];
    const ns = r.namespaced ? 'Namespaced' : '';
    const tag = tagOf(r.group, r.version);
    const id = (verb: string, suffix = ''): string => `${verb}${camel(tag.replace(/_(.)/g, (_m, c: string) => c.toUpperCase()))}${ns}${r.kind}${suffix}`;
    const has = (v: string): boolean => r.verbs.includes(v);
    const patchTypes = known ? PATCH_TYPES : PATCH_TYPES.filter((t) => t !== 'application/strategic-merge-patch+json');
    const patchBody: JsonObject = { content: content(patchSchema, patchTypes), required: true };
    const writeBody: JsonObject = { content: content(objSchema, ['*/*']), required: true };

    if (has('list')) {
      addOp(collection, 'get', operation({ action: 'list', operationId: id('list'), description: `list or watch objects of kind ${r.kind}`, tag, gvk, params: LIST_PARAMS, responses: responses(['200'], listSchema) }), scopeParams);
      if (r.namespaced) {
        addOp(`${prefix}/${r.plural}`, 'get', operation({ action: 'list', operationId: `${id('list')}ForAllNamespaces`.replace(ns, ''), description: `list or watch objects of kind ${r.kind} in all namespaces`, tag, gvk, params: LIST_PARAMS, responses: responses(['200'], listSchema) }), []);
      }
    }
    if (has('create')) {
      addOp(collection, 'post', operation({ action: 'post', operationId: id('create'), description: `create a ${r.kind}`, tag, gvk, params: WRITE_PARAMS, body: writeBody, responses: responses(['200', '201', '202'], objSchema) }), scopeParams);
    }
    if (has('deletecollection')) {
      addOp(collection, 'delete', operation({ action: 'deletecollection', operationId: id('deleteCollection'), description: `delete collection of ${r.kind}`, tag, gvk, params: [...DELETE_PARAMS, ...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks')], body: deleteBody, responses: responses(['200'], statusSchema) }), scopeParams);
    }
    if (has('get')) {
      addOp(item, 'get', operation({ action: 'get', operationId: id('read'), description: `read the specified ${r.kind}`, tag, gvk, params: [], responses: responses(['200'], objSchema) }), itemParams);
    }
    if (has('update')) {
      addOp(item, 'put', operation({ action: 'put', operationId: id('replace'), description: `replace the specified ${r.kind}`, tag, gvk, params: WRITE_PARAMS, body: writeBody, responses: responses(['200', '201'], objSchema) }), itemParams);
    }
    if (has('patch')) {
      addOp(item, 'patch', operation({ action: 'patch', operationId: id('patch'), description: `partially update the specified ${r.kind}`, tag, gvk, params: [...WRITE_PARAMS, P.force], body: patchBody, responses: responses(['200', '201'], objSchema) }), itemParams);
    }
    if (has('delete')) {
      addOp(item, 'delete', operation({ action: 'delete', operationId: id('delete'), description: `delete the specified ${r.kind}`, tag, gvk, params: DELETE_PARAMS, body: deleteBody, responses: responses(['200', '202'], statusSchema) }), itemParams);
    }

    for (const sub of r.subresources) {
      const sg = sub.group ?? r.group;
      const sv = sub.version ?? r.version;
      const sgvk: Gvk = { group: sg, version: sv, kind: sub.kind };
      const sm = messageFor(sg, sv, sub.kind);
      const connect = CONNECT_SUBRESOURCES.has(sub.name);
      const subSchema: SchemaRef = connect || sub.name === 'log' ? { type: 'string' } : sm !== undefined && collector.schemas.has(sm) ? ref(sm) : objectSchema;
      const subPath = `${item}/${sub.name}`;
      const sid = (verb: string): string => id(verb, camel(sub.name));
      const subBody: JsonObject = { content: content(subSchema, ['*/*']), required: true };
      const sv2 = (v: string): boolean => sub.verbs.includes(v);
      if (connect) {
        const methods: [string, string][] = [['get', 'get'], ['create', 'post'], ['update', 'put'], ['patch', 'patch'], ['delete', 'delete']];
        for (const [verb, method] of methods) {
          if (!sv2(verb)) continue;
          addOp(subPath, method, operation({ action: 'connect', operationId: `connect${camel(method)}${sid('')}`, description: `connect ${method.toUpperCase()} requests to ${sub.name} of ${r.kind}`, tag, gvk: sgvk, params: [], responses: responses(['200'], subSchema) }), itemParams);
        }
        continue;
      }
      if (sv2('get')) addOp(subPath, 'get', operation({ action: 'get', operationId: sid('read'), description: `read ${sub.name} of the specified ${r.kind}`, tag, gvk: sgvk, params: [], responses: responses(['200'], subSchema) }), itemParams);
      if (sv2('create')) addOp(subPath, 'post', operation({ action: 'post', operationId: sid('create'), description: `create ${sub.name} of a ${r.kind}`, tag, gvk: sgvk, params: WRITE_PARAMS, body: subBody, responses: responses(['200', '201', '202'], subSchema) }), itemParams);
      if (sv2('update')) addOp(subPath, 'put', operation({ action: 'put', operationId: sid('replace'), description: `replace ${sub.name} of the specified ${r.kind}`, tag, gvk: sgvk, params: WRITE_PARAMS, body: subBody, responses: responses(['200', '201'], subSchema) }), itemParams);
      if (sv2('patch')) {
        const subKnown = sm !== undefined && collector.schemas.has(sm);
        const types = subKnown ? PATCH_TYPES : PATCH_TYPES.filter((t) => t !== 'application/strategic-merge-patch+json');
        addOp(subPath, 'patch', operation({ action: 'patch', operationId: sid('patch'), description: `partially update ${sub.name} of the specified ${r.kind}`, tag, gvk: sgvk, params: [...WRITE_PARAMS, P.force], body: { content: content(patchSchema, types), required: true }, responses: responses(['200', '201'], subSchema) }), itemParams);
      }
    }
  }

  const out: JsonObject = {};
  for (const p of [...paths.keys()].sort()) out[p] = sortKeys(paths.get(p)!);
  return out;
}

/**
 * The OpenAPI v3 document of one group-version. `resources` are the resources served in
 * that GV (their subresources may name kinds of other GVs, e.g. autoscaling/v1 Scale).
 * Kinds without a built-in schema (custom resources) get paths and a free-form object schema.
 */
export function buildOpenApiV3Document(gv: { group: string; version: string }, resources: Array<OpenApiResource>): object {
  const sorted = [...resources].sort((a, b) => a.plural.localeCompare(b.plural) || a.kind.localeCompare(b.kind));
  const c = new SchemaCollector();
  for (const r of sorted) {
    c.addKind(messageFor(r.group, r.version, r.kind), { group: r.group, version: r.version, kind: r.kind });
    c.addKind(messageFor(r.group, r.version, `${r.kind}List`), { group: r.group, version: r.version, kind: `${r.kind}List` });
    for (const s of r.subresources) {
      if (CONNECT_SUBRESOURCES.has(s.name) || s.name === 'log') continue;
      const g = s.group ?? r.group;
      const v = s.version ?? r.version;
      c.addKind(messageFor(g, v, s.kind), { group: g, version: v, kind: s.kind });
    }
  }
  const hasStatus = c.addKind(STATUS_MESSAGE, { group: '', version: 'v1', kind: 'Status' });
  c.want(DELETE_OPTIONS_MESSAGE);
  const custom = sorted.filter((r) => r.customSchema);
  if (custom.length) {
    c.want(OBJECT_META_MESSAGE);
    c.want(LIST_META_MESSAGE);
  }
  c.drain();

  const schemas: JsonObject = {};
  const all = new Map<string, JsonObject>();
  for (const [m, s] of c.schemas) all.set(schemaNameOf(m), s);
  for (const r of custom) {
    const name = customSchemaName(r.group, r.version, r.kind);
    const gvk = (kind: string): Json => [{ group: r.group, kind, version: r.version }];
    const root = r.customSchema as JsonObject;
    const props = (typeof root.properties === 'object' && root.properties !== null ? root.properties : {}) as JsonObject;
    all.set(name, sortKeys({
      ...root,
      properties: sortKeys({
        ...props,
        apiVersion: { description: topLevelFieldDescription('apiVersion', r.kind) ?? '', type: 'string' },
        kind: { description: topLevelFieldDescription('kind', r.kind) ?? '', type: 'string' },
        metadata: { allOf: [ref(OBJECT_META_MESSAGE)], description: topLevelFieldDescription('metadata', r.kind) ?? '' },
      }),
      type: 'object',
      'x-kubernetes-group-version-kind': gvk(r.kind),
    }));
    all.set(`${name}List`, {
      description: `${r.kind}List is a list of ${r.kind}`,
      properties: {
        apiVersion: { type: 'string' },
        items: { items: { $ref: `#/components/schemas/${name}` }, type: 'array' },
        kind: { type: 'string' },
        metadata: { allOf: [ref(LIST_META_MESSAGE)] },
      },
      required: ['items'],
      type: 'object',
      'x-kubernetes-group-version-kind': gvk(`${r.kind}List`),
    });
  }
  all.set(PATCH_SCHEMA, { description: 'A patch document; its format is given by the request Content-Type.', type: 'object' });
  for (const name of [...all.keys()].sort()) schemas[name] = all.get(name)!;

  return {
    components: { schemas },
    info: { title: 'Kubernetes', version: OPENAPI_KUBERNETES_VERSION },
    openapi: '3.0.0',
    paths: buildPaths(sorted, c, hasStatus),
  };
}

// ---- hashing --------------------------------------------------------------------------------

// Re-exported for this module's tests (one definition, in util/).
export { canonicalJson };

/**
 * A 128-bit content hash (32 upper-case hex digits) of a document, independent of key order.
 * Not cryptographic: it only has to change when the document changes (cache busting).
 */
export function openApiHash(doc: object): string {
  const s = canonicalJson(doc);
  // Four independent 32-bit FNV-1a style lanes with different offsets and multipliers.
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ 0x5bd1e995, h3 = 0x9e3779b9, h4 = 0x85ebca6b;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h3 = Math.imul(h3 ^ c, 0xcc9e2d51);
    h4 = Math.imul(h4 ^ c, 0x1b873593);
  }
  const mix = (h: number, k: number): number => {
    h ^= h >>> 16; h = Math.imul(h, k); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
    return h >>> 0;
  };
  return [mix(h1, 0x85ebca6b), mix(h2 ^ s.length, 0x27d4eb2f), mix(h3, 0x165667b1), mix(h4, 0xd3a2646c)]
    .map((h) => h.toString(16).toUpperCase().padStart(8, '0')).join('');
}
