// An in-memory ApiClient for unit tests, in the spirit of client-go's fake clientset: an
// object store keyed by resource + namespace + name with one global resourceVersion
// counter, StatusErrors from src/api/status.ts, and a log of every call (`actions`) for
// assertions. Watches and FakeInformerFactory.fromClient see every change synchronously,
// before the write's promise resolves.
//
// It keeps no rules of its own where the API server has them: patches go through the
// server's patch dispatch (src/api/patch patchObject/applyObject), list and watch filter
// with its selector predicate (src/api/selectors compileObjectSelector), and generation
// bumps, DELETE plans (finalizers of the propagation policy, graceful pod deletion), removal
// of deleting objects and pods/binding follow the store's rules (src/api/registry
// write-rules.ts), all shared with src/apiserver.
//
// Not modelled: admission, validation, defaulting, managedFields, garbage collection of
// dependents, namespace existence, list paging, watch from an old resourceVersion.
import { randomUUID } from 'node:crypto';
import type { KList, KObject, ObjectMeta, WatchEventType } from '../../api/types/index.js';
import { isPlainObject } from '../../api/types/index.js';
import {
  alreadyExists, badRequest, conflict, fieldErr, invalid, notFound, successStatus,
  type GroupResource,
} from '../../api/status.js';
import { applyObject, patchObject } from '../../api/patch/index.js';
import { compileObjectSelector } from '../../api/selectors/index.js';
import {
  bindPod, initServerMetadata, keepServerMetadata, lookupResource, nextGeneration, planDelete, podGracePeriod, readyToRemove,
} from '../../api/registry/index.js';
import { clone, deepEqual } from '../../util/json.js';
import { generateName } from '../../util/names.js';
import { rfc3339 } from '../../util/time.js';
import type { Clock } from '../controller-types.js';
import { realClock } from '../controller-types.js';
import type { Disposable } from '../informer-types.js';
import { apiVersionOfRef } from '../resources.js';
import type {
  ApiClient, DeleteOptions, ListOptions, PatchOptions, PatchType, ResourceRef, WatchEventOf, WatchOptions,
  WatchStream, WriteOptions,
} from '../types.js';
import { deepFreeze } from './deep-freeze.js';

export type FakeVerb = 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete' | 'create-subresource';

export interface FakeAction {
  verb: FakeVerb;
  /** Plural resource name, e.g. `pods`. */
  resource: string;
  namespace?: string;
  name?: string;
  /** `status` for updateStatus, the subresource for createSubresource and patch. */
  subresource?: string;
  body?: unknown;
  patchType?: PatchType;
}

/** Runs on every matching call after it is logged; throw to make the call fail. */
export type FakeReactor = (action: Readonly<FakeAction>) => void;

export type ChangeType = Extract<WatchEventType, 'ADDED' | 'MODIFIED' | 'DELETED'>;
export type ChangeListener = (res: ResourceRef, type: ChangeType, obj: Readonly<KObject>) => void;

export interface FakeApiClientOptions {
  clock?: Clock;
  /**
   * Delete scheduled, non-terminal pods gracefully as the API server does (deletionTimestamp
   * set, object kept until deleted again with gracePeriodSeconds 0). Default false: pods go
   * at once, which is what most controller tests want.
   */
  gracefulPodDeletion?: boolean;
}

const resKey = (res: ResourceRef): string => `${res.group}/${res.resource}`;
const gr = (res: ResourceRef): GroupResource => ({ group: res.group, resource: res.resource });

/** The registry facts the store's rules depend on; resources the registry does not know (test-only kinds) track generation and have no /status. */
function kindFacts(res: ResourceRef): { tracksGeneration: boolean; hasStatus: boolean } {
  const def = lookupResource(res.group, res.version, res.resource);
  return def ? { tracksGeneration: def.tracksGeneration, hasStatus: def.hasStatus } : { tracksGeneration: true, hasStatus: false };
}

interface Bucket {
  res: ResourceRef;
  objects: Map<string, Readonly<KObject>>;
}

