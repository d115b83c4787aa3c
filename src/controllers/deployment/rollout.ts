// Rollout arithmetic (upstream deployment/util and the rolling/sync planners), as pure
// functions of plain objects. Plans are lists of ScaleSteps the controller then applies in
// order, recording a ScalingReplicaSet event for each size change.
import { specReplicas } from '../replicaset/index.js';
import { desiredReplicasAnnotation, maxReplicasAnnotation, revisionOf } from './annotations.js';
import { deploymentReplicas, isRollingUpdate } from './types.js';
import type { Deployment, IntOrString, ReplicaSet } from '../../api/types/index.js';

export interface ScaleStep {
  rs: Readonly<ReplicaSet>;
  to: number;
}

/** upstream GetScaledValueFromIntOrPercent: an int, or "N%" of total rounded up or down. */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** maxSurge (rounded up) and maxUnavailable (rounded down); both 0 becomes unavailable 1. */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true);
  let unavailable = scaledValue(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

function fenceposts(d: Readonly<Deployment>): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, deploymentReplicas(d));
}

export function maxSurge(d: Readonly<Deployment>): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

export function maxUnavailable(d: Readonly<Deployment>): number {
  const replicas = deploymentReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

export const sumSpecReplicas = (rss: readonly Readonly<ReplicaSet>[]): number => rss.reduce((n, rs) => n + specReplicas(rs), 0);
export const sumStatusReplicas = (rss: readonly Readonly<ReplicaSet>[]): number => rss.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
export const sumReadyReplicas = (rss: readonly Readonly<ReplicaSet>[]): number => rss.reduce((n, rs) => n + (rs.status?.readyReplicas ?? 0), 0);
export const sumAvailableReplicas = (rss: readonly Readonly<ReplicaSet>[]): number => rss.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);

/** ReplicaSets with spec.replicas > 0. */
export function filterActive(rss: readonly (Readonly<ReplicaSet> | undefined)[]): Readonly<ReplicaSet>[] {
  return rss.filter((rs): rs is Readonly<ReplicaSet> => !!rs && specReplicas(rs) > 0);
}

function created(rs: Readonly<ReplicaSet>): number {
  const t = rs.metadata.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

/** Older first; equal times by name. */
export function byCreationTimestamp(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  const d = created(a) - created(b);
  if (d !== 0) return d;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
}

/** Larger first; equal sizes older first (scale-down order). */
export function bySizeOlder(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : byCreationTimestamp(a, b);
}

/** Larger first; equal sizes newer first (scale-up order). */
export function bySizeNewer(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : byCreationTimestamp(b, a);
}

/** Lower revision first; equal revisions older first (history clean-up order). */
export function byRevision(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  const d = revisionOf(a) - revisionOf(b);
  return d !== 0 ? d : byCreationTimestamp(a, b);
}

/** upstream NewRSNewReplicas: how far the new ReplicaSet may grow now. */
export function newRSNewReplicas(d: Readonly<Deployment>, allRSs: readonly Readonly<ReplicaSet>[], newRS: Readonly<ReplicaSet>): number {
  const replicas = deploymentReplicas(d);
  if (!isRollingUpdate(d)) return replicas;
  const maxTotal = replicas + scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge, replicas, true);
  const current = sumSpecReplicas(allRSs);
  const cur = specReplicas(newRS);
  if (current >= maxTotal) return cur;
  return cur + Math.min(maxTotal - current, replicas - cur);
}

/** The new ReplicaSet has the full count, was sized for it, and all of it is available. */
export function isSaturated(d: Readonly<Deployment>, rs: Readonly<ReplicaSet> | undefined): boolean {
  if (!rs) return false;
  const replicas = deploymentReplicas(d);
  return specReplicas(rs) === replicas && desiredReplicasAnnotation(rs) === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

/**
 * The old-ReplicaSet scale-down of one rolling-update step (upstream
 * reconcileOldReplicaSets): never below replicas − maxUnavailable available pods; first
 * shrink old ReplicaSets by their unavailable pods (oldest first), then by available ones.
 */
export function planOldScaleDown(d: Readonly<Deployment>, oldRSs: readonly Readonly<ReplicaSet>[], newRS: Readonly<ReplicaSet>): ScaleStep[] {
  if (sumSpecReplicas(oldRSs) === 0) return [];
  const replicas = deploymentReplicas(d);
  const minAvailable = replicas - maxUnavailable(d);
  const allCount = sumSpecReplicas(oldRSs) + specReplicas(newRS);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allCount - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];

  const steps: ScaleStep[] = [];
  const sizes = new Map<Readonly<ReplicaSet>, number>();
  const size = (rs: Readonly<ReplicaSet>): number => sizes.get(rs) ?? specReplicas(rs);
  const sorted = [...oldRSs].sort(byCreationTimestamp);

  let cleaned = 0;
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break;
    const unhealthy = size(rs) - (rs.status?.availableReplicas ?? 0);
    if (size(rs) === 0 || unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    sizes.set(rs, size(rs) - n);
    steps.push({ rs, to: size(rs) });
    cleaned += n;
  }

  const available = sumAvailableReplicas(oldRSs) + (newRS.status?.availableReplicas ?? 0);
  if (available > minAvailable) {
    const budget = available - minAvailable;
    let scaled = 0;
    for (const rs of sorted) {
      if (scaled >= budget) break;
      if (size(rs) === 0) continue;
      const n = Math.min(size(rs), budget - scaled);
      sizes.set(rs, size(rs) - n);
      steps.push({ rs, to: size(rs) });
      scaled += n;
    }
  }
  return steps;
}

