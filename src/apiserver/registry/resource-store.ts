// Generic REST storage for one stored resource (upstream's registry.Store): it turns API
// verbs into storage operations with etcd semantics. Reads come from the watch cache; every
// write is a compare-and-swap on the object's modRevision, retried on conflict when the
// client did not ask for a precondition (GuaranteedUpdate).
//
// Objects enter and leave in the storage version; the HTTP layer converts versions.
import { randomUUID } from 'node:crypto';
import type { KObject } from '../../api/types/index.js';
import type { ResourceDef } from '../../api/registry/index.js';
import { storageKey, storagePrefix, apiVersionOf, initServerMetadata, keepServerMetadata, nextGeneration } from '../../api/registry/index.js';
import { alreadyExists, conflict, notFound, badRequest, invalid, StatusError, type FieldError, type GroupResource } from '../../api/status.js';
import { type Store, type StorageError, isStorageError } from '../../storage/index.js';
import { WatchCache, type CachedObject } from '../cache/watch-cache.js';
import { selectionView } from '../../api/selectors/index.js';
import { clone, deepEqual } from '../../util/json.js';
import { generateName } from '../../util/names.js';
import type { RequestContext } from '../context.js';
import type { Strategy } from './strategy.js';
import type { AdmissionChain, AdmissionAttributes, Operation } from '../admission/index.js';
import { ERR_STORAGE_CONFLICT, ERR_STORAGE_KEY_EXISTS, ERR_STORAGE_KEY_NOT_FOUND } from '../../util/error-codes.js';
import { checkStoredSize } from '../limits/limits.js';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  orphanDependents?: boolean;
}

export interface ListQuery {
  namespace?: string;
  /** A compiled selector (compileSelectors): it is given each entry's selection view, not the whole object. */
  filter?: (o: Readonly<KObject>) => boolean;
  limit?: number;
  continueToken?: string;
}

export interface ListPage {
  items: CachedObject[];
  revision: number;
  continueToken?: string;
  remaining?: number;
}

export type UpdateFn = (current: KObject) => KObject | Promise<KObject>;

export interface UpdateOptions {
  subresource?: string;
  /** Create when absent (PUT upsert is not allowed upstream for most kinds; apply uses it). */
  createIfMissing?: () => KObject | Promise<KObject>;
}

/**
 * A write without a resourceVersion retries its conflicts (as upstream's GuaranteedUpdate, which
 * retries until the request's deadline): at least MAX_RETRIES times, and for RETRY_WINDOW_MS.
 * Writers of one key that collide win one per commit, so N of them need up to N tries.
 */
const MAX_RETRIES = 16;
const RETRY_WINDOW_MS = 10_000;
const mayRetry = (attempt: number, giveUpAt: number): boolean => attempt < MAX_RETRIES || Date.now() < giveUpAt;

export class ResourceStore {
  readonly cache: WatchCache;
  /**
   * Admission plugins (set by the API server core): mutating ones run on the client's object
   * before the kind's defaulting, validating ones after its validation, as upstream.
   */
  admission?: AdmissionChain;
  /**
   * Set for encrypted resources: whether the stored value of a key was written with an older
   * key. An update that changes nothing still rewrites such a value (upstream's stale read in
   * GuaranteedUpdate), so that reading and replacing every object moves it to the current key.
   */
  needsRewrite?: (key: string) => Promise<boolean>;
  /** Set when the watch cache could not be filled (an undecryptable value): every request answers it. */
  unavailable?: StatusError;
  /**
   * Called after each successful write with the storage key, the revision written (a delete:
   * the deleted value's revision) and the request: the object history records who wrote what.
   */
  onWritten?: (key: string, revision: number, ctx: RequestContext, deleted: boolean) => void;
  readonly gr: GroupResource;
  readonly prefix: string;

