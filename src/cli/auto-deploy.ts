// Auto-deploy, like k3s's manifests folder: at server start every `*.yaml`, `*.yml` and `*.json`
// in <data-dir>/manifests is applied (server-side apply, field manager `k8ts-deploy`, forced: the
// files are the source of truth), in file-name order, and a file is applied again when it
// changes. A file `X.skip` beside `X` disables X. Removing a file leaves its objects in place.
//
//   file ─parseManifests─▶ objects (multi-document YAML, JSON, kind: List) ─discovery─▶ resource
//        ─PATCH application/apply-patch+yaml?fieldManager=k8ts-deploy&force=true─▶ API server
//
// Errors are logged per file and never stop the server; a file whose objects could not all be
// applied (a custom resource whose CRD is not served yet, a namespace another file creates) is
// retried with back-off until it applies or changes.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { mkdirPrivate } from '../util/secure-fs.js';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { APIResource, APIResourceList, KObject } from '../api/types/index.js';
import type { RestClient } from '../client/rest-client.js';
import type { ResourceRef } from '../client/index.js';

export const FIELD_MANAGER = 'k8ts-deploy';
const MANIFEST = /^[^.].*\.(ya?ml|json)$/;

export interface ParsedManifests {
  objects: KObject[];
  /** One line per document that is not a Kubernetes object. */
  errors: string[];
}

function expand(v: unknown, where: string, out: ParsedManifests): void {
  if (v === null || v === undefined) return; // an empty document
  if (typeof v !== 'object' || Array.isArray(v)) {
    out.errors.push(`${where}: not an object`);
    return;
  }
  const o = v as Record<string, unknown>;
  if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
    o.items.forEach((item, i) => expand(item, `${where}, item ${i + 1}`, out));
    return;
  }
  if (typeof o.apiVersion !== 'string' || !o.apiVersion) return void out.errors.push(`${where}: apiVersion is missing`);
  if (typeof o.kind !== 'string' || !o.kind) return void out.errors.push(`${where}: kind is missing`);
  const md = o.metadata as Record<string, unknown> | undefined;
  if (!md || typeof md !== 'object' || typeof md.name !== 'string' || !md.name) return void out.errors.push(`${where}: metadata.name is missing (generateName is not supported here)`);
  out.objects.push(o as unknown as KObject);
}

/** The objects of one manifest file (multi-document YAML, or JSON; `kind: List` expanded). */
export function parseManifests(text: string, file: string): ParsedManifests {
  const out: ParsedManifests = { objects: [], errors: [] };
  if (file.endsWith('.json')) {
    try {
      expand(JSON.parse(text), 'document 1', out);
    } catch (e) {
      out.errors.push(`not valid JSON: ${(e as Error).message}`);
    }
    return out;
  }
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length) return void out.errors.push(`document ${i + 1}: ${doc.errors[0].message.split('\n')[0]}`);
    expand(doc.toJS(), `document ${i + 1}`, out);
  });
  // Namespaces and CRDs first, so the objects that live in them apply in the same pass.
  const rank = (o: KObject): number => (o.kind === 'Namespace' ? 0 : o.kind === 'CustomResourceDefinition' ? 1 : 2);
  out.objects = out.objects.map((o, i) => [o, i] as const).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([o]) => o);
  return out;
}

/** apiVersion + kind → resource, from the API server's discovery (so custom resources work). */
export class ResourceResolver {
  private readonly cache = new Map<string, APIResource[]>();
  constructor(private readonly client: RestClient) {}

  private async fetch(apiVersion: string): Promise<APIResource[]> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const r = await this.client.request('GET', path);
    if (r.status === 404) return [];
    if (r.status !== 200) throw new Error(`discovery of ${apiVersion} answered ${r.status}`);
    const list = JSON.parse(r.body.toString('utf8')) as Partial<APIResourceList>;
    return (list.resources ?? []).filter((x) => !x.name.includes('/'));
  }

  async resolve(apiVersion: string, kind: string): Promise<ResourceRef> {
    let list = this.cache.get(apiVersion);
    let found = list?.find((x) => x.kind === kind);
    if (!found) {
      // Not known yet (or a CRD was added since): ask again.
      list = await this.fetch(apiVersion);
      this.cache.set(apiVersion, list);
      found = list.find((x) => x.kind === kind);
    }
    if (!found) throw new Error(`the server does not serve ${kind} in ${apiVersion}`);
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return { group, version, resource: found.name, namespaced: found.namespaced, kind };
  }
}