export class FakeApiClient implements ApiClient {
  readonly actions: FakeAction[] = [];
  private readonly clock: Clock;
  private readonly graceful: boolean;
  private readonly buckets = new Map<string, Bucket>();
  private readonly listeners = new Set<ChangeListener>();
  private readonly reactors: { verb: FakeVerb | '*'; resource: string; fn: FakeReactor }[] = [];
  private readonly watches = new Set<() => void>();
  private rv = 0;

  constructor(opts: FakeApiClientOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.graceful = opts.gracefulPodDeletion ?? false;
  }

  // ---- test helpers ----

  /** Adds (or replaces) an object without logging an action; watchers and informers see it. */
  seed<T extends KObject>(res: ResourceRef, obj: T): T {
    const o = clone(obj) as KObject;
    o.metadata = o.metadata ?? {};
    const ns = res.namespaced ? (o.metadata.namespace ?? 'default') : undefined;
    if (ns) o.metadata.namespace = ns;
    else delete o.metadata.namespace;
    const name = o.metadata.name ?? (o.metadata.generateName ? generateName(o.metadata.generateName) : undefined);
    if (!name) throw new Error('seed: object needs metadata.name or generateName');
    o.metadata.name = name;
    o.apiVersion = o.apiVersion ?? apiVersionOfRef(res);
    o.kind = o.kind ?? res.kind;
    o.metadata.uid = o.metadata.uid ?? randomUUID();
    o.metadata.creationTimestamp = o.metadata.creationTimestamp ?? rfc3339(this.clock.now());
    if (kindFacts(res).tracksGeneration) o.metadata.generation = o.metadata.generation ?? 1;
    o.metadata.resourceVersion = this.nextRV();
    const existed = this.bucket(res).objects.has(objKey(ns, name));
    this.store(res, o, existed ? 'MODIFIED' : 'ADDED');
    return clone(o) as T;
  }

  /** Every stored object of `res`, sorted by namespace/name (copies). */
  objects<T extends KObject = KObject>(res: ResourceRef): T[] {
    const b = this.bucket(res);
    return [...b.objects.keys()].sort().map((k) => clone(b.objects.get(k)) as T);
  }