  constructor(
    readonly def: ResourceDef,
    private readonly store: Store,
    readonly strategy: Strategy,
    watchCacheSize?: number,
    /** Runs on each object as it enters the watch cache from storage (custom resources: the storage version's defaults). */
    onDecode?: (obj: KObject) => void,
  ) {
    this.prefix = storagePrefix(def);
    this.gr = { group: def.group, resource: def.plural };
    const apiVersion = apiVersionOf(def.group, def.version);
    this.cache = new WatchCache(store, this.prefix, (_key, value, rv) => {
      const obj = JSON.parse(value) as KObject;
      obj.apiVersion = apiVersion;
      obj.kind = def.kind;
      obj.metadata.resourceVersion = String(rv);
      onDecode?.(obj);
      return obj;
    }, { ...(watchCacheSize ? { minEvents: watchCacheSize, maxEvents: watchCacheSize } : {}), view: (obj) => selectionView(def.group, def.kind, obj) });
  }

  start(): Promise<void> {
    return this.cache.start();
  }

  stop(): void {
    this.cache.stop();
  }

  key(namespace: string | undefined, name: string): string {
    return storageKey(this.def, namespace, name);
  }

  get(namespace: string | undefined, name: string): CachedObject {
    const c = this.cache.get(this.key(namespace, name));
    if (!c) throw notFound(this.gr, name);
    return c;
  }

  tryGet(namespace: string | undefined, name: string): CachedObject | undefined {
    return this.cache.get(this.key(namespace, name));
  }

  list(q: ListQuery): ListPage {
    const keyPrefix = this.def.namespaced && q.namespace ? `${this.prefix}${q.namespace}/` : this.prefix;
    let startAfter: string | undefined;
    if (q.continueToken) startAfter = decodeContinue(q.continueToken, keyPrefix);
    const items: CachedObject[] = [];
    const limit = q.limit && q.limit > 0 ? q.limit : Infinity;
    let remaining = 0;
    let last: string | undefined;
    for (const c of this.cache.scan(keyPrefix, startAfter)) {
      // Selectors read only the view: a LIST with a selector decodes nothing.
      if (q.filter && !q.filter(c.view)) continue;
      if (items.length < limit) {
        items.push(c);
        last = c.key;
      } else if (q.filter) remaining++;
      else {
        // Without a selector the rest is a count of keys: a page of a large list costs its
        // own items, not a walk over every object after it.
        remaining = this.cache.countAfter(keyPrefix, last!);
        break;
      }
    }
    const revision = this.cache.currentRevision;
    if (remaining > 0 && last) return { items, revision, continueToken: encodeContinue(last, revision), remaining };
    return { items, revision };
  }

  /** Fills server-owned metadata and persists a new object (already defaulted and validated by the caller's strategy). */
  async create(input: KObject, ctx: RequestContext): Promise<KObject> {
    const generated = !input.metadata.name && !!input.metadata.generateName;
    for (let attempt = 0; ; attempt++) {
      // Each attempt starts from the client's object: a retried generated name must not
      // inherit labels or selectors derived from the previous one.
      const obj = generated ? clone(input) : input;
      const meta = obj.metadata;
      if (this.def.namespaced && !meta.namespace) throw badRequest('the namespace of the object is required');
      if (!this.def.namespaced) delete meta.namespace;
      if (generated) meta.name = generateName(meta.generateName as string);
      initServerMetadata(obj, { uid: randomUUID(), now: ctx.now, tracksGeneration: this.def.tracksGeneration });
      const attrs = this.admission && this.attributes('CREATE', obj, undefined, ctx, '');
      if (attrs) await this.admission!.mutate(attrs);
      await this.strategy.prepareForCreate(obj, ctx);
      const errs = this.strategy.validate(obj, undefined, ctx);
      if (errs.length) throw this.invalid(obj, errs);
      if (attrs) await this.admission!.validate(attrs);
      const key = this.key(meta.namespace, meta.name as string);
      if (ctx.dryRun) {
        if (this.cache.get(key)) throw alreadyExists(this.gr, meta.name as string);
        return obj;
      }
      await this.strategy.beforeCreate(obj, ctx);
      try {
        const kv = await this.store.create(key, encodeForStorage(obj));
        this.onWritten?.(key, kv.modRevision, ctx, false);
        await this.cache.waitFor(kv.modRevision);
        return (this.cache.get(key)?.obj as KObject) ?? withRv(obj, kv.modRevision);
      } catch (e) {
        await this.strategy.afterCreateFailed(obj);
        if (isStorageError(e, ERR_STORAGE_KEY_EXISTS)) {
          if (generated && attempt < 8) continue;
          throw alreadyExists(this.gr, meta.name as string);
        }
        throw e;
      }
    }
  }

