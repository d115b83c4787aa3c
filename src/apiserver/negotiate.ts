// Content negotiation: request bodies (JSON, YAML, protobuf) and response forms (objects or
// server-side Tables).
import { createRequire } from 'node:module';
import { badRequest, notAcceptable, unsupportedMediaType } from '../api/status.js';
import { isPlainObject } from '../api/types/index.js';
import { decodeProtobufBody } from './api-hooks.js';
import { jsonDepthExceeds } from '../util/json.js';

export type BodyFormat = 'json' | 'yaml' | 'protobuf';

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
}

export function bodyFormat(contentType: string | undefined): BodyFormat {
  const mt = mediaType(contentType);
  switch (mt) {
    case 'application/json':
    case '':
    case '*/*':
      return 'json';
    case 'application/yaml':
    case 'application/x-yaml':
    case 'text/yaml':
      return 'yaml';
    case 'application/vnd.kubernetes.protobuf':
      return 'protobuf';
    default:
      throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
  }
}

/**
 * Deepest nesting of arrays and objects a request body (and an object after a patch) may
 * have. Upstream's decoders stop at 10000 levels; the server's walks (validation, patches,
 * managed fields, structuredClone) recurse per level and would overflow the stack long
 * before that (structuredClone near 2000), so the bound is lower, and far above any real
 * object (a deep CRD schema is ~100 levels).
 */
export const MAX_BODY_DEPTH = 512;

/** A 400 for a body that nests deeper than MAX_BODY_DEPTH. */
export function checkBodyDepth(v: unknown, what = 'the body of the request'): void {
  if (jsonDepthExceeds(v, MAX_BODY_DEPTH)) throw badRequest(`${what} nests arrays and objects deeper than ${MAX_BODY_DEPTH} levels (exceeded max depth)`);
}

/** A JSON request body (a patch); malformed or too deep input is a 400 with the reason. */
export function parseJsonBody(buf: Buffer): unknown {
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw badRequest(`the body of the request could not be decoded as JSON: ${(e as Error).message}`);
  }
  checkBodyDepth(v);
  return v;
}

/** Parses a request body into a JSON object; malformed input is a 400 with the parser's reason. */
export function decodeObjectBody(buf: Buffer, contentType: string | undefined): Record<string, unknown> {
  const fmt = bodyFormat(contentType);
  let v: unknown;
  if (fmt === 'protobuf') {
    v = decodeProtobufBody(buf);
    checkBodyDepth(v);
    return v as Record<string, unknown>;
  }
  if (buf.length === 0) throw badRequest('the body of the request is empty; send the object as JSON, YAML or protobuf');
  v = fmt === 'json' ? parseJsonBody(buf) : parseYamlBody(buf);
  if (!isPlainObject(v)) throw badRequest('the body of the request must be a JSON object');
  return v;
}

/**
 * The optional DeleteOptions body of DELETE and deletecollection, in any body format
 * (client-go sends it as protobuf for built-in types). An empty body is no options.
 */
export function decodeDeleteOptionsBody(buf: Buffer, contentType: string | undefined): Record<string, unknown> {
  if (buf.length === 0) return {};
  let opts: Record<string, unknown>;
  try {
    opts = decodeObjectBody(buf, contentType);
  } catch (e) {
    if ((e as { status?: { code?: number } }).status?.code === 415) throw e;
    throw badRequest(`the DeleteOptions in the body could not be decoded: ${(e as Error).message}`);
  }
  if (opts.kind !== undefined && opts.kind !== 'DeleteOptions') throw badRequest(`the DeleteOptions in the body could not be decoded: expected kind DeleteOptions, got ${JSON.stringify(opts.kind)}`);
  return opts;
}

const requireLazy = createRequire(import.meta.url);
type YamlModule = typeof import('yaml');
type YamlTags = NonNullable<import('yaml').SchemaOptions['customTags']>;
let yamlModule: YamlModule | undefined;

/**
 * YAML bodies (and apply patches, which kubectl sends as JSON under a YAML media type).
 * JSON is tried first; the YAML parser is loaded on first real use, which keeps ~4 MB out
 * of a server that only ever sees kubectl.
 *
 * Upstream converts YAML with sigs.k8s.io/yaml's YAMLToJSON (go-yaml v2, YAML 1.1 rules,
 * no schema) before decoding the JSON into the typed object, so plain scalars resolve the
 * same way whatever field they are in: `0644` is the integer 420, `0x1A` 26, `1_000` 1000;
 * `y Y yes Yes YES on On ON true True TRUE` are true and `n N no No NO off Off OFF false
 * False FALSE` false (also as mapping keys, which become "true"/"false"). Unlike full YAML
 * 1.1, timestamps stay strings and `1:20` (sexagesimal) is a string, as go-yaml v2 keeps
 * them; `0o17` is 15 (Go's ParseInt base 0); !!binary is its decoded text; .inf and .nan
 * cannot be JSON and are refused.
 */
