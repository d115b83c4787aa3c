// Content negotiation: request bodies (JSON, YAML, protobuf) and response forms (objects or
// server-side Tables).
import { createRequire } from 'node:module';
import { badRequest, notAcceptable, unsupportedMediaType } from '../api/status.js';
import { isPlainObject } from '../api/types.js';
import { decodeProtobufBody } from './api-hooks.js';

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

/** Parses a request body into a JSON object; malformed input is a 400 with the parser's reason. */
export function decodeObjectBody(buf: Buffer, contentType: string | undefined): Record<string, unknown> {
  const fmt = bodyFormat(contentType);
  let v: unknown;
  if (fmt === 'protobuf') return decodeProtobufBody(buf);
  if (buf.length === 0) throw badRequest('the body of the request is empty; send the object as JSON, YAML or protobuf');
  if (fmt === 'json') {
    try {
      v = JSON.parse(buf.toString('utf8'));
    } catch (e) {
      throw badRequest(`the body of the request could not be decoded as JSON: ${(e as Error).message}`);
    }
  } else {
    v = parseYamlBody(buf);
  }
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
let yamlParse: typeof import('yaml').parse | undefined;

/**
 * YAML bodies (and apply patches, which kubectl sends as JSON under a YAML media type).
 * JSON is tried first; the YAML parser is loaded on first real use, which keeps ~4 MB out
 * of a server that only ever sees kubectl.
 */
export function parseYamlBody(buf: Buffer): unknown {
  const text = buf.toString('utf8');
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      return JSON.parse(text);
    } catch {
      // not JSON after all: YAML flow style
    }
  }
  try {
    yamlParse ??= (requireLazy('yaml') as typeof import('yaml')).parse;
    return yamlParse(text, { strict: true, uniqueKeys: true, maxAliasCount: 100 });
  } catch (e) {
    throw badRequest(`the body of the request could not be decoded as YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}

export interface AcceptInfo {
  table: boolean;
  /** PartialObjectMetadata(List) requested (metadata-only clients). */
  partial?: boolean;
  /** Table version requested (v1 or v1beta1). */
  tableVersion: string;
}

/**
 * kubectl asks for `application/json;as=Table;v=v1;g=meta.k8s.io, ...;v=v1beta1..., application/json`.
 * We answer a Table when any acceptable entry asks for one; otherwise JSON, which every
 * client (including protobuf-preferring ones) also accepts.
 */
export function parseAccept(accept: string | undefined): AcceptInfo {
  if (!accept) return { table: false, tableVersion: 'v1' };
  let json = false;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';').map((x) => x.trim());
    const p: Record<string, string> = {};
    for (const kv of params) {
      const i = kv.indexOf('=');
      if (i > 0) p[kv.slice(0, i).trim().toLowerCase()] = kv.slice(i + 1).trim();
    }
    if (p.as === 'Table' && p.g === 'meta.k8s.io' && (type === 'application/json' || type === '*/*')) {
      return { table: true, tableVersion: p.v === 'v1beta1' ? 'v1beta1' : 'v1' };
    }
    if ((p.as === 'PartialObjectMetadata' || p.as === 'PartialObjectMetadataList') && p.g === 'meta.k8s.io' && type === 'application/json') {
      return { table: false, partial: true, tableVersion: 'v1' };
    }
    if (p.as) continue;
    if (type === 'application/json' || type === '*/*' || type === 'application/*' || type === 'application/vnd.kubernetes.protobuf' || type === 'application/yaml') json = true;
  }
  if (!json) throw notAcceptable(`only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
  return { table: false, tableVersion: 'v1' };
}