  /**
   * Read-modify-write with optimistic concurrency. `fn` gets a private copy of the current
   * object; when the object it returns carries a resourceVersion that differs from the
   * current one the update fails with 409 (the client's precondition), otherwise storage
   * conflicts are retried with a fresh copy.
   */
  async update(namespace: string | undefined, name: string, fn: UpdateFn, ctx: RequestContext, opts: UpdateOptions = {}): Promise<{ obj: KObject; created: boolean }> {
    const key = this.key(namespace, name);
    const giveUpAt = Date.now() + RETRY_WINDOW_MS;
    for (let attempt = 0; mayRetry(attempt, giveUpAt); attempt++) {
      const cur = this.cache.get(key);
      if (!cur) {
        if (opts.createIfMissing) {
          const obj = await opts.createIfMissing();
          try {
            return { obj: await this.create(obj, ctx), created: true };
          } catch (e) {
            if (e instanceof StatusError && e.reason === 'AlreadyExists') continue;
            throw e;
          }
        }
        throw notFound(this.gr, name);
      }
      const old = cur.obj as KObject;
      const next = await fn(clone(old));
      const wantRv = next.metadata?.resourceVersion;
      if (wantRv && wantRv !== old.metadata.resourceVersion) throw conflict(this.gr, name);
      if (!next.metadata) next.metadata = {};
      keepServerMetadata(next, old);
      const attrs = this.admission && this.attributes('UPDATE', next, old, ctx, opts.subresource ?? '');
      if (attrs) await this.admission!.mutate(attrs);
      await this.strategy.prepareForUpdate(next, old, ctx, opts.subresource);
      if (!opts.subresource) {
        const generation = nextGeneration(this.def.tracksGeneration, next, old);
        if (generation !== undefined) next.metadata.generation = generation;
      }
      const errs = this.strategy.validate(next, old, ctx, opts.subresource);
      if (errs.length) throw this.invalid(next, errs);
      if (attrs) await this.admission!.validate(attrs);
      next.metadata.resourceVersion = old.metadata.resourceVersion;
      // A no-op write keeps the resourceVersion (kubectl apply then reports `unchanged`),
      // unless the stored value must move to the current encryption key.
      if (deepEqual(next, old) && !(this.needsRewrite && (await this.needsRewrite(key)))) return { obj: old, created: false };
      if (ctx.dryRun) return { obj: next, created: false };
      // A deleting object whose last finalizer is gone is removed instead of updated.
      if (this.strategy.readyToRemove(next)) {
        try {
          const kv = await this.store.delete(key, cur.rv);
          this.onWritten?.(key, cur.rv, ctx, true);
          await this.cache.waitFor(kv.modRevision);
          await this.strategy.afterDelete(next);
          return { obj: next, created: false };
        } catch (e) {
          if (isStorageError(e, ERR_STORAGE_CONFLICT)) {
            await this.catchUp(e);
            continue;
          }
          if (isStorageError(e, ERR_STORAGE_KEY_NOT_FOUND)) throw notFound(this.gr, name);
          throw e;
        }
      }
      await this.strategy.beforeUpdate(next, old, ctx);
      try {
        const kv = await this.store.update(key, encodeForStorage(next), cur.rv);
        this.onWritten?.(key, kv.modRevision, ctx, false);
        await this.cache.waitFor(kv.modRevision);
        await this.strategy.afterUpdate(next, old);
        return { obj: (this.cache.get(key)?.obj as KObject) ?? withRv(next, kv.modRevision), created: false };
      } catch (e) {
        await this.strategy.afterUpdateFailed(next, old);
        if (isStorageError(e, ERR_STORAGE_CONFLICT)) {
          if (wantRv) throw conflict(this.gr, name);
          await this.catchUp(e);
          continue;
        }
        if (isStorageError(e, ERR_STORAGE_KEY_NOT_FOUND)) throw notFound(this.gr, name);
        throw e;
      }
    }
    throw conflict(this.gr, name, 'too many concurrent updates; please try again');
  }

  private attributes(operation: Operation, object: KObject, oldObject: KObject | undefined, ctx: RequestContext, subresource: string): AdmissionAttributes {
    const meta = object.metadata;
    return { operation, def: this.def, subresource, namespace: this.def.namespaced ? meta.namespace : undefined, name: meta.name ?? '', object, oldObject, ctx };
  }