/** Server-side applies the objects; one error line per object that failed. */
export async function applyObjects(client: RestClient, resolver: ResourceResolver, objects: KObject[]): Promise<{ applied: number; errors: string[] }> {
  let applied = 0;
  const errors: string[] = [];
  for (const obj of objects) {
    const what = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
    try {
      const ref = await resolver.resolve(obj.apiVersion ?? '', obj.kind ?? '');
      const namespace = ref.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
      const body: KObject = { ...obj, metadata: { ...obj.metadata } };
      if (namespace) body.metadata.namespace = namespace;
      else delete body.metadata.namespace;
      await client.patch(ref, namespace, obj.metadata.name!, 'apply', body, { fieldManager: FIELD_MANAGER, force: true });
      applied++;
    } catch (e) {
      errors.push(`${what}: ${(e as Error).message}`);
    }
  }
  return { applied, errors };
}

export interface AutoDeployOptions {
  client: RestClient;
  /** The folder to watch, normally <data-dir>/manifests (created when missing). */
  dir: string;
  signal: AbortSignal;
  log(msg: string): void;
  /** Wait before applying a changed file (default 300 ms): editors write in several steps. */
  debounceMs?: number;
  /** Called after each attempt at a file (tests). */
  onResult?(file: string, r: { applied: number; errors: string[] }): void;
}

export interface AutoDeploy {
  /** Applies every file now (also done at start). */
  syncAll(): Promise<void>;
  close(): void;
}

export function startAutoDeploy(o: AutoDeployOptions): AutoDeploy {
  mkdirPrivate(o.dir);
  const resolver = new ResourceResolver(o.client);
  const applied = new Map<string, string>(); // file → hash of the content last applied without error
  const timers = new Map<string, NodeJS.Timeout>();
  const failures = new Map<string, number>();
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  const enqueue = (file: string): Promise<void> => (chain = chain.then(() => syncFile(file)).catch((e: Error) => o.log(`auto-deploy: ${file}: ${e.message}`)));
  const schedule = (file: string, ms: number): void => {
    if (closed) return;
    clearTimeout(timers.get(file));
    timers.set(
      file,
      setTimeout(() => {
        timers.delete(file);
        void enqueue(file);
      }, ms),
    );
  };

  const syncFile = async (file: string): Promise<void> => {
    if (closed) return;
    const path = join(o.dir, file);
    if (!existsSync(path) || existsSync(`${path}.skip`)) {
      if (applied.delete(file)) o.log(`auto-deploy: ${file} is gone or skipped; its objects stay`);
      failures.delete(file);
      return;
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      return void o.log(`auto-deploy: ${file}: ${(e as Error).message}`);
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (applied.get(file) === hash) return;
    const parsed = parseManifests(text, file);
    for (const err of parsed.errors) o.log(`auto-deploy: ${file}: ${err}`);
    const r = await applyObjects(o.client, resolver, parsed.objects);
    for (const err of r.errors) o.log(`auto-deploy: ${file}: ${err}`);
    if (r.applied) o.log(`auto-deploy: applied ${r.applied} object(s) from ${file}`);
    o.onResult?.(file, { applied: r.applied, errors: [...parsed.errors, ...r.errors] });
    if (r.errors.length === 0) {
      applied.set(file, hash);
      failures.delete(file);
    } else if (!closed) {
      // Maybe not yet servable (a CRD, a namespace from another file): try again later.
      const n = (failures.get(file) ?? 0) + 1;
      failures.set(file, n);
      schedule(file, Math.min(60_000, 2_000 * 2 ** (n - 1)));
    }
  };

  const syncAll = (): Promise<void> => {
    const files = readdirSync(o.dir).filter((f) => MANIFEST.test(f)).sort();
    for (const f of files) void enqueue(f);
    return chain;
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(o.dir, (_event, name) => {
      const f = name?.toString().replace(/\.skip$/, '');
      if (f && MANIFEST.test(f)) schedule(f, o.debounceMs ?? 300);
    });
    watcher.on('error', (e) => o.log(`auto-deploy: watching ${o.dir} failed: ${e.message}`));
  } catch (e) {
    o.log(`auto-deploy: cannot watch ${o.dir}: ${(e as Error).message}; files are applied at start only`);
  }
  const close = (): void => {
    closed = true;
    watcher?.close();
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
  };
  o.signal.addEventListener('abort', close, { once: true });
  void syncAll().catch((e: Error) => o.log(`auto-deploy: ${e.message}`));
  return { syncAll, close };
}
