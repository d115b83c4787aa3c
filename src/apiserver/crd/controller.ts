// The API server's CRD reconciler (upstream's naming, establishing and finalizing
// controllers, in one loop inside the API server): it accepts a CRD's names unless another
// CRD of the group holds them, serves its versions once they are accepted (Established),
// and when the CRD is deleted marks it Terminating, deletes every custom object, removes the
// cleanup finalizer and stops serving. Level-triggered: each change of a CRD enqueues its
// name; reconcile(name) reads the current state from the watch cache.
import type { KObject } from '../../api/types/index.js';
import { isNotFound, isConflict } from '../../api/status.js';
import { isBuiltinResource, type ResourceDef } from '../../api/registry/index.js';
import { rfc3339 } from '../../util/time.js';
import { errorMessage, logger } from '../../util/log.js';
import { systemContext } from '../context.js';
import type { ResourceStore } from '../registry/resource-store.js';
import { CRD_CLEANUP_FINALIZER, resourceDefsOf, type Crd, type CrdCondition, type CrdNames, type CrdStatus } from './crd-spec.js';
import { deepEqual } from '../../util/json.js';

const log = logger('apiserver/crd');

/** What the reconciler needs of the API server. */
export interface CrdHost {
  crds: ResourceStore;
  /** Serves `defs` (every served version, plus the storage one) for the CRD; returns its store. */
  serve(crdName: string, defs: ResourceDef[]): Promise<ResourceStore>;
  /** Stops serving the CRD's resources. */
  unserve(crdName: string): void;
  /** The store of a served CRD, if any. */
  storeOf(crdName: string): ResourceStore | undefined;
}

