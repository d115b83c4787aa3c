// LimitRanger admission: a namespace's LimitRanges give containers default limits and
// requests (mutating, pod CREATE only, as upstream: container resources cannot change later)
// and bound them (validating): min, max and maxLimitRequestRatio per Container and per Pod,
// min and max storage per PersistentVolumeClaim. Refusals are 403 with upstream's texts.
import type { Container, LimitRange, LimitRangeItem, PersistentVolumeClaim, Pod } from '../../api/types/index.js';
import { canonicalQuantity, compareQuantities, parseQuantity, addQuantities, quantityToNumber, type Quantity } from '../../api/quantity/index.js';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin, type ObjectLookup } from './types.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

/**
 * A Container item's effective defaults, as upstream's LimitRange defaulting fills them: the
 * default limit falls back to max, the default request to the default limit, then to min.
 */
export function effectiveDefaults(item: Readonly<LimitRangeItem>): { limits: Record<string, string>; requests: Record<string, string> } {
  const limits: Record<string, string> = { ...(item.max ?? {}), ...(item.default ?? {}) };
  const requests: Record<string, string> = { ...(item.min ?? {}), ...limits, ...(item.defaultRequest ?? {}) };
  return { limits, requests };
}

/** Sets missing limits and requests; returns the `LimitRanger plugin set: …` note, or ''. */
export function applyContainerDefaults(containers: Container[], items: readonly LimitRangeItem[]): string {
  const notes: string[] = [];
  for (const item of items) {
    if (item.type !== 'Container') continue;
    const d = effectiveDefaults(item);
    for (const c of containers) {
      const res = (c.resources ??= {});
      const setReq: string[] = [];
      const setLim: string[] = [];
      const hadLimits = { ...(res.limits ?? {}) };
      for (const [r, v] of Object.entries(d.limits)) {
        if (res.limits?.[r] !== undefined) continue;
        (res.limits ??= {})[r] = v;
        setLim.push(r);
      }
      for (const [r, v] of Object.entries(d.requests)) {
        if (res.requests?.[r] !== undefined) continue;
        // A limit the pod set itself is its request (upstream's defaulting ran before this).
        (res.requests ??= {})[r] = hadLimits[r] ?? v;
        if (hadLimits[r] === undefined) setReq.push(r);
      }
      if (setReq.length) notes.push(`${setReq.join(', ')} request for container ${c.name}`);
      if (setLim.length) notes.push(`${setLim.join(', ')} limit for container ${c.name}`);
    }
  }
  return notes.length ? `LimitRanger plugin set: ${notes.join('; ')}` : '';
}

function fmt(q: Quantity | string): string {
  return canonicalQuantity(q);
}

/** min/max/ratio checks of one request/limit pair against an item; appends upstream's texts (one per bound). */
function checkBounds(kind: string, item: Readonly<LimitRangeItem>, requests: Record<string, Quantity>, limits: Record<string, Quantity>, errs: string[]): void {
  for (const [r, v] of Object.entries(item.min ?? {})) {
    const min = parseQuantity(v);
    const req = requests[r];
    const lim = limits[r];
    if (req === undefined) errs.push(`minimum ${r} usage per ${kind} is ${fmt(min)}.  No request is specified`);
    else if (compareQuantities(req, min) < 0) errs.push(`minimum ${r} usage per ${kind} is ${fmt(min)}, but request is ${fmt(req)}`);
    else if (lim !== undefined && compareQuantities(lim, min) < 0) errs.push(`minimum ${r} usage per ${kind} is ${fmt(min)}, but limit is ${fmt(lim)}`);
  }
  for (const [r, v] of Object.entries(item.max ?? {})) {
    const max = parseQuantity(v);
    const req = requests[r];
    const lim = limits[r];
    if (lim === undefined) errs.push(`maximum ${r} usage per ${kind} is ${fmt(max)}.  No limit is specified`);
    else if (compareQuantities(lim, max) > 0) errs.push(`maximum ${r} usage per ${kind} is ${fmt(max)}, but limit is ${fmt(lim)}`);
    else if (req !== undefined && compareQuantities(req, max) > 0) errs.push(`maximum ${r} usage per ${kind} is ${fmt(max)}, but request is ${fmt(req)}`);
  }
  for (const [r, v] of Object.entries(item.maxLimitRequestRatio ?? {})) {
    const ratio = parseQuantity(v);
    const req = requests[r];
    const lim = limits[r];
    if (lim === undefined) {
      errs.push(`${r} max limit to request ratio per ${kind} is ${fmt(ratio)}, but no limit is specified`);
      continue;
    }
    if (req === undefined || quantityToNumber(req) === 0) {
      errs.push(`${r} max limit to request ratio per ${kind} is ${fmt(ratio)}, but no request is specified or request is 0`);
      continue;
    }
    const actual = quantityToNumber(lim) / quantityToNumber(req);
    if (actual > quantityToNumber(ratio)) errs.push(`${r} max limit to request ratio per ${kind} is ${fmt(ratio)}, but provided ratio is ${actual.toFixed(6)}`);
  }
}

