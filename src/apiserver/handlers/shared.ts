// Pieces every resource handler needs: the per-request bundle, version conversion,
// field validation, Table building and response writing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KObject } from '../../api/types/index.js';
import { isPlainObject } from '../../api/types/index.js';
import { apiVersionOf, splitApiVersion, type ResourceDef } from '../../api/registry/index.js';
import { badRequest, notAcceptable } from '../../api/status.js';
import type { ResourceRequestInfo } from '../request-info.js';
import type { RequestContext } from '../context.js';
import type { AcceptInfo } from '../negotiate.js';
import type { ResourceStore } from '../registry/resource-store.js';
import { encodeCachedBytes, encodeCachedEnvelope, type CachedObject } from '../cache/watch-cache.js';
import { encodeK8sProtobufObject, PROTOBUF_MEDIA_TYPE } from '../../api/schema/index.js';
import { convertObject, dropUnknownFields, findScalarTypeError, findUnknownFields, tableColumns, tableRow } from '../api-hooks.js';
import { writeJson, writeRaw } from '../http-util.js';
import { customToVersion } from '../crd/conversion.js';
import type { ApiServerCore } from '../core.js';

export interface ResourceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  info: ResourceRequestInfo;
  /** The resource as addressed (request version). */
  def: ResourceDef;
  /** Storage for it (storage version). */
  rs: ResourceStore;
  ctx: RequestContext;
  accept: AcceptInfo;
  core: ApiServerCore;
}

export function needsConversion(r: ResourceRequest): boolean {
  return r.def.version !== r.rs.def.version || r.def.group !== r.rs.def.group;
}

/** Storage version → the version the client addressed. */
export function toExternal(r: ResourceRequest, obj: Readonly<KObject>): KObject {
  if (!needsConversion(r)) return obj as KObject;
  if (r.def.custom) return customToVersion(obj, r.def);
  return convertObject(obj as KObject, apiVersionOf(r.def.group, r.def.version), r.def.kind);
}

/** Request version → storage version. */
export function toInternal(r: ResourceRequest, obj: KObject): KObject {
  if (!needsConversion(r)) return obj;
  if (r.def.custom) return customToVersion(obj, r.rs.def);
  return convertObject(obj, apiVersionOf(r.rs.def.group, r.rs.def.version), r.rs.def.kind);
}

/**
 * Checks a decoded body against the kind's schema: Strict rejects unknown fields, Warn
 * reports them as warnings, both (and Ignore) drop them so they are never stored; nulls in
 * lists and maps become the element type's zero value, as after upstream's typed decode.
 */
export function checkUnknownFields(r: ResourceRequest, obj: Record<string, unknown>): void {
  // A scalar of the wrong JSON type fails upstream's typed decode, whatever fieldValidation says.
  const typeErr = findScalarTypeError(r.def.group, r.def.version, r.def.kind, obj);
  if (typeErr) throw badRequest(`${r.def.kind} in version "${r.def.version}" cannot be handled as a ${r.def.kind}: ${typeErr}`);
  if (r.ctx.fieldValidation === 'Strict') {
    const unknown = findUnknownFields(r.def.group, r.def.version, r.def.kind, obj);
    if (unknown.length) throw badRequest(`${r.def.kind} in version "${r.def.version}" cannot be handled as a ${r.def.kind}: strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`);
  }
  // Dropped by the schema walk itself: a printed path cannot be walked back (fuzz: an unknown
  // key "" inside metadata printed as "metadata." and the whole metadata was deleted; a key
  // "metadata.name" would have deleted the name). The walk also reads nulls in lists and maps
  // as Go's zero values (fuzz: `containers: [null]` was stored).
  const unknown = dropUnknownFields(r.def.group, r.def.version, r.def.kind, obj);
  if (r.ctx.fieldValidation === 'Warn') for (const u of unknown) r.ctx.warnings.push(`unknown field "${u}"`);
}

/** The body's apiVersion/kind must name what the URL addresses (missing ones are filled in). */
export function checkTypeMeta(r: ResourceRequest, obj: Record<string, unknown>): void {
  const want = apiVersionOf(r.def.group, r.def.version);
  const av = obj.apiVersion;
  const kind = obj.kind;
  // Not strings: upstream's typed decode fails (fuzz: String() of {"toString":null} threw, a 500).
  for (const [field, v] of [['apiVersion', av], ['kind', kind]] as const) {
    if (v !== undefined && v !== null && typeof v !== 'string') {
      const got = Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v;
      throw badRequest(`${r.def.kind} in version "${r.def.version}" cannot be handled as a ${r.def.kind}: json: cannot unmarshal ${got} into Go struct field ${r.def.kind}.${field} of type string`);
    }
  }
  if (av !== undefined && av !== '' && av !== want) {
    const got = typeof av === 'string' ? splitApiVersion(av) : { group: '?', version: String(av) };
    if (got.group !== r.def.group) throw badRequest(`the API version in the data (${String(av)}) does not match the expected API version (${want})`);
    throw badRequest(`the API version in the data (${String(av)}) does not match the expected API version (${want})`);
  }
  if (kind !== undefined && kind !== '' && kind !== r.def.kind) {
    throw badRequest(`${String(kind)} in version "${r.def.version}" cannot be handled as a ${r.def.kind}: the kind of the object (${String(kind)}) does not match the kind served at this URL (${r.def.kind})`);
  }
  obj.apiVersion = want;
  obj.kind = r.def.kind;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (!isPlainObject(obj.metadata)) throw badRequest(`${r.def.kind} in version "${r.def.version}" cannot be handled as a ${r.def.kind}: metadata must be an object`);
}

