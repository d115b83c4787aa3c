// The OpenAPI v2 (Swagger 2.0) document served at /openapi/v2, derived from the same
// per-group-version v3 documents (openapi.ts), so both always describe the same schema:
//  * components.schemas → definitions (refs rewritten to #/definitions/...); a definition that
//    several group-versions share (Status, DeleteOptions, ...) carries the union of their
//    x-kubernetes-group-version-kind lists;
//  * `allOf: [{$ref}]` wrappers (v3's way to put a description beside a ref) → a plain $ref
//    with the description beside it, as upstream's v2 document has them;
//  * parameters carry `type` inline; a requestBody becomes an `in: body` parameter named
//    `body` with the media types as `consumes`; responses carry `schema` with the media
//    types as `produces` (lists also produce the watch stream types).
// Output is deterministic (sorted keys), so openApiHash() of it is a stable ETag.
import { buildOpenApiV3Document, OPENAPI_KUBERNETES_VERSION, type OpenApiResource } from './openapi.js';

type JsonObject = { [k: string]: unknown };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const WATCH_TYPES = ['application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

function sortKeys(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

/** A v3 schema (or any JSON below one) as v2: refs moved to #/definitions, allOf-ref unwrapped. */
export function schemaToV2(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(schemaToV2);
  if (!isObject(s)) return s;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref' && typeof v === 'string') out[k] = v.replace('#/components/schemas/', '#/definitions/');
    else if (k === 'nullable') continue;
    else out[k] = schemaToV2(v);
  }
  const allOf = out.allOf;
  if (Array.isArray(allOf) && allOf.length === 1 && isObject(allOf[0]) && typeof allOf[0].$ref === 'string') {
    delete out.allOf;
    out.$ref = allOf[0].$ref;
  }
  return sortKeys(out);
}

function parameterToV2(p: unknown): unknown {
  if (!isObject(p)) return p;
  const { schema, ...rest } = p;
  return sortKeys({ ...rest, ...(isObject(schema) ? (schemaToV2(schema) as JsonObject) : {}) });
}

function operationToV2(op: JsonObject): JsonObject {
  const out: JsonObject = {};
  const params: unknown[] = Array.isArray(op.parameters) ? op.parameters.map(parameterToV2) : [];
  for (const [k, v] of Object.entries(op)) {
    if (k === 'parameters' || k === 'requestBody' || k === 'responses') continue;
    out[k] = v;
  }
  const body = op.requestBody;
  if (isObject(body) && isObject(body.content)) {
    const types = Object.keys(body.content);
    const first = body.content[types[0]!];
    out.consumes = types;
    params.unshift({ in: 'body', name: 'body', required: true, schema: schemaToV2(isObject(first) ? first.schema : {}) });
  }
  if (params.length) out.parameters = params;
  const responses: JsonObject = {};
  let produces: string[] | undefined;
  for (const [code, r] of Object.entries(isObject(op.responses) ? op.responses : {})) {
    if (!isObject(r)) continue;
    const v2: JsonObject = { description: r.description };
    if (isObject(r.content)) {
      const types = Object.keys(r.content);
      produces ??= types;
      const first = r.content[types[0]!];
      if (isObject(first) && first.schema !== undefined) v2.schema = schemaToV2(first.schema);
    }
    responses[code] = sortKeys(v2);
  }
  if (produces) out.produces = op['x-kubernetes-action'] === 'list' ? [...produces, ...WATCH_TYPES] : produces;
  out.responses = responses;
  out.schemes = ['https'];
  return sortKeys(out);
}

function pathItemToV2(item: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(item)) {
    if (k === 'parameters' && Array.isArray(v)) out[k] = v.map(parameterToV2);
    else if (METHODS.includes(k) && isObject(v)) out[k] = operationToV2(v);
    else out[k] = v;
  }
  return sortKeys(out);
}

type Gvk = { group: string; version: string; kind: string };

function mergeDefinition(prev: JsonObject | undefined, next: JsonObject): JsonObject {
  if (!prev) return next;
  const a = prev['x-kubernetes-group-version-kind'];
  const b = next['x-kubernetes-group-version-kind'];
  if (!Array.isArray(a) || !Array.isArray(b)) return prev;
  const all = new Map<string, Gvk>();
  for (const g of [...a, ...b] as Gvk[]) all.set(`${g.group}/${g.version}/${g.kind}`, g);
  const merged = [...all.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([, g]) => g);
  return { ...prev, 'x-kubernetes-group-version-kind': merged };
}

/** The whole API as one Swagger 2.0 document; `gvs` lists each group-version's resources. */
export function buildOpenApiV2Document(gvs: ReadonlyArray<{ group: string; version: string; resources: OpenApiResource[] }>): object {
  const definitions = new Map<string, JsonObject>();
  const paths = new Map<string, JsonObject>();
  for (const gv of gvs) {
    const v3 = buildOpenApiV3Document({ group: gv.group, version: gv.version }, gv.resources) as { components: { schemas: JsonObject }; paths: JsonObject };
    for (const [name, schema] of Object.entries(v3.components.schemas)) definitions.set(name, mergeDefinition(definitions.get(name), schemaToV2(schema) as JsonObject));
    for (const [p, item] of Object.entries(v3.paths)) if (isObject(item)) paths.set(p, pathItemToV2(item));
  }
  const defs: JsonObject = {};
  for (const k of [...definitions.keys()].sort()) defs[k] = definitions.get(k);
  const ps: JsonObject = {};
  for (const k of [...paths.keys()].sort()) ps[k] = paths.get(k);
  return {
    definitions: defs,
    info: { title: 'Kubernetes', version: OPENAPI_KUBERNETES_VERSION },
    paths: ps,
    security: [{ BearerToken: [] }],
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    swagger: '2.0',
  };
}
