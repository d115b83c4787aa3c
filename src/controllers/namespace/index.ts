// The namespace lifecycle controller (upstream pkg/controller/namespace): empties a
// namespace being deleted, keeps its deletion conditions, and once nothing is left removes
// the `kubernetes` finalizer through /finalize so the API server can remove it. Also
// recreates the system namespaces (upstream's API server bootstrap does that).
//
//   Active ──delete──▶ Terminating ──content deleted──▶ finalize (spec.finalizers − kubernetes) ──▶ gone
import type { Namespace } from '../../api/types/index.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/status.js';
import { conditionsOf } from '../../api/pod-util.js';
import { rfc3339 } from '../../util/time.js';
import { Controller, enqueueSelf } from '../../client/controller.js';
import {
  type Clock, type ControllerContext, type ControllerRegistration, type Lister, R,
  allStoredResources, customResourceRefs, type ApiClient, type ResourceRef,
} from '../../client/index.js';
import { failingConditions, updatedConditions, type DeletionTotals } from './conditions.js';
import { SYSTEM_NAMESPACES } from '../../api/well-known.js';

export * from './conditions.js';

export const FINALIZER_KUBERNETES = 'kubernetes';
/** Deletes in flight at once while emptying a namespace. */
const DELETE_CONCURRENCY = 32;

function specFinalizers(ns: Readonly<Namespace>): string[] {
  return ns.spec?.finalizers ?? [];
}

/** upstream GroupResource-with-dot rendering used in the ContentRemaining message. */
function grName(r: ResourceRef): string {
  return `${r.resource}.${r.group}`;
}

async function inBatches<T>(items: readonly T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += n) await Promise.all(items.slice(i, i + n).map(fn));
}

export class NamespaceController {
  readonly controller: Controller;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly namespaces: Lister<Namespace>;
  private readonly contentResources: ResourceRef[];

  constructor(ctx: ControllerContext, opts: { workers?: number } = {}) {
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.contentResources = allStoredResources().filter((r) => r.namespaced);
    const inf = ctx.informers.informerFor<Namespace>(R.namespaces);
    this.namespaces = inf.lister;
    this.controller = new Controller({
      name: 'namespace', workers: opts.workers ?? 10, signal: ctx.signal, clock: ctx.clock,
      reconcile: (key) => this.reconcile(key),
    });
    const c = this.controller;
    inf.addEventHandler(enqueueSelf(c));
    for (const name of SYSTEM_NAMESPACES) c.enqueue(name);
    void inf.whenSynced().then(() => c.run());
  }

  async reconcile(name: string): Promise<void> {
    const ns = this.namespaces.get(undefined, name);
    if (!ns) {
      if ((SYSTEM_NAMESPACES as readonly string[]).includes(name)) await this.ensureNamespace(name);
      return;
    }
    if (!ns.metadata.deletionTimestamp || !specFinalizers(ns).includes(FINALIZER_KUBERNETES)) return;
    const { totals, estimateMs } = await this.deleteContent(name);
    await this.writeConditions(ns, totals);
    const left = [...totals.remaining.values()].some((n) => n > 0);
    if (left || totals.errors.length) {
      this.controller.enqueueAfter(name, Math.max(1000, estimateMs));
      return;
    }
    try {
      await this.client.patch(R.namespaces, undefined, name, 'merge', { spec: { finalizers: specFinalizers(ns).filter((f) => f !== FINALIZER_KUBERNETES) } }, { subresource: 'finalize' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async ensureNamespace(name: string): Promise<void> {
    try {
      await this.client.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  /** One pass: delete everything not yet being deleted, then count what is left. */
  async deleteContent(namespace: string): Promise<{ totals: DeletionTotals; estimateMs: number }> {
    const totals: DeletionTotals = { remaining: new Map(), finalizers: new Map(), errors: [] };
    let estimateMs = 0;
    const now = this.clock.now();
    for (const res of [...this.contentResources, ...(await this.customResources(totals))]) {
      try {
        const first = await this.client.list(res, namespace);
        if (first.items.length === 0) continue;
        await inBatches(first.items.filter((o) => !o.metadata.deletionTimestamp), DELETE_CONCURRENCY, async (o) => {
          try {
            await this.client.delete(res, namespace, o.metadata.name ?? '', { propagationPolicy: 'Background', preconditions: { uid: o.metadata.uid } });
          } catch (err) {
            if (!isNotFound(err) && !isConflict(err)) throw err;
          }
        });
        const left = await this.client.list(res, namespace);
        if (left.items.length) totals.remaining.set(grName(res), left.items.length);
        for (const o of left.items) {
          for (const f of o.metadata.finalizers ?? []) totals.finalizers.set(f, (totals.finalizers.get(f) ?? 0) + 1);
          const dt = o.metadata.deletionTimestamp ? Date.parse(o.metadata.deletionTimestamp) : NaN;
          if (!Number.isNaN(dt)) estimateMs = Math.max(estimateMs, dt - now);
        }
      } catch (err) {
        totals.errors.push(`${grName(res)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return { totals, estimateMs };
  }

  /** Namespaced custom resources of the established CRDs (read each pass: CRDs come and go). */
  private async customResources(totals: DeletionTotals): Promise<ResourceRef[]> {
    try {
      return customResourceRefs((await this.client.list(R.customresourcedefinitions)).items).filter((r) => r.namespaced);
    } catch (err) {
      totals.errors.push(`customresourcedefinitions.apiextensions.k8s.io: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  }

  private async writeConditions(ns: Readonly<Namespace>, totals: DeletionTotals): Promise<void> {
    const next = updatedConditions(conditionsOf(ns), failingConditions(totals), rfc3339(this.clock.now()));
    if (!next) return;
    const status = { ...ns.status, conditions: next };
    try {
      await this.client.updateStatus(R.namespaces, undefined, { ...ns, metadata: { ...ns.metadata, managedFields: undefined }, status });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const registration: ControllerRegistration = {
  name: 'namespace',
  register(ctx) {
    new NamespaceController(ctx);
  },
};
