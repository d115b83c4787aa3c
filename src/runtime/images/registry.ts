// OCI distribution client and pull flow (runtime.md §2).
//
//   for each endpoint (mirrors, then upstream):
//     GET /v2/<repo>/manifests/<tag|digest>   Accept: the 4 manifest types; digest verified
//       index/list ─▶ pick linux/amd64 ─▶ GET manifest by digest (verified)
//     GET /v2/<repo>/blobs/<config>           verified into the store
//     GET /v2/<repo>/blobs/<layer> × N        in parallel, verified, unpacked (diff id verified)
//   first endpoint that succeeds wins; if all fail, ERR_IMAGE_PULL names each endpoint and its error.
//
// Auth: requests go out anonymously (or with a cached token); a 401 with
// `WWW-Authenticate: Bearer realm=…,service=…,scope=…` fetches a token (basic auth with the
// credentials, or an identity token as OAuth2 refresh token, or a registry token used as is);
// `Basic` is answered with the credentials. Redirects (blob storage on S3 and the like) are
// followed without the Authorization header. node:http(s) rather than fetch so that
// `tls.insecure_skip_verify` and `ca_file` can apply per endpoint.

import * as http from 'node:http';
import * as https from 'node:https';
import { readFileSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { ImageError } from './errors.js';
import {
  MANIFEST_ACCEPT,
  parseImageConfig,
  parseManifestDocument,
  selectPlatform,
  sha256Digest,
  type Descriptor,
  type Manifest,
} from './oci.js';
import { repoDigest, type ImageReference, formatReference } from './reference.js';
import { basicCredentials, rewriteRepository, type Endpoint } from './registries.js';
import type { ImageRecord, ImageStore, LayerRecord } from './store.js';
import type { PullAuth } from '../types.js';
import { ERR_IMAGE_AUTH, ERR_IMAGE_DIGEST, ERR_IMAGE_MANIFEST, ERR_IMAGE_NOT_FOUND, ERR_IMAGE_PULL } from '../../util/error-codes.js';

export interface RegistryRequestOptions {
  signal?: AbortSignal;
  /** Time to response headers, and socket idle time while streaming. Default 30 s. */
  timeoutMs?: number;
}

const MAX_REDIRECTS = 5;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (quoted or token values). */
export function parseWwwAuthenticate(header: string): Challenge | undefined {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (m === null) return undefined;
  const params: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!)) !== null) params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  return { scheme: m[1]!.toLowerCase(), params };
}

/** A client for one repository on one endpoint; caches the Authorization it negotiated. */
export class RegistryClient {
  private authorization: string | undefined;
  private readonly ca: Buffer | undefined;

  constructor(
    readonly endpoint: Endpoint,
    readonly repository: string,
    private readonly opts: RegistryRequestOptions = {},
  ) {
    this.ca = endpoint.caFile !== undefined ? readFileSync(endpoint.caFile) : undefined;
  }

  private url(kind: 'manifests' | 'blobs', ref: string): URL {
    return new URL(`${this.endpoint.apiBase}/${this.repository}/${kind}/${ref}`, this.endpoint.origin);
  }

  /** GET a manifest by tag or digest; verifies the digest. */
  async getManifest(reference: string): Promise<{ body: Buffer; mediaType: string; digest: string }> {
    const res = await this.get(this.url('manifests', reference), { Accept: MANIFEST_ACCEPT }, false);
    const body = await readBody(res, MAX_MANIFEST_BYTES);
    const digest = sha256Digest(body);
    const claimed = header(res, 'docker-content-digest');
    if (reference.startsWith('sha256:') && reference !== digest) {
      throw new ImageError(ERR_IMAGE_DIGEST, `manifest ${reference} from ${this.endpoint.origin} hashes to ${digest}`);
    }
    if (claimed !== undefined && claimed.startsWith('sha256:') && claimed !== digest) {
      throw new ImageError(ERR_IMAGE_DIGEST, `manifest from ${this.endpoint.origin} hashes to ${digest} but Docker-Content-Digest says ${claimed}`);
    }
    return { body, mediaType: (header(res, 'content-type') ?? '').split(';')[0]!.trim(), digest };
  }

  /** GET a blob as a stream (follows redirects); the caller verifies it while storing. */
  async getBlob(digest: string): Promise<http.IncomingMessage> {
    return this.get(this.url('blobs', digest), {}, true);
  }

  private async get(url: URL, headers: Record<string, string>, isBlob: boolean): Promise<http.IncomingMessage> {
    let res = await this.send(url, headers, this.authorization);
    if (res.statusCode === 401) {
      const challenge = parseWwwAuthenticate(header(res, 'www-authenticate') ?? '');
      res.resume();
      const auth = await this.negotiate(challenge);
      if (auth === undefined) throw this.statusError(url, 401, 'authentication required and no credentials are configured');
      this.authorization = auth;
      res = await this.send(url, headers, auth);
    }
    for (let hops = 0; res.statusCode !== undefined && [301, 302, 303, 307, 308].includes(res.statusCode); hops++) {
      const loc = header(res, 'location');
      res.resume();
      if (loc === undefined || hops >= MAX_REDIRECTS) throw this.statusError(url, res.statusCode, 'bad or too many redirects');
      url = new URL(loc, url);
      // Redirect targets (object storage) get no registry credentials.
      res = await this.send(url, isBlob ? {} : headers, undefined);
    }
    if (res.statusCode === 200) return res;
    const text = (await readBody(res, 64 * 1024).catch(() => Buffer.alloc(0))).toString();
    throw this.statusError(url, res.statusCode ?? 0, registryErrorMessage(text));
  }