/** Longest warning text sent; longer ones are cut (upstream limits warnings to 4 KiB in all). */
const MAX_WARNING_LENGTH = 4096;

// eslint-disable-next-line no-control-regex
const NEEDS_SANITIZING = /[\u0000-\u001f\u007f\ud800-\udfff]/;
// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\u0000-\u007f]*$/;

/**
 * A warning's text as it may travel in a header (the one home for this; every warning of a
 * request, from field validation or admission, goes through writeWarnings). Upstream sends the
 * text as UTF-8 in a quoted-string and drops a warning that has control characters; here a
 * control character becomes a space (the warning still tells what was wrong), a lone
 * surrogate (no UTF-8 form) U+FFFD, and an overlong text is cut.
 */
export function sanitizeWarning(w: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = !NEEDS_SANITIZING.test(w) ? w : w.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  return clean.length > MAX_WARNING_LENGTH ? `${clean.slice(0, MAX_WARNING_LENGTH - 3)}...` : clean;
}

/**
 * The `Warning` header values for `warnings`, deduplicated: `299 - "text"` with `"` and `\`
 * escaped, as upstream's NewWarningHeader writes them. Node writes header strings as latin1,
 * one byte per char, so the UTF-8 bytes of the text travel as latin1 chars: clients read the
 * same bytes kube-apiserver sends (kubectl prints `Warning: unknown field "k¢nd"`).
 */
export function warningHeaderValues(warnings: readonly string[]): string[] {
  const seen = new Set<string>();
  const values: string[] = [];
  for (const raw of warnings) {
    const w = sanitizeWarning(raw);
    if (seen.has(w)) continue;
    seen.add(w);
    const v = `299 - ${JSON.stringify(w)}`;
    values.push(ASCII_ONLY.test(v) ? v : Buffer.from(v, 'utf8').toString('latin1'));
  }
  return values;
}

export function writeWarnings(r: ResourceRequest): void {
  if (!r.ctx.warnings.length) return;
  r.res.setHeader('Warning', warningHeaderValues(r.ctx.warnings));
}

export function writeObject(r: ResourceRequest, code: number, obj: Readonly<KObject>): void {
  writeWarnings(r);
  if (r.accept.table) {
    writeJson(r.res, code, buildTable(r, [obj], r.rs.cache.currentRevision));
    return;
  }
  if (r.accept.partial) {
    writeJson(r.res, code, partialMetadata(obj));
    return;
  }
  writeEncoded(r.res, r.accept, code, obj);
}

/**
 * Writes any API object (resource, Status, Scale, review...) in the negotiated format:
 * protobuf when the client prefers it and the kind has a protobuf form, else JSON; a client
 * that accepts protobuf alone gets 406 for kinds without one (as upstream, for custom resources).
 */
export function writeEncoded(res: ServerResponse, accept: AcceptInfo, code: number, obj: Readonly<object>): void {
  if (accept.protobuf) {
    const pb = encodeK8sProtobufObject(obj as Record<string, unknown>);
    if (pb) return writeRaw(res, code, pb, PROTOBUF_MEDIA_TYPE);
    if (!accept.jsonOk) throw notAcceptable(`only the following media types are accepted for ${String((obj as { kind?: unknown }).kind)}: application/json, application/yaml`);
  }
  writeJson(res, code, obj);
}

export function writeCached(r: ResourceRequest, code: number, c: CachedObject): void {
  if (r.accept.table || r.accept.partial || needsConversion(r)) return writeObject(r, code, toExternal(r, c.obj));
  writeWarnings(r);
  if (r.accept.protobuf) {
    const env = encodeCachedEnvelope(c);
    if (env) return writeRaw(r.res, code, env, PROTOBUF_MEDIA_TYPE);
    if (!r.accept.jsonOk) throw notAcceptable(`only the following media types are accepted for ${r.def.kind}: application/json, application/yaml`);
  }
  writeRaw(r.res, code, encodeCachedBytes(c), 'application/json');
}

export function partialMetadata(obj: Readonly<KObject>): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function includeObjectOf(url: URL): IncludeObject {
  const v = url.searchParams.get('includeObject');
  if (!v || v === 'Metadata') return 'Metadata';
  if (v === 'None' || v === 'Object') return v;
  throw badRequest(`includeObject must be one of "None", "Metadata" or "Object", got "${v}"`);
}

export function tableRowFor(r: ResourceRequest, obj: Readonly<KObject>, include: IncludeObject, now: number): Record<string, unknown> {
  const row: Record<string, unknown> = { cells: tableRow(r.def, obj as KObject, now) };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') row.object = partialMetadata(obj);
  return row;
}

export function buildTable(r: ResourceRequest, objs: ReadonlyArray<Readonly<KObject>>, rv: number, listMeta?: Record<string, unknown>, withColumns = true): Record<string, unknown> {
  const include = includeObjectOf(r.url);
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${r.accept.tableVersion}`,
    metadata: { resourceVersion: String(rv), ...listMeta },
    columnDefinitions: withColumns ? tableColumns(r.def) : null,
    rows: objs.map((o) => tableRowFor(r, o, include, now)),
  };
}