  /**
   * DELETE. Returns the object and whether it is gone now (false when it only got a
   * deletionTimestamp: finalizers pending or a graceful pod deletion).
   */
  async delete(namespace: string | undefined, name: string, opts: DeleteOptions, ctx: RequestContext): Promise<{ obj: KObject; gone: boolean }> {
    const key = this.key(namespace, name);
    const giveUpAt = Date.now() + RETRY_WINDOW_MS;
    for (let attempt = 0; mayRetry(attempt, giveUpAt); attempt++) {
      const cur = this.cache.get(key);
      if (!cur) throw notFound(this.gr, name);
      const old = cur.obj as KObject;
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== old.metadata.uid)
        throw conflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
      if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion)
        throw conflict(this.gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);

      const plan = this.strategy.planDelete(old, opts, ctx);
      if (plan.kind === 'mark') {
        if (ctx.dryRun) return { obj: plan.object, gone: false };
        if (deepEqual(plan.object, old)) return { obj: old, gone: false };
        try {
          const kv = await this.store.update(key, encodeForStorage(plan.object), cur.rv);
          this.onWritten?.(key, kv.modRevision, ctx, false);
          await this.cache.waitFor(kv.modRevision);
          return { obj: (this.cache.get(key)?.obj as KObject) ?? withRv(plan.object, kv.modRevision), gone: false };
        } catch (e) {
          if (isStorageError(e, ERR_STORAGE_CONFLICT)) {
            await this.catchUp(e);
            continue;
          }
          if (isStorageError(e, ERR_STORAGE_KEY_NOT_FOUND)) throw notFound(this.gr, name);
          throw e;
        }
      }
      if (ctx.dryRun) return { obj: old, gone: true };
      try {
        const kv = await this.store.delete(key, cur.rv);
        this.onWritten?.(key, cur.rv, ctx, true);
        await this.cache.waitFor(kv.modRevision);
        await this.strategy.afterDelete(old);
        return { obj: old, gone: true };
      } catch (e) {
        if (isStorageError(e, ERR_STORAGE_CONFLICT)) {
            await this.catchUp(e);
            continue;
          }
        if (isStorageError(e, ERR_STORAGE_KEY_NOT_FOUND)) throw notFound(this.gr, name);
        throw e;
      }
    }
    throw conflict(this.gr, name, 'too many concurrent updates; please try again');
  }

  /**
   * After a conflict, the next try must read the write that won. The store may answer the
   * conflict before that write is committed and in the cache (SQLite checks against the
   * pending group commit), so a try at once would read the same stale entry and spend every
   * retry within one turn of the loop.
   */
  private async catchUp(e: StorageError): Promise<void> {
    if (e.revision !== undefined && e.revision > 0) await this.cache.waitFor(e.revision).catch(() => undefined);
  }

  invalid(obj: KObject, errs: FieldError[]): StatusError {
    return invalid(this.def.kind, this.def.group, obj.metadata?.name ?? obj.metadata?.generateName ?? '', errs);
  }
}

/** Only the storage-relevant form: resourceVersion is derived from the revision on read. */
export function encodeForStorage(obj: KObject): string {
  const rv = obj.metadata.resourceVersion;
  if (rv === undefined) return checkedSize(JSON.stringify(obj));
  delete obj.metadata.resourceVersion;
  try {
    return checkedSize(JSON.stringify(obj));
  } finally {
    obj.metadata.resourceVersion = rv;
  }
}

/** Storage keeps no object over 1.5 MiB (etcd's limit): refused with 413 before the write. */
function checkedSize(json: string): string {
  checkStoredSize(json);
  return json;
}

function withRv(obj: KObject, rv: number): KObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
}

// Continue tokens carry the last key returned, relative to the list's key prefix, and the
// revision of the first page (kept for compatibility with upstream's token shape).
function encodeContinue(lastKey: string, rv: number): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: lastKey })).toString('base64url');
}

function decodeContinue(token: string, keyPrefix: string): string {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (t.v !== 'meta.k8s.io/v1' || typeof t.start !== 'string') throw new Error('bad token');
    if (!t.start.startsWith(keyPrefix)) throw new Error('bad token');
    return t.start;
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