export function parseYamlBody(buf: Buffer): unknown {
  const text = buf.toString('utf8');
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON after all: YAML flow style
    }
    if (json !== undefined) {
      checkBodyDepth(json);
      return json;
    }
  }
  let v: unknown;
  try {
    yamlModule ??= requireLazy('yaml') as YamlModule;
    v = yamlModule.parse(text, { version: '1.1', customTags: goYamlV2Tags, strict: true, uniqueKeys: true, maxAliasCount: 100, logLevel: 'error' });
  } catch (e) {
    throw badRequest(`the body of the request could not be decoded as YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  checkBodyDepth(v);
  return toJsonValue(v);
}

const goOctal = {
  identify: (v: unknown): boolean => typeof v === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  format: 'OCT',
  test: /^[-+]?0o[0-7_]+$/,
  resolve: (s: string): number => {
    const neg = s.startsWith('-');
    const n = parseInt(s.replace(/^[-+]?0o/, '').replace(/_/g, ''), 8);
    return neg ? -n : n;
  },
};

/** YAML 1.1 tags less the ones go-yaml v2 does not resolve for untyped values. */
const goYamlV2Tags = ((tags) => [goOctal, ...tags.filter((t) => typeof t === 'string' || (t.tag !== 'tag:yaml.org,2002:timestamp' && t.format !== 'TIME'))]) as YamlTags;

/** What YAMLToJSON would make of a parsed value: bytes as text, no non-finite numbers. */
function toJsonValue(v: unknown): unknown {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw badRequest(`the body of the request could not be decoded as YAML: json: unsupported value: ${v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN'}`);
    return v;
  }
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = toJsonValue(v[i]);
    return v;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) o[k] = toJsonValue(o[k]);
  return o;
}

export interface AcceptInfo {
  table: boolean;
  /** PartialObjectMetadata(List) requested (metadata-only clients). */
  partial?: boolean;
  /** Table version requested (v1 or v1beta1). */
  tableVersion: string;
  /**
   * The client prefers `application/vnd.kubernetes.protobuf` (client-go's default for built-in
   * types). Objects without a protobuf form (custom resources, Tables) fall back to JSON.
   */
  protobuf?: boolean;
  /** JSON is acceptable too; false only when the client accepts protobuf alone. */
  jsonOk?: boolean;
}

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

interface AcceptEntry {
  type: string;
  params: Record<string, string>;
  q: number;
}

function parseAcceptEntries(accept: string): AcceptEntry[] {
  const out: AcceptEntry[] = [];
  for (const part of accept.split(',')) {
    const [rawType, ...rawParams] = part.split(';').map((x) => x.trim());
    const type = (rawType ?? '').toLowerCase();
    if (!type) continue;
    const params: Record<string, string> = {};
    for (const kv of rawParams) {
      const i = kv.indexOf('=');
      if (i > 0) params[kv.slice(0, i).trim().toLowerCase()] = kv.slice(i + 1).trim();
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    out.push({ type, params, q: Number.isFinite(q) ? q : 1 });
  }
  // Most preferred first; equal weights keep the client's order (goautoneg does the same).
  return out.filter((e) => e.q > 0).sort((a, b) => b.q - a.q);
}

/**
 * kubectl asks for `application/json;as=Table;v=v1;g=meta.k8s.io, ...;v=v1beta1..., application/json`:
 * we answer a Table when any acceptable entry asks for one (Tables are always JSON, as upstream).
 * client-go asks for `application/vnd.kubernetes.protobuf, application/json`: the first plain
 * type decides between protobuf and JSON.
 */
export function parseAccept(accept: string | undefined): AcceptInfo {
  if (!accept) return { table: false, tableVersion: 'v1', jsonOk: true };
  let json = false;
  let first: string | undefined;
  for (const { type, params: p } of parseAcceptEntries(accept)) {
    if (p.as === 'Table' && p.g === 'meta.k8s.io' && (type === 'application/json' || type === '*/*')) {
      return { table: true, tableVersion: p.v === 'v1beta1' ? 'v1beta1' : 'v1', jsonOk: true };
    }
    if ((p.as === 'PartialObjectMetadata' || p.as === 'PartialObjectMetadataList') && p.g === 'meta.k8s.io' && type === 'application/json') {
      return { table: false, partial: true, tableVersion: 'v1', jsonOk: true };
    }
    if (p.as) continue;
    if (type === 'application/json' || type === '*/*' || type === 'application/*' || type === 'application/yaml') {
      json = true;
      first ??= 'json';
    } else if (type === PROTOBUF) {
      first ??= 'protobuf';
    }
  }
  if (!first) throw notAcceptable(`only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
  return { table: false, tableVersion: 'v1', protobuf: first === 'protobuf', jsonOk: json };
}

/** Whether an error answer should be a protobuf Status (the client prefers protobuf). */
export function prefersProtobuf(accept: string | undefined): boolean {
  if (!accept || !accept.includes(PROTOBUF)) return false;
  try {
    return parseAccept(accept).protobuf === true;
  } catch {
    return false;
  }
}
