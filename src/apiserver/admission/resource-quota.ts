// ResourceQuota admission: a create that would take a namespace's usage past a quota's
// `hard` is refused with 403 and upstream's text (`exceeded quota: <name>, requested: …,
// used: …, limited: …`); a pod without requests or limits for a compute resource the quota
// limits is refused (`must specify …`). Usage is computed from the watch caches, plus the
// objects this server admitted that the cache does not show yet (so two quick creates cannot
// both take the last slot). The quota controller writes status.used for people to read.
import type { KObject, Pod, ResourceQuota } from '../../api/types/index.js';
import {
  addUsage, formatUsage, matchesScopes, objectUsage, quotaRelevant, resourcesCounted, type Usage,
} from '../../api/quota/index.js';
import { addQuantities, compareQuantities, parseQuantity } from '../../api/quantity/index.js';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin, type ObjectLookup } from './types.js';

/** How long an admitted object may take to reach the watch cache before its charge is dropped. */
const PENDING_MS = 10_000;

interface Charge {
  group: string;
  plural: string;
  name: string;
  usage: Usage;
  at: number;
}

const COMPUTE = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'cpu', 'memory'];

export class ResourceQuotaPlugin implements AdmissionPlugin {
  readonly name = 'ResourceQuota';
  private readonly pending = new Map<string, Charge[]>();

  constructor(private readonly lookup: ObjectLookup, private readonly now: () => number = Date.now) {}

  handles(a: Readonly<AdmissionAttributes>): boolean {
    return a.operation === 'CREATE' && a.subresource === '' && !!a.namespace && a.def.namespaced;
  }

  validate(a: Readonly<AdmissionAttributes>): void {
    const ns = a.namespace!;
    const quotas = this.lookup.list('', 'resourcequotas', ns) as ReadonlyArray<Readonly<ResourceQuota>>;
    if (!quotas.length) return;
    const { group, plural } = a.def;
    const delta = objectUsage(group, plural, a.object);
    for (const quota of quotas) {
      if (!matchesScopes(quota, group, plural, a.object)) continue;
      const hard = quota.spec?.hard ?? {};
      if (group === '' && plural === 'pods') {
        const missing = missingCompute(a.object as Pod, Object.keys(hard));
        if (missing) throw admissionForbidden(a, `failed quota: ${quota.metadata.name}: must specify ${missing}`);
      }
      const requested = quotaRelevant(quota, delta);
      if (!requested.size) continue;
      const used = this.usage(quota, ns);
      const over = [...requested.keys()].filter((r) => compareQuantities(addQuantities(used.get(r) ?? parseQuantity(0), requested.get(r)!), parseQuantity(hard[r])) > 0);
      if (!over.length) continue;
      const pick = (u: Usage): Usage => new Map(over.map((r) => [r, u.get(r) ?? parseQuantity(0)]));
      const limited: Usage = new Map(over.map((r) => [r, parseQuantity(hard[r])]));
      throw admissionForbidden(a, `exceeded quota: ${quota.metadata.name}, requested: ${formatUsage(pick(requested))}, used: ${formatUsage(pick(used))}, limited: ${formatUsage(limited)}`);
    }
    if (!a.ctx.dryRun) this.charge(ns, { group, plural, name: a.name, usage: delta, at: this.now() });
  }

  /** Current usage of the quota's resources in the namespace, pending charges included. */
  private usage(quota: Readonly<ResourceQuota>, ns: string): Usage {
    const kinds = new Map<string, { group: string; plural: string }>();
    for (const r of Object.keys(quota.spec?.hard ?? {})) {
      const k = resourcesCounted(r);
      if (k) kinds.set(`${k.group}/${k.plural}`, k);
    }
    const total: Usage = new Map();
    for (const { group, plural } of kinds.values()) {
      let objects: ReadonlyArray<Readonly<KObject>>;
      try {
        objects = this.lookup.list(group, plural, ns);
      } catch {
        continue; // a count/ of a resource this server does not serve counts nothing
      }
      for (const o of objects) if (matchesScopes(quota, group, plural, o)) addUsage(total, quotaRelevant(quota, objectUsage(group, plural, o)));
    }
    for (const c of this.livePending(ns)) addUsage(total, quotaRelevant(quota, c.usage));
    return total;
  }

  private charge(ns: string, c: Charge): void {
    const list = this.livePending(ns);
    list.push(c);
    this.pending.set(ns, list);
  }

  /** Charges whose objects the cache does not show yet and that are not too old. */
  private livePending(ns: string): Charge[] {
    const now = this.now();
    const list = (this.pending.get(ns) ?? []).filter((c) => now - c.at < PENDING_MS && !this.lookup.get(c.group, c.plural, ns, c.name));
    if (list.length) this.pending.set(ns, list);
    else this.pending.delete(ns);
    return list;
  }
}

/** `limits.cpu for: a,b; requests.memory for: a` when containers lack what the quota limits. */
function missingCompute(pod: Readonly<Pod>, hard: readonly string[]): string | undefined {
  const parts: string[] = [];
  for (const r of [...hard].filter((h) => COMPUTE.includes(h)).sort()) {
    const [kind, res] = r.includes('.') ? (r.split('.', 2) as ['requests' | 'limits', string]) : (['requests', r] as const);
    const lacking = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]
      .filter((c) => c.resources?.[kind]?.[res] === undefined && !(kind === 'requests' && c.resources?.limits?.[res] !== undefined))
      .map((c) => c.name);
    if (lacking.length) parts.push(`${r} for: ${lacking.join(',')}`);
  }
  return parts.length ? parts.join('; ') : undefined;
}