  private statusError(url: URL, status: number, msg: string): ImageError {
    const code = status === 401 || status === 403 ? ERR_IMAGE_AUTH : status === 404 ? ERR_IMAGE_NOT_FOUND : ERR_IMAGE_PULL;
    return new ImageError(code, `GET ${url.pathname}: HTTP ${status}${msg ? `: ${msg}` : ''}`);
  }

  /** Answers a 401 challenge; returns the Authorization header value or undefined. */
  private async negotiate(ch: Challenge | undefined): Promise<string | undefined> {
    const auth: PullAuth | undefined = this.endpoint.auth;
    const creds = basicCredentials(auth);
    if (ch === undefined || ch.scheme === 'basic') {
      return creds !== undefined ? 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64') : undefined;
    }
    if (ch.scheme !== 'bearer') return undefined;
    if (auth?.registryToken !== undefined) return `Bearer ${auth.registryToken}`;
    const realm = ch.params.realm;
    if (realm === undefined) throw new ImageError(ERR_IMAGE_AUTH, `bearer challenge from ${this.endpoint.origin} has no realm`);
    const scope = ch.params.scope ?? `repository:${this.repository}:pull`;
    const tokenUrl = new URL(realm);
    let res: http.IncomingMessage;
    if (auth?.identityToken !== undefined) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: auth.identityToken, client_id: 'k8ts', scope, ...(ch.params.service !== undefined ? { service: ch.params.service } : {}) });
      res = await this.send(tokenUrl, { 'Content-Type': 'application/x-www-form-urlencoded' }, undefined, 'POST', Buffer.from(form.toString()));
    } else {
      if (ch.params.service !== undefined) tokenUrl.searchParams.set('service', ch.params.service);
      tokenUrl.searchParams.set('scope', scope);
      const basic = creds !== undefined ? 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64') : undefined;
      res = await this.send(tokenUrl, {}, basic);
    }
    const body = await readBody(res, 1024 * 1024);
    if (res.statusCode !== 200) {
      throw new ImageError(ERR_IMAGE_AUTH, `token request to ${tokenUrl.origin}${tokenUrl.pathname} failed: HTTP ${res.statusCode}: ${registryErrorMessage(body.toString())}`);
    }
    let tok: unknown;
    try {
      tok = JSON.parse(body.toString());
    } catch {
      tok = undefined;
    }
    const t = typeof tok === 'object' && tok !== null ? ((tok as Record<string, unknown>).token ?? (tok as Record<string, unknown>).access_token) : undefined;
    if (typeof t !== 'string' || t === '') throw new ImageError(ERR_IMAGE_AUTH, `token response from ${tokenUrl.origin} has no token`);
    return `Bearer ${t}`;
  }

  private send(url: URL, headers: Record<string, string>, authorization: string | undefined, method = 'GET', body?: Buffer): Promise<http.IncomingMessage> {
    const timeout = this.opts.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const h: Record<string, string> = { 'User-Agent': 'k8ts', ...headers };
      if (authorization !== undefined) h.Authorization = authorization;
      if (body !== undefined) h['Content-Length'] = String(body.length);
      const mod = url.protocol === 'https:' ? https : http;
      const reqOpts: https.RequestOptions = { method, headers: h, timeout, ...(this.opts.signal !== undefined ? { signal: this.opts.signal } : {}) };
      if (url.protocol === 'https:') {
        reqOpts.rejectUnauthorized = !this.endpoint.insecureSkipVerify;
        if (this.ca !== undefined) reqOpts.ca = this.ca;
      }
      const req = mod.request(url, reqOpts, (res) => {
        // Idle timeout while the body streams; detached when done (sockets are reused by keep-alive).
        const sock = res.socket;
        const onIdle = () => res.destroy(new Error(`no data from ${url.origin} for ${timeout} ms`));
        sock.setTimeout(timeout);
        sock.on('timeout', onIdle);
        res.once('close', () => {
          sock.off('timeout', onIdle);
          sock.setTimeout(0);
        });
        resolve(res);
      });
      req.on('timeout', () => req.destroy(new Error(`no response from ${url.origin} within ${timeout} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

function header(res: http.IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readBody(res: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.destroy();
      throw new ImageError(ERR_IMAGE_MANIFEST, `response larger than ${limit} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function registryErrorMessage(text: string): string {
  try {
    const doc = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    if (Array.isArray(doc.errors) && doc.errors.length > 0) return doc.errors.map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ');
  } catch {
    /* not JSON */
  }
  return text.slice(0, 200).trim();
}

export interface PullOptions extends RegistryRequestOptions {
  /** Parallel layer downloads (default 4). */
  concurrency?: number;
}

export interface PullTimings {
  endpoint: string;
  manifestMs: number;
  layersMs: number;
  totalMs: number;
}

/**
 * Pulls `ref` trying each endpoint in order and records the image in the store. Layer blobs whose
 * layer directory already exists are not downloaded again.
 */
export async function pullImage(store: ImageStore, ref: ImageReference, endpoints: Endpoint[], opts: PullOptions = {}): Promise<{ record: ImageRecord; timings: PullTimings }> {
  const failures: string[] = [];
  for (const ep of endpoints) {
    try {
      return await pullFrom(store, ref, ep, opts);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      failures.push(`${ep.origin}${ep.mirror ? ' (mirror)' : ' (upstream)'}: ${(err as Error).message}`);
    }
  }
  throw new ImageError(ERR_IMAGE_PULL, `failed to pull ${formatReference(ref)}; tried ${endpoints.length} endpoint(s): ${failures.join('; ') || 'none configured'}`);
}

async function pullFrom(store: ImageStore, ref: ImageReference, ep: Endpoint, opts: PullOptions): Promise<{ record: ImageRecord; timings: PullTimings }> {
  const t0 = performance.now();
  const client = new RegistryClient(ep, rewriteRepository(ep, ref.path), opts);
  const held: string[] = [];
  const hold = (d: string) => {
    store.acquire(d);
    held.push(d);
  };
  try {
    const top = await client.getManifest(ref.digest ?? ref.tag ?? 'latest');
    hold(top.digest);
    await store.writeBlobBuffer(top.body, { digest: top.digest });
    const extraBlobs: string[] = [];
    let parsed = parseManifestDocument(top.body, top.mediaType);
    let manifestDigest = top.digest;
    let manifestMediaType = top.mediaType;
    if (parsed.kind === 'index') {
      const desc = selectPlatform(parsed.index);
      const m = await client.getManifest(desc.digest);
      if (m.body.length !== desc.size) throw new ImageError(ERR_IMAGE_DIGEST, `manifest ${desc.digest} has ${m.body.length} bytes, index says ${desc.size}`);
      hold(m.digest);
      await store.writeBlobBuffer(m.body, { digest: desc.digest });
      extraBlobs.push(top.digest);
      parsed = parseManifestDocument(m.body, m.mediaType);
      if (parsed.kind !== 'manifest') throw new ImageError(ERR_IMAGE_MANIFEST, 'an index entry points to another index');
      manifestDigest = m.digest;
      manifestMediaType = parsed.manifest.mediaType ?? desc.mediaType;
    } else {
      manifestMediaType = parsed.manifest.mediaType ?? top.mediaType;
    }
    const manifest: Manifest = parsed.manifest;
    const tManifest = performance.now();

    hold(manifest.config.digest);
    if (!(await store.hasBlob(manifest.config.digest))) await download(store, client, manifest.config);
    const cfg = parseImageConfig(await store.readBlob(manifest.config.digest));
    if (cfg.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new ImageError(ERR_IMAGE_MANIFEST, `manifest has ${manifest.layers.length} layers but config has ${cfg.rootfs.diff_ids.length} diff_ids`);
    }
    const layers: LayerRecord[] = manifest.layers.map((l, i) => ({ digest: l.digest, diffId: cfg.rootfs.diff_ids[i]!, size: l.size, mediaType: l.mediaType }));
    for (const l of layers) {
      hold(l.digest);
      hold(l.diffId);
    }
    await mapLimit(layers, opts.concurrency ?? 4, async (l) => {
      const dir = store.layerPath(l.diffId);
      if (await exists(dir)) return;
      if (!(await store.hasBlob(l.digest))) await download(store, client, { digest: l.digest, size: l.size, mediaType: l.mediaType });
      await store.ensureLayer(l);
    });
    const tLayers = performance.now();

    const record = await store.putImage({
      id: manifest.config.digest,
      manifestDigest,
      manifestMediaType,
      extraBlobs,
      layers,
      repoTags: ref.tag !== undefined && ref.digest === undefined ? [formatReference({ domain: ref.domain, path: ref.path, tag: ref.tag })] : [],
      repoDigests: [repoDigest(ref, top.digest)],
      size: manifest.config.size + layers.reduce((s, l) => s + l.size, 0),
      config: cfg.config ?? {},
      createdAt: Date.now(),
    });
    const tEnd = performance.now();
    return { record, timings: { endpoint: ep.origin, manifestMs: tManifest - t0, layersMs: tLayers - tManifest, totalMs: tEnd - t0 } };
  } finally {
    for (const d of held) store.release(d);
  }
}

async function download(store: ImageStore, client: RegistryClient, desc: Descriptor): Promise<void> {
  const res = await client.getBlob(desc.digest);
  await store.writeBlob(res, { digest: desc.digest, size: desc.size });
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}
