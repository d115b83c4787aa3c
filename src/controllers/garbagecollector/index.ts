// The garbage collector (upstream pkg/controller/garbagecollector): deletes objects whose
// owners are gone (Background), deletes dependents before their owner (Foreground,
// `foregroundDeletion` finalizer, blockOwnerDeletion) and detaches dependents from an owner
// deleted with the `orphan` finalizer. Work-queue keys are object uids.
//
//   informers (every stored resource but events) ──▶ OwnerGraph ──uids──▶ queue ──▶ reconcile(uid)
import type { KObject } from '../../api/types/index.js';
import { isNotFound } from '../../api/status.js';
import { Controller } from '../../client/controller.js';
import {
  type ControllerContext, type ControllerRegistration, isDeletedFinalStateUnknown, type Lister,
  type SharedInformer, allStoredResources, customResourceRefs, R, type ApiClient, type ResourceRef,
} from '../../client/index.js';
import {
  AbsentOwnerCache, classify, decide, removeFinalizerPatch, removeOwnerRefsPatch, resourceForKind, type OwnerState,
} from './decide.js';
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN, OwnerGraph, isDeletingDependents, isOrphaning, type GraphNode } from './graph.js';
import { BugError } from '../../util/bug-error.js';

export * from './graph.js';
export * from './decide.js';

/** Resources the collector does not watch (upstream ignores events too). */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);

function resKey(r: ResourceRef): string {
  return `${r.group}/${r.resource}`;
}

export class GarbageCollector {
  readonly controller: Controller;
  readonly graph = new OwnerGraph();
  private readonly client: ApiClient;
  private readonly listers = new Map<string, Lister>();
  private readonly informers: SharedInformer[] = [];
  private readonly absent = new AbsentOwnerCache();
  /** Custom kinds seen in established CRDs, by group/kind (owners may be custom objects). */
  private readonly customKinds = new Map<string, ResourceRef>();

  constructor(ctx: ControllerContext, opts: { workers?: number; resources?: ResourceRef[] } = {}) {
    this.client = ctx.client;
    this.controller = new Controller({
      name: 'garbagecollector', workers: opts.workers ?? 20, signal: ctx.signal, clock: ctx.clock,
      reconcile: (uid) => this.reconcile(uid),
    });
    for (const res of opts.resources ?? allStoredResources().filter((r) => !IGNORED.has(resKey(r)))) this.watch(ctx, res);
    // Dynamic informers: each established CRD's custom resource joins the graph when it appears.
    if (!opts.resources) {
      const crds = ctx.informers.informerFor(R.customresourcedefinitions);
      const add = (crd: Readonly<KObject>): void => {
        for (const res of customResourceRefs([crd])) {
          this.customKinds.set(`${res.group}/${res.kind}`, res);
          if (!this.listers.has(resKey(res))) this.watch(ctx, res);
        }
      };
      crds.addEventHandler({ onAdd: add, onUpdate: (_o, n) => add(n), onDelete: () => {} });
    }
  }

  private watch(ctx: ControllerContext, res: ResourceRef): void {
    const enqueue = (uids: string[]): void => { for (const u of uids) this.controller.enqueue(u); };
    const inf = ctx.informers.informerFor(res);
    this.informers.push(inf);
    this.listers.set(resKey(res), inf.lister);
    inf.addEventHandler({
      onAdd: (o) => enqueue(this.graph.observe(o, res)),
      onUpdate: (o, n) => { if (o.metadata.resourceVersion !== n.metadata.resourceVersion) enqueue(this.graph.observe(n, res)); },
      onDelete: (o) => {
        const obj = isDeletedFinalStateUnknown<KObject>(o) ? o.obj : o;
        if (obj.metadata.uid) enqueue(this.graph.remove(obj.metadata.uid));
      },
    });
  }

