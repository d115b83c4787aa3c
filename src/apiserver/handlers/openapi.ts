// OpenAPI v3: the index and one document per group-version, built lazily once and served
// with a content hash in the URL so kubectl's HTTP cache keeps them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { groups, resourcesIn } from '../../api/registry/index.js';
import { pathNotFound } from '../../api/status.js';
import { writeRaw } from '../http-util.js';
import { buildOpenApiDocument, buildOpenApiIndex, hashOpenApi } from '../api-hooks.js';

interface Doc {
  body: string;
  hash: string;
}

export class OpenApiDocs {
  private docs = new Map<string, Doc>();
  private index?: string;

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
    const obj = buildOpenApiDocument({ group: gv.group, version: gv.version }, resourcesIn(gv.group, gv.version));
    const body = JSON.stringify(obj);
    d = { body, hash: hashOpenApi(obj) };
    this.docs.set(path, d);
    return d;
  }

  serve(_req: IncomingMessage, res: ServerResponse, path: string, url: URL): void {
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
}