/** Names a CRD may take: each one must be free among the other CRDs of its group. */
export function acceptNames(crd: Readonly<Crd>, others: ReadonlyArray<Readonly<Crd>>): { names: CrdNames; condition: CrdCondition } {
  const want = crd.spec.names;
  const taken = { plural: new Set<string>(), singular: new Set<string>(), short: new Set<string>(), kind: new Set<string>(), list: new Set<string>() };
  for (const o of others) {
    if (o.metadata.name === crd.metadata.name || o.spec.group !== crd.spec.group) continue;
    const n = o.status?.acceptedNames;
    if (!n) continue;
    if (n.plural) taken.plural.add(n.plural);
    if (n.singular) taken.singular.add(n.singular);
    for (const s of n.shortNames ?? []) taken.short.add(s);
    if (n.kind) taken.kind.add(n.kind);
    if (n.listKind) taken.list.add(n.listKind);
  }
  const prev = crd.status?.acceptedNames;
  const conflict = (reason: string, message: string): { names: CrdNames; condition: CrdCondition } => ({
    names: prev && prev.plural ? prev : { plural: '', kind: '' },
    condition: { type: 'NamesAccepted', status: 'False', reason, message },
  });
  if (taken.plural.has(want.plural) || isBuiltinResource(crd.spec.group, want.plural)) return conflict('PluralConflict', `"${want.plural}" is already in use`);
  if (want.singular && (taken.singular.has(want.singular) || taken.plural.has(want.singular))) return conflict('SingularConflict', `"${want.singular}" is already in use`);
  for (const s of want.shortNames ?? []) if (taken.short.has(s)) return conflict('ShortNamesConflict', `"${s}" is already in use`);
  if (taken.kind.has(want.kind)) return conflict('KindConflict', `"${want.kind}" is already in use`);
  if (want.listKind && taken.list.has(want.listKind)) return conflict('ListKindConflict', `"${want.listKind}" is already in use`);
  return { names: { ...want }, condition: { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' } };
}

/** conditions with `c` set; lastTransitionTime moves only when the status flips. */
export function setCondition(conds: readonly CrdCondition[], c: CrdCondition, now: string): CrdCondition[] {
  const out = conds.filter((x) => x.type !== c.type);
  const old = conds.find((x) => x.type === c.type);
  const same = old && old.status === c.status && old.reason === c.reason && old.message === c.message;
  if (same) return [...conds];
  out.push({ ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now });
  return out;
}

export function conditionTrue(crd: Readonly<Crd>, type: string): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

export class CrdReconciler {
  private readonly queue = new Set<string>();
  private running = false;
  private stopped = false;
  private cancelWatch?: () => void;
  private retry?: NodeJS.Timeout;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Settles when the queue drains (tests, and start() waiting for the stored CRDs). */
  private idle: Array<() => void> = [];

  constructor(private readonly host: CrdHost) {}

  async start(): Promise<void> {
    const cache = this.host.crds.cache;
    const w = cache.watchFrom(cache.currentRevision, { onEvent: (ev) => void this.enqueue(ev.cur.obj.metadata.name!) });
    this.cancelWatch = w?.cancel;
    for (const c of this.host.crds.list({}).items) this.enqueue(c.obj.metadata.name!);
    await this.drained();
  }

  stop(): void {
    this.stopped = true;
    this.cancelWatch?.();
    if (this.retry) clearTimeout(this.retry);
    for (const t of this.timers) clearTimeout(t);
  }

  enqueue(name: string): void {
    this.queue.add(name);
    if (!this.running) void this.run();
  }

  private enqueueAfter(name: string, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) this.enqueue(name);
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  drained(): Promise<void> {
    if (!this.running && !this.queue.size) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async run(): Promise<void> {
    this.running = true;
    const failed: string[] = [];
    while (this.queue.size && !this.stopped) {
      const name = this.queue.values().next().value as string;
      this.queue.delete(name);
      try {
        await this.reconcile(name);
      } catch (e) {
        if (!isConflict(e)) log.error(`reconcile CRD ${name}: ${errorMessage(e)}`);
        failed.push(name);
      }
    }
    this.running = false;
    if (failed.length && !this.stopped) this.retry = setTimeout(() => failed.forEach((n) => this.enqueue(n)), 1000).unref();
    for (const f of this.idle.splice(0)) f();
  }

  async reconcile(name: string): Promise<void> {
    const cur = this.host.crds.tryGet(undefined, name)?.obj as Readonly<Crd> | undefined;
    if (!cur) {
      this.host.unserve(name);
      return;
    }
    if (cur.metadata.deletionTimestamp) return this.finalize(cur);
    const others = this.host.crds.list({}).items.map((c) => c.obj as Readonly<Crd>);
    const { names, condition } = acceptNames(cur, others);
    const now = rfc3339(new Date());
    let conds = setCondition(cur.status?.conditions ?? [], condition, now);
    const accepted = condition.status === 'True' || !!names.plural;
    // Stored CRDs passed validation; one without a storage version (written by an older
    // server, say) is not served rather than retried forever.
    const servable = (cur.spec.versions ?? []).some((v) => v?.storage);
    if (accepted && servable) {
      // Serve first, then say Established: a client that waits for the condition can use the resource at once.
      await this.host.serve(name, resourceDefsOf(cur, names));
      conds = setCondition(conds, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, now);
    } else {
      conds = setCondition(conds, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }, now);
    }
    await this.writeStatus(cur, { ...cur.status, acceptedNames: names, conditions: conds });
  }

  private async writeStatus(cur: Readonly<Crd>, status: CrdStatus): Promise<void> {
    if (deepEqual(status, cur.status)) return;
    await this.host.crds.update(undefined, cur.metadata.name!, (o) => {
      if (o.metadata.resourceVersion !== cur.metadata.resourceVersion) o.metadata.resourceVersion = cur.metadata.resourceVersion;
      o.status = status;
      return o;
    }, systemContext(), { subresource: 'status' });
  }

  /** Terminating: delete every object of the CRD, then drop the finalizer and stop serving. */
  private async finalize(cur: Readonly<Crd>): Promise<void> {
    const name = cur.metadata.name!;
    if (!(cur.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) return;
    const now = rfc3339(new Date());
    if (!conditionTrue(cur, 'Terminating')) {
      const conds = setCondition(cur.status?.conditions ?? [], { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }, now);
      await this.writeStatus(cur, { ...cur.status, conditions: conds });
      return; // the status write enqueues the CRD again
    }
    const rs = this.host.storeOf(name);
    if (rs) {
      const ctx = systemContext();
      for (const c of rs.list({}).items) {
        try {
          await rs.delete(c.obj.metadata.namespace, c.obj.metadata.name!, {}, ctx);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      // Objects with finalizers of their own stay until those go; look again in a second.
      const left = rs.list({}).items.length;
      if (left) {
        log.v(2, `CRD ${name}: ${left} objects wait for their finalizers`);
        this.enqueueAfter(name, 1000);
        return;
      }
    }
    this.host.unserve(name);
    await this.host.crds.update(undefined, name, (o: KObject) => {
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
      if (!o.metadata.finalizers.length) delete o.metadata.finalizers;
      return o;
    }, systemContext());
  }
}
