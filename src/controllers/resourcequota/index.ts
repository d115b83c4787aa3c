// ResourceQuota status (upstream's resourcequota controller): every quota's status.hard
// mirrors spec.hard and status.used counts what its namespace holds of each hard resource
// (src/api/resource-quota.ts decides what counts). Keys are `namespace/name` of quotas; a
// change to a counted object enqueues every quota of its namespace, and each quota is
// recounted every resync period in case an event was missed. Pods, Services, ConfigMaps and
// PVCs come from the shared informers; other kinds a quota names (count/<resource>, secrets)
// are listed through the API when the quota is reconciled.
import type { KObject, ResourceQuota } from '../../api/types/index.js';
import { isNotFound } from '../../api/status.js';
import { resourcesCounted, usedFor } from '../../api/quota/index.js';
import { resources } from '../../api/registry/index.js';
import { deepEqual } from '../../util/json.js';
import { Controller, isRealUpdate } from '../../client/controller.js';
import { isDeletedFinalStateUnknown, R, type ApiClient, type ControllerContext, type ControllerRegistration, type Lister, type ResourceRef } from '../../client/index.js';

export interface ResourceQuotaOptions {
  /** Full recount period per quota (upstream --resource-quota-sync-period, 5 min). */
  resyncMs?: number;
  workers?: number;
}

/** The kinds counted from shared informers; anything else is listed on demand. */
const WATCHED = { pods: R.pods, services: R.services, configmaps: R.configmaps, persistentvolumeclaims: R.persistentvolumeclaims } as const;

export class ResourceQuotaController {
  readonly controller: Controller;
  private readonly client: ApiClient;
  private readonly quotas: Lister<ResourceQuota>;
  private readonly listers = new Map<string, Lister>();
  private readonly resyncMs: number;

  constructor(ctx: ControllerContext, opts: ResourceQuotaOptions = {}) {
    this.client = ctx.client;
    this.resyncMs = opts.resyncMs ?? 300_000;
    const quotaInf = ctx.informers.informerFor(R.resourcequotas);
    this.quotas = quotaInf.lister as Lister<ResourceQuota>;
    const watched = Object.entries(WATCHED).map(([plural, ref]) => {
      const inf = ctx.informers.informerFor(ref);
      this.listers.set(plural, inf.lister);
      return inf;
    });
    this.controller = new Controller({
      name: 'resourcequota', workers: opts.workers ?? 2, signal: ctx.signal, clock: ctx.clock,
      waitFor: [quotaInf, ...watched],
      reconcile: (key) => this.reconcile(key),
    });
    const c = this.controller;
    const key = (q: Readonly<KObject>): string => `${q.metadata.namespace}/${q.metadata.name}`;
    quotaInf.addEventHandler({
      onAdd: (q) => c.enqueue(key(q)),
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) c.enqueue(key(n)); },
    });
    const byNamespace = (o: Readonly<KObject> | { obj: Readonly<KObject> }): void => {
      const obj = isDeletedFinalStateUnknown<KObject>(o) ? o.obj : (o as Readonly<KObject>);
      const ns = obj.metadata.namespace;
      if (ns) for (const q of this.quotas.list(ns)) c.enqueue(key(q));
    };
    for (const inf of watched) {
      inf.addEventHandler({ onAdd: byNamespace, onUpdate: (o, n) => { if (isRealUpdate(o, n)) byNamespace(n); }, onDelete: byNamespace });
    }
  }

  async reconcile(key: string): Promise<void> {
    const [ns, name] = key.split('/', 2);
    const quota = this.quotas.get(ns, name);
    if (!quota) return;
    const objects = await this.objectsFor(quota, ns);
    const hard = { ...(quota.spec?.hard ?? {}) };
    const used = usedFor(quota, objects);
    if (!deepEqual(quota.status?.hard ?? {}, hard) || !deepEqual(quota.status?.used ?? {}, used)) {
      try {
        await this.client.updateStatus(R.resourcequotas, ns, { ...quota, metadata: { ...quota.metadata, managedFields: undefined }, status: { hard, used } });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    this.controller.enqueueAfter(key, this.resyncMs);
  }

  /** The namespace's objects of every kind the quota counts. */
  private async objectsFor(quota: Readonly<ResourceQuota>, ns: string): Promise<Array<{ group: string; plural: string; obj: Readonly<KObject> }>> {
    const kinds = new Map<string, { group: string; plural: string }>();
    for (const r of Object.keys(quota.spec?.hard ?? {})) {
      const k = resourcesCounted(r);
      if (k) kinds.set(`${k.group}/${k.plural}`, k);
    }
    const out: Array<{ group: string; plural: string; obj: Readonly<KObject> }> = [];
    for (const { group, plural } of kinds.values()) {
      const lister = group === '' ? this.listers.get(plural) : undefined;
      let items: ReadonlyArray<Readonly<KObject>>;
      if (lister) items = lister.list(ns);
      else {
        const ref = this.refFor(group, plural);
        if (!ref?.namespaced) continue;
        try {
          items = (await this.client.list(ref, ns)).items;
        } catch (e) {
          if (isNotFound(e)) continue; // a resource this server does not serve counts nothing
          throw e;
        }
      }
      for (const obj of items) out.push({ group, plural, obj });
    }
    return out;
  }

  /** The resource as this server serves it (CRDs are not counted). */
  private refFor(group: string, plural: string): ResourceRef | undefined {
    const def = resources.find((r) => r.group === group && r.plural === plural && !r.virtual);
    return def ? { group, version: def.version, resource: plural, namespaced: def.namespaced, kind: def.kind } : undefined;
  }
}

export const registration: ControllerRegistration = {
  name: 'resourcequota',
  register(ctx) {
    new ResourceQuotaController(ctx).controller.run();
  },
};