/**
 * upstream FindActiveOrLatest: the only ReplicaSet with replicas; with none, the new one or
 * else the newest old one; undefined when several have replicas.
 */
export function findActiveOrLatest(newRS: Readonly<ReplicaSet> | undefined, oldRSs: readonly Readonly<ReplicaSet>[]): Readonly<ReplicaSet> | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = filterActive([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** The fraction of a scale change one ReplicaSet takes (upstream getReplicaSetFraction). */
function replicaSetFraction(rs: Readonly<ReplicaSet>, d: Readonly<Deployment>): number {
  const replicas = deploymentReplicas(d);
  if (replicas === 0) return -specReplicas(rs);
  const maxNow = replicas + maxSurge(d);
  let before = maxReplicasAnnotation(rs) ?? 0;
  if (before === 0) {
    before = d.status?.replicas ?? 0;
    if (before === 0) return 0;
  }
  return roundHalfAway((specReplicas(rs) * maxNow) / before) - specReplicas(rs);
}

function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * The sizes for a scaling event (spec.replicas changed, or paused): upstream scale().
 * One active (or latest) ReplicaSet takes the full count; a saturated new ReplicaSet
 * drains the old ones; otherwise, for RollingUpdate, the difference to replicas + maxSurge
 * is spread over the active ReplicaSets in proportion to their size (leftovers to the
 * largest). Every active ReplicaSet gets a step (its annotations may need refreshing).
 */
export function planScale(d: Readonly<Deployment>, newRS: Readonly<ReplicaSet> | undefined, oldRSs: readonly Readonly<ReplicaSet>[]): { steps: ScaleStep[]; operation: 'up' | 'down' | '' } {
  const replicas = deploymentReplicas(d);
  const one = findActiveOrLatest(newRS, oldRSs);
  if (one) return specReplicas(one) === replicas ? { steps: [], operation: '' } : { steps: [{ rs: one, to: replicas }], operation: '' };
  if (isSaturated(d, newRS)) return { steps: filterActive(oldRSs).map((rs) => ({ rs, to: 0 })), operation: '' };
  if (!isRollingUpdate(d)) return { steps: [], operation: '' };

  const all = filterActive([...oldRSs, newRS]);
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - sumSpecReplicas(all);
  let operation: 'up' | 'down' | '' = '';
  if (toAdd > 0) {
    all.sort(bySizeNewer);
    operation = 'up';
  } else if (toAdd < 0) {
    all.sort(bySizeOlder);
    operation = 'down';
  }
  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return specReplicas(rs);
    let p = 0;
    if (specReplicas(rs) !== 0 && toAdd !== added) {
      const fraction = replicaSetFraction(rs, d);
      const left = toAdd - added;
      p = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
    }
    added += p;
    return specReplicas(rs) + p;
  });
  if (toAdd !== 0 && sizes.length) sizes[0] = Math.max(0, sizes[0] + toAdd - added);
  return { steps: all.map((rs, i) => ({ rs, to: sizes[i] })), operation };
}

/** Old ReplicaSets past revisionHistoryLimit that may be deleted, oldest revision first. */
export function historyToDelete(d: Readonly<Deployment>, oldRSs: readonly Readonly<ReplicaSet>[]): Readonly<ReplicaSet>[] {
  const limit = d.spec?.revisionHistoryLimit;
  if (limit === undefined || limit === null) return [];
  const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = alive.length - limit;
  if (diff <= 0) return [];
  return [...alive].sort(byRevision).slice(0, diff).filter((rs) =>
    (rs.status?.replicas ?? 0) === 0 && specReplicas(rs) === 0
    && (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0));
}
