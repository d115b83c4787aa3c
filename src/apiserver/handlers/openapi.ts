// OpenAPI v3: the index and one document per group-version, built lazily once and served
// with a content hash in the URL so kubectl's HTTP cache keeps them. OpenAPI v2: one
// Swagger 2.0 document of every group-version, derived from the same schema, as JSON or as
// gnostic protobuf (client-go's OpenAPISchema()), served with its
// content hash as ETag (If-None-Match → 304), as upstream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { groups, resourcesIn, customResourcesRevision, type ResourceDef } from '../../api/registry/index.js';
import { notAcceptable, pathNotFound } from '../../api/status.js';
import { writeRaw } from '../http-util.js';
import { buildOpenApiDocument, buildOpenApiIndex, buildOpenApiV2, encodeOpenApiV2, hashOpenApi } from '../api-hooks.js';

interface Doc {
  body: string;
  hash: string;
}

/** The resources of a group-version as the document builders take them (custom ones carry their schema). */
function openApiResources(group: string, version: string): Array<ResourceDef & { customSchema?: Record<string, unknown> }> {
  return resourcesIn(group, version).map((d) => (d.custom?.schema ? { ...d, customSchema: d.custom.schema } : d));
}

export class OpenApiDocs {
  private docs = new Map<string, Doc>();
  private index?: string;
  private v2?: Doc;
  private v2Proto?: Uint8Array;
  private revision = 0;

  /** Custom resources came or went (or changed): every document is built again on demand. */
  private refresh(): void {
    const rev = customResourcesRevision();
    if (rev === this.revision) return;
    this.revision = rev;
    this.docs.clear();
    this.index = undefined;
    this.v2 = undefined;
    this.v2Proto = undefined;
  }

  private gvPaths(): Array<{ path: string; group: string; version: string }> {
    const out: Array<{ path: string; group: string; version: string }> = [];
    for (const g of groups()) for (const v of g.versions) out.push({ path: g.name ? `apis/${g.name}/${v}` : `api/${v}`, group: g.name, version: v });
    return out;
  }

  private doc(path: string): Doc | undefined {
    let d = this.docs.get(path);
    if (d) return d;
    const gv = this.gvPaths().find((x) => x.path === path);
    if (!gv) return undefined;
    const obj = buildOpenApiDocument({ group: gv.group, version: gv.version }, openApiResources(gv.group, gv.version));
    const body = JSON.stringify(obj);
    d = { body, hash: hashOpenApi(obj) };
    this.docs.set(path, d);
    return d;
  }

  serve(_req: IncomingMessage, res: ServerResponse, path: string, url: URL): void {
    this.refresh();
    if (path === '/openapi/v3') {
      if (!this.index) {
        const paths: Record<string, { serverRelativeURL: string }> = {};
        for (const gv of this.gvPaths()) paths[gv.path] = { serverRelativeURL: `/openapi/v3/${gv.path}?hash=${this.doc(gv.path)!.hash}` };
        this.index = JSON.stringify(buildOpenApiIndex(paths));
      }
      return writeRaw(res, 200, this.index, 'application/json');
    }
    const d = this.doc(path.slice('/openapi/v3/'.length));
    if (!d) throw pathNotFound();
    const headers: Record<string, string> = { ETag: `"${d.hash}"` };
    if (url.searchParams.get('hash') === d.hash) headers['Cache-Control'] = 'public, immutable';
    writeRaw(res, 200, d.body, 'application/json', headers);
  }

  /** GET /openapi/v2: JSON, or gnostic protobuf when the Accept header asks for it. */
  serveV2(req: IncomingMessage, res: ServerResponse): void {
    const want = openApiV2Format(req.headers.accept);
    if (want === undefined) throw notAcceptable(`only the following media types are accepted: application/json, ${OPENAPI_V2_PROTO}`);
    this.refresh();
    if (!this.v2) {
      const gvs = this.gvPaths().map((gv) => ({ group: gv.group, version: gv.version, defs: openApiResources(gv.group, gv.version) }));
      const obj = buildOpenApiV2(gvs);
      this.v2 = { body: JSON.stringify(obj), hash: hashOpenApi(obj) };
      this.v2Proto = encodeOpenApiV2(obj);
    }
    // Each form has its own entity tag, as upstream's (the hash of the bytes served).
    const etag = want === 'json' ? `"${this.v2.hash}"` : `"${this.v2.hash}-pb"`;
    const headers: Record<string, string> = { ETag: etag, Vary: 'Accept' };
    const inm = req.headers['if-none-match'];
    if (inm !== undefined && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    if (want === 'json') writeRaw(res, 200, this.v2.body, 'application/json', headers);
    // Served under the dotted name: '@' is not a valid media-type token (Go's mime parser
    // in client-go refuses it), so upstream answers this one for both.
    else writeRaw(res, 200, Buffer.from(this.v2Proto!), OPENAPI_V2_PROTO_OLD, headers);
  }
}

export const OPENAPI_V2_PROTO = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
const OPENAPI_V2_PROTO_OLD = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/**
 * Which form of /openapi/v2 an Accept header asks for, first acceptable entry first: JSON
 * for application/json, any wildcard or no header; protobuf for upstream's two protobuf
 * media types; undefined when nothing acceptable is listed (406).
 */
export function openApiV2Format(accept: string | undefined): 'json' | 'protobuf' | undefined {
  if (!accept) return 'json';
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (params.some((p) => /^q=0(\.0*)?$/.test(p))) continue;
    if (type === OPENAPI_V2_PROTO || type === OPENAPI_V2_PROTO_OLD) return 'protobuf';
    if (type === 'application/json' || type === '*/*' || type === 'application/*') return 'json';
  }
  return undefined;
}