function parsed(list: Record<string, string> | undefined): Record<string, Quantity> {
  const out: Record<string, Quantity> = {};
  for (const [r, v] of Object.entries(list ?? {})) out[r] = parseQuantity(v);
  return out;
}

/** Every violation of the pod against the items (Container and Pod types). */
export function podLimitViolations(pod: Readonly<Pod>, items: readonly LimitRangeItem[]): string[] {
  const errs: string[] = [];
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const item of items) {
    if (item.type === 'Container') {
      for (const c of containers) checkBounds('Container', item, parsed(c.resources?.requests), parsed(c.resources?.limits), errs);
    } else if (item.type === 'Pod') {
      const sum = (kind: 'requests' | 'limits'): Record<string, Quantity> => {
        const out: Record<string, Quantity> = {};
        for (const c of pod.spec?.containers ?? []) for (const [r, q] of Object.entries(parsed(c.resources?.[kind]))) out[r] = out[r] ? addQuantities(out[r], q) : q;
        for (const c of pod.spec?.initContainers ?? []) for (const [r, q] of Object.entries(parsed(c.resources?.[kind]))) if (!out[r] || compareQuantities(q, out[r]) > 0) out[r] = q;
        return out;
      };
      checkBounds('Pod', item, sum('requests'), sum('limits'), errs);
    }
  }
  return errs;
}

function pvcViolations(pvc: Readonly<PersistentVolumeClaim>, items: readonly LimitRangeItem[]): string[] {
  const errs: string[] = [];
  const req = pvc.spec?.resources?.requests?.storage;
  for (const item of items) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    const min = item.min?.storage;
    const max = item.max?.storage;
    if (min !== undefined && (req === undefined || compareQuantities(parseQuantity(req), parseQuantity(min)) < 0))
      errs.push(`minimum storage usage per PersistentVolumeClaim is ${fmt(min)}, but request is ${req === undefined ? '0' : fmt(req)}`);
    if (max !== undefined && req !== undefined && compareQuantities(parseQuantity(req), parseQuantity(max)) > 0)
      errs.push(`maximum storage usage per PersistentVolumeClaim is ${fmt(max)}, but request is ${fmt(req)}`);
  }
  return errs;
}

/** upstream's aggregate error text: one message alone, several in brackets. */
function aggregate(errs: readonly string[]): string {
  return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}

export class LimitRangerPlugin implements AdmissionPlugin {
  readonly name = 'LimitRanger';

  constructor(private readonly lookup: ObjectLookup) {}

  handles(a: Readonly<AdmissionAttributes>): boolean {
    if (a.subresource !== '' || a.def.group !== '' || !a.namespace) return false;
    if (a.def.plural === 'pods') return a.operation === 'CREATE';
    return a.def.plural === 'persistentvolumeclaims';
  }

  private items(ns: string): LimitRangeItem[] {
    return (this.lookup.list('', 'limitranges', ns) as ReadonlyArray<Readonly<LimitRange>>).flatMap((l) => l.spec?.limits ?? []);
  }

  mutate(a: AdmissionAttributes): void {
    if (a.def.plural !== 'pods') return;
    const items = this.items(a.namespace!);
    if (!items.length) return;
    const pod = a.object as Pod;
    const spec = (pod.spec ??= { containers: [] });
    const note = applyContainerDefaults([...(spec.initContainers ?? []), ...(spec.containers ?? [])], items);
    if (note) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: note };
  }

  validate(a: Readonly<AdmissionAttributes>): void {
    const items = this.items(a.namespace!);
    if (!items.length) return;
    const errs = a.def.plural === 'pods' ? podLimitViolations(a.object as Pod, items) : pvcViolations(a.object as PersistentVolumeClaim, items);
    if (errs.length) throw admissionForbidden(a, aggregate(errs));
  }
}