  /** One stored object (a copy) or undefined; not logged. */
  object<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, name: string): T | undefined {
    const o = this.bucket(res).objects.get(objKey(res.namespaced ? namespace : undefined, name));
    return o ? (clone(o) as T) : undefined;
  }

  /** Logged actions with this verb (and resource, when given). */
  actionsFor(verb: FakeVerb, resource?: string): FakeAction[] {
    return this.actions.filter((a) => a.verb === verb && (resource === undefined || a.resource === resource));
  }

  clearActions(): void {
    this.actions.length = 0;
  }

  /** Runs `fn` for matching calls ('*' matches any); `fn` throws to fail the call. */
  addReactor(verb: FakeVerb | '*', resource: string, fn: FakeReactor): Disposable {
    const r = { verb, resource, fn };
    this.reactors.push(r);
    return { dispose: () => void this.reactors.splice(this.reactors.indexOf(r) >>> 0, 1) };
  }

  /** Every committed change, synchronously. Used by FakeInformerFactory.fromClient. */
  onChange(listener: ChangeListener): Disposable {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /** Ends every open watch, as a server closing its streams would. */
  closeWatches(): void {
    for (const stop of [...this.watches]) stop();
  }

  /** The current global resourceVersion. */
  resourceVersion(): string {
    return String(this.rv);
  }

  // ---- ApiClient ----

  async get<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    this.record({ verb: 'get', resource: res.resource, namespace, name });
    return clone(this.mustGet(res, namespace, name)) as T;
  }

  async list<T extends KObject = KObject>(res: ResourceRef, namespace?: string, opts: ListOptions = {}): Promise<KList<T>> {
    this.record({ verb: 'list', resource: res.resource, namespace });
    const match = this.matcher(res, namespace, opts);
    const items = this.objects<T>(res).filter(match);
    return { apiVersion: apiVersionOfRef(res), kind: `${res.kind}List`, metadata: { resourceVersion: String(this.rv) }, items };
  }

  async create<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, obj: KObject, opts: WriteOptions = {}): Promise<T> {
    this.record({ verb: 'create', resource: res.resource, namespace, name: obj.metadata?.name, body: clone(obj) });
    const o = clone(obj);
    o.metadata = o.metadata ?? {};
    const ns = this.namespaceFor(res, namespace, o);
    const b = this.bucket(res);
    if (!o.metadata.name && o.metadata.generateName) {
      do o.metadata.name = generateName(o.metadata.generateName);
      while (b.objects.has(objKey(ns, o.metadata.name)));
    }
    const name = o.metadata.name;
    if (!name) throw invalid(res.kind, res.group, '', [fieldErr.required('metadata.name', 'name or generateName is required')]);
    if (b.objects.has(objKey(ns, name))) throw alreadyExists(gr(res), name);
    o.apiVersion = apiVersionOfRef(res);
    o.kind = res.kind;
    initServerMetadata(o, { uid: randomUUID(), now: this.clock.now(), tracksGeneration: kindFacts(res).tracksGeneration });
    if (opts.dryRun) return clone(o) as T;
    o.metadata.resourceVersion = this.nextRV();
    this.store(res, o, 'ADDED');
    return clone(o) as T;
  }

  async update<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, obj: KObject, opts: WriteOptions = {}): Promise<T> {
    const name = obj.metadata?.name ?? '';
    this.record({ verb: 'update', resource: res.resource, namespace, name, body: clone(obj) });
    const cur = this.mustGet(res, namespace, name);
    this.checkRV(res, cur, obj);
    return this.writeMain(res, cur, clone(obj), opts) as Promise<T>;
  }

  async updateStatus<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, obj: KObject, opts: WriteOptions = {}): Promise<T> {
    const name = obj.metadata?.name ?? '';
    this.record({ verb: 'update', resource: res.resource, namespace, name, subresource: 'status', body: clone(obj) });
    const cur = this.mustGet(res, namespace, name);
    this.checkRV(res, cur, obj);
    return this.writeStatus(res, cur, obj.status, opts) as Promise<T>;
  }

  async patch<T extends KObject = KObject>(
    res: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts: PatchOptions = {},
  ): Promise<T> {
    const body = typeof patch === 'string' ? (JSON.parse(patch) as unknown) : patch;
    this.record({ verb: 'patch', resource: res.resource, namespace, name, subresource: opts.subresource, body: clone(body), patchType: type });
    const cur = type === 'apply' ? this.find(res, namespace, name) : this.mustGet(res, namespace, name);
    const next = this.applyPatch(res, cur, type, body, opts);
    if (!cur) return this.create<T>(res, namespace, next, opts);
    // A resourceVersion in the patch is a precondition.
    this.checkRV(res, cur, next);
    if (opts.subresource === 'status') return this.writeStatus(res, cur, next.status, opts) as Promise<T>;
    return this.writeMain(res, cur, next, opts) as Promise<T>;
  }

  async delete(res: ResourceRef, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<void> {
    this.record({ verb: 'delete', resource: res.resource, namespace, name, body: Object.keys(opts).length ? clone(opts) : undefined });
    const cur = this.mustGet(res, namespace, name);
    const pre = opts.preconditions;
    if (pre?.uid !== undefined && pre.uid !== cur.metadata.uid) {
      throw conflict(gr(res), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid ?? ''}`);
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== cur.metadata.resourceVersion) {
      throw conflict(gr(res), name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion ?? ''}`);
    }
    if (opts.dryRun) return;
    this.deleteObject(res, cur, opts);
  }

  async createSubresource<T = unknown>(res: ResourceRef, namespace: string | undefined, name: string, subresource: string, body: unknown): Promise<T> {
    this.record({ verb: 'create-subresource', resource: res.resource, namespace, name, subresource, body: clone(body) });
    const cur = this.mustGet(res, namespace, name);
    const b = isPlainObject(body) ? body : {};
    switch (subresource) {
      case 'binding': {
        const target = isPlainObject(b.target) ? (b.target.name as string | undefined) : undefined;
        if (!target) throw invalid('Binding', '', name, [fieldErr.required('target.name')]);
        const o = bindPod(clone(cur) as KObject, target, this.clock.now(), gr(res));
        o.metadata.resourceVersion = this.nextRV();
        this.store(res, o, 'MODIFIED');
        return successStatus() as T;
      }
      case 'eviction': {
        const deleteOptions = isPlainObject(b.deleteOptions) ? (b.deleteOptions as DeleteOptions) : {};
        this.deleteObject(res, cur, deleteOptions);
        return successStatus() as T;
      }
      case 'token': {
        const spec = isPlainObject(b.spec) ? b.spec : {};
        const seconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3600;
        return {
          apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name, namespace },
          spec, status: { token: `fake-token.${namespace ?? ''}.${name}`, expirationTimestamp: rfc3339(this.clock.now() + seconds * 1000) },
        } as T;
      }
      default:
        return clone(body) as T;
    }
  }

  watch<T extends KObject = KObject>(res: ResourceRef, namespace: string | undefined, opts: WatchOptions, onEvent: (ev: WatchEventOf<T>) => void): WatchStream {
    const match = this.matcher(res, namespace, opts);
    const key = resKey(res);
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const sub = this.onChange((r, type, obj) => {
      if (resKey(r) === key && match(obj)) onEvent({ type, object: clone(obj) as T });
    });
    const stop = (): void => {
      if (!this.watches.delete(stop)) return;
      sub.dispose();
      resolveDone();
    };
    this.watches.add(stop);
    return { stop, done };
  }

  // ---- internals ----

  private record(a: FakeAction): void {
    const action: FakeAction = { verb: a.verb, resource: a.resource };
    if (a.namespace !== undefined) action.namespace = a.namespace;
    if (a.name !== undefined) action.name = a.name;
    if (a.subresource !== undefined) action.subresource = a.subresource;
    if (a.body !== undefined) action.body = a.body;
    if (a.patchType !== undefined) action.patchType = a.patchType;
    this.actions.push(action);
    for (const r of this.reactors) {
      if ((r.verb === '*' || r.verb === a.verb) && (r.resource === '*' || r.resource === a.resource)) r.fn(action);
    }
  }

  private bucket(res: ResourceRef): Bucket {
    const k = resKey(res);
    let b = this.buckets.get(k);
    if (!b) this.buckets.set(k, (b = { res, objects: new Map() }));
    return b;
  }

  private find(res: ResourceRef, namespace: string | undefined, name: string): Readonly<KObject> | undefined {
    return this.bucket(res).objects.get(objKey(res.namespaced ? namespace : undefined, name));
  }

  private mustGet(res: ResourceRef, namespace: string | undefined, name: string): Readonly<KObject> {
    const o = this.find(res, namespace, name);
    if (!o) throw notFound(gr(res), name);
    return o;
  }

  private namespaceFor(res: ResourceRef, namespace: string | undefined, o: KObject): string | undefined {
    if (!res.namespaced) {
      delete o.metadata.namespace;
      return undefined;
    }
    const bodyNs = o.metadata.namespace;
    if (namespace && bodyNs && bodyNs !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const ns = namespace ?? bodyNs;
    if (!ns) throw badRequest('an empty namespace may not be set during creation');
    o.metadata.namespace = ns;
    return ns;
  }

  private checkRV(res: ResourceRef, cur: Readonly<KObject>, obj: Readonly<KObject>): void {
    const want = obj.metadata?.resourceVersion;
    if (want && want !== cur.metadata.resourceVersion) throw conflict(gr(res), cur.metadata.name ?? '');
  }

  private matcher(res: ResourceRef, namespace: string | undefined, opts: ListOptions | WatchOptions): (o: Readonly<KObject>) => boolean {
    const selected = compileObjectSelector(res.group, res.kind, opts.labelSelector, opts.fieldSelector);
    const ns = res.namespaced ? namespace : undefined;
    return (o) => (!ns || o.metadata.namespace === ns) && (!selected || selected(o));
  }

  private applyPatch(res: ResourceRef, cur: Readonly<KObject> | undefined, type: PatchType, body: unknown, opts: PatchOptions): KObject {
    if (type !== 'apply') return patchObject(res, type, clone(cur ?? {}) as KObject, body);
    return applyObject(res, cur ? (clone(cur) as KObject) : undefined, body as KObject, {
      manager: opts.fieldManager ?? 'fake',
      force: opts.force ?? false,
      apiVersion: apiVersionOfRef(res),
      now: rfc3339(this.clock.now()),
      subresource: opts.subresource,
      hasStatus: kindFacts(res).hasStatus,
    });
  }

  /**
   * PUT semantics: server-owned metadata (and, for kinds with /status, the status) come from
   * the stored object; generation grows when anything outside metadata and status changed.
   */
  private async writeMain(res: ResourceRef, cur: Readonly<KObject>, next: KObject, opts: WriteOptions): Promise<KObject> {
    const facts = kindFacts(res);
    next.metadata = { ...(next.metadata ?? {}) };
    keepServerMetadata(next, cur);
    next.metadata.generation = nextGeneration(facts.tracksGeneration, next, cur);
    next.metadata.resourceVersion = cur.metadata.resourceVersion;
    if (facts.hasStatus) {
      if (cur.status === undefined) delete next.status;
      else next.status = clone(cur.status);
    }
    return this.commit(res, cur, next, opts);
  }

  private async writeStatus(res: ResourceRef, cur: Readonly<KObject>, status: unknown, opts: WriteOptions): Promise<KObject> {
    const next = clone(cur) as KObject;
    if (status === undefined) delete next.status;
    else next.status = clone(status);
    return this.commit(res, cur, next, opts);
  }

  /** Stores `next` unless nothing changed (no-op writes keep the resourceVersion, as upstream). */
  private commit(res: ResourceRef, cur: Readonly<KObject>, next: KObject, opts: WriteOptions): KObject {
    for (const k of Object.keys(next.metadata) as (keyof ObjectMeta)[]) if (next.metadata[k] === undefined) delete next.metadata[k];
    if (deepEqual(cur, next) || opts.dryRun) return clone(next);
    if (readyToRemove(next)) {
      this.remove(res, next);
      return clone(next);
    }
    next.metadata.resourceVersion = this.nextRV();
    this.store(res, next, 'MODIFIED');
    return clone(next);
  }

  /**
   * DELETE as the store plans it (src/api/registry planDelete): finalizers (including those
   * of the propagation policy) and, with gracefulPodDeletion, scheduled pods keep the object
   * with a deletionTimestamp; without gracefulPodDeletion every grace period is 0.
   */
  private deleteObject(res: ResourceRef, cur: Readonly<KObject>, opts: DeleteOptions): void {
    const isPod = res.group === '' && res.resource === 'pods';
    const grace = this.graceful && isPod ? podGracePeriod(cur, opts) : 0;
    const plan = planDelete(cur, opts, grace, this.clock.now());
    if (plan.kind === 'remove') {
      this.remove(res, cur);
      return;
    }
    if (deepEqual(plan.object, cur)) return;
    plan.object.metadata.resourceVersion = this.nextRV();
    this.store(res, plan.object, 'MODIFIED');
  }

  private remove(res: ResourceRef, cur: Readonly<KObject>): void {
    const o = clone(cur) as KObject;
    o.metadata.resourceVersion = this.nextRV();
    this.bucket(res).objects.delete(objKey(o.metadata.namespace, o.metadata.name ?? ''));
    this.emit(res, 'DELETED', deepFreeze(o));
  }

  private store(res: ResourceRef, o: KObject, type: ChangeType): void {
    const frozen = deepFreeze(o);
    this.bucket(res).objects.set(objKey(o.metadata.namespace, o.metadata.name ?? ''), frozen);
    this.emit(res, type, frozen);
  }

  private emit(res: ResourceRef, type: ChangeType, obj: Readonly<KObject>): void {
    for (const l of [...this.listeners]) l(res, type, obj);
  }

  private nextRV(): string {
    return String(++this.rv);
  }
}

function objKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