  /** Starts the workers once every watched resource has synced (decisions need the whole graph). */
  async run(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.whenSynced()));
    this.controller.run();
  }

  private cached(node: GraphNode): Readonly<KObject> | undefined {
    if (!node.res) return undefined;
    const obj = this.listers.get(resKey(node.res))?.get(node.namespace, node.name);
    return obj?.metadata.uid === node.uid ? obj : undefined;
  }

  async reconcile(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    if (node.virtual) return this.verifyVirtual(node);
    const obj = this.cached(node);
    if (!obj) return; // a delete event is on its way
    if (isOrphaning(node)) return this.orphanDependents(node, obj);
    if (isDeletingDependents(node)) return this.processDeletingDependents(node, obj);
    if (node.beingDeleted || node.owners.length === 0) return;
    await this.attemptToDelete(node, obj);
  }

  /** A referenced owner never observed: look it up live; if absent, its dependents are orphans. */
  private async verifyVirtual(node: GraphNode): Promise<void> {
    const state = await this.ownerState(node.uid, node.apiVersion, node.kind, node.name, node.namespace);
    if (state !== 'dangling') {
      // It exists: the informer has not delivered it yet. Look again later.
      this.controller.enqueueAfter(node.uid, 1000);
      return;
    }
    for (const d of this.graph.forgetVirtual(node.uid)) this.controller.enqueue(d);
  }

  private async ownerState(uid: string, apiVersion: string, kind: string, name: string, dependentNs: string | undefined): Promise<OwnerState> {
    const known = this.graph.get(uid);
    // An ownerReference names an owner in the dependent's namespace (or a cluster-scoped
    // one): an object with that uid in another namespace does not own it, whatever its
    // name (dev and staging hold objects with the same names). Not cached as absent: the
    // uid is a real owner for its own namespace's dependents.
    if (known && !known.virtual && known.namespace && known.namespace !== dependentNs) return 'dangling';
    if (known && !known.virtual) return isDeletingDependents(known) ? 'waitingForDependentsDeletion' : 'solid';
    if (this.absent.has(uid)) return 'dangling';
    const res = resourceForKind(apiVersion, kind) ?? this.customKinds.get(`${apiVersion.includes('/') ? apiVersion.split('/')[0] : ''}/${kind}`);
    if (!res) throw new Error(`garbage collector: unknown owner kind ${kind} in ${apiVersion}`);
    let live: KObject | undefined;
    try {
      live = await this.client.get(res, res.namespaced ? dependentNs : undefined, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!live || live.metadata.uid !== uid) {
      this.absent.add(uid);
      return 'dangling';
    }
    const m = live.metadata;
    return m.deletionTimestamp && m.finalizers?.includes(FINALIZER_FOREGROUND) ? 'waitingForDependentsDeletion' : 'solid';
  }

  private async attemptToDelete(node: GraphNode, cachedObj: Readonly<KObject>): Promise<void> {
    // Decide on the live object, as upstream does: the cache may not show a recent
    // ownerReference change (an orphaning owner detaching it, an adoption).
    let obj: Readonly<KObject> = cachedObj;
    try {
      obj = await this.client.get(node.res!, node.namespace, node.name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (obj.metadata.uid !== node.uid) return;
    if (obj.metadata.deletionTimestamp && !obj.metadata.finalizers?.includes(FINALIZER_FOREGROUND)) return;
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const states = new Map<string, OwnerState>();
    for (const r of refs) states.set(r.uid, await this.ownerState(r.uid, r.apiVersion, r.kind, r.name, obj.metadata.namespace));
    const d = decide(obj, classify(refs, states), this.graph.dependentCount(node.uid) > 0);
    switch (d.kind) {
      case 'none':
        return;
      case 'removeOwnerRefs': {
        const patch = removeOwnerRefsPatch(obj, d.uids);
        if (patch) await this.ignoreNotFound(this.client.patch(node.res!, node.namespace, node.name, 'json', patch));
        return;
      }
      case 'delete':
        await this.ignoreNotFound(this.client.delete(node.res!, node.namespace, node.name, { propagationPolicy: d.policy, preconditions: { uid: node.uid } }));
        return;
      default: {
        const never: never = d;
        throw new BugError(`unexpected decision ${String(never)}`);
      }
    }
  }

  /** Foreground: dependents go first; the owner's finalizer goes once none blocks it. */
  private async processDeletingDependents(node: GraphNode, obj: Readonly<KObject>): Promise<void> {
    const blocking = this.graph.blockingDependents(node.uid);
    if (blocking.length === 0) {
      const patch = removeFinalizerPatch(obj, FINALIZER_FOREGROUND);
      if (patch) await this.ignoreNotFound(this.client.patch(node.res!, node.namespace, node.name, 'json', patch));
      return;
    }
    for (const dep of this.graph.dependents(node.uid)) if (!isDeletingDependents(dep)) this.controller.enqueue(dep.uid);
  }

  /** Orphan: every dependent loses its reference to the owner, then the finalizer goes. */
  private async orphanDependents(node: GraphNode, obj: Readonly<KObject>): Promise<void> {
    for (const dep of this.graph.dependents(node.uid)) {
      const depObj = this.cached(dep);
      if (!depObj) continue;
      const patch = removeOwnerRefsPatch(depObj, [node.uid]);
      if (patch) await this.ignoreNotFound(this.client.patch(dep.res!, dep.namespace, dep.name, 'json', patch));
    }
    const patch = removeFinalizerPatch(obj, FINALIZER_ORPHAN);
    if (patch) await this.ignoreNotFound(this.client.patch(node.res!, node.namespace, node.name, 'json', patch));
  }

  private async ignoreNotFound(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const registration: ControllerRegistration = {
  name: 'garbagecollector',
  register(ctx) {
    void new GarbageCollector(ctx).run();
  },
};
