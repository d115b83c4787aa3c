// Taints and tolerations: upstream's one matching rule (k8s.io/api/core/v1 toleration.go
// ToleratesTaint, taint.go MatchTaint, and component-helpers' FindMatchingUntoleratedTaint),
// shared by the scheduler, the DaemonSet controller and the node lifecycle controller so the
// three can never disagree about whether a pod tolerates a node.
//
// A toleration tolerates a taint when
//   1. its effect is empty (every effect) or equals the taint's,
//   2. its key is empty (every key; validation then requires operator Exists) or equals the taint's,
//   3. its operator is Exists (every value), or Equal / empty (the values are equal, an absent
//      value being ""); any other operator tolerates nothing (1.32 has no Lt/Gt).
// Pure: no I/O.

import type { Taint, Toleration } from './types/index.js';

// The generated API model's shapes (src/api/types); re-exported so callers find them here.
export type { Taint, Toleration };

export const TAINT_EFFECT_NO_SCHEDULE = 'NoSchedule';
export const TAINT_EFFECT_PREFER_NO_SCHEDULE = 'PreferNoSchedule';
export const TAINT_EFFECT_NO_EXECUTE = 'NoExecute';

/** Whether `tol` tolerates `taint` (upstream Toleration.ToleratesTaint). */
export function toleratesTaint(tol: Readonly<Toleration>, taint: Readonly<Taint>): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  const op = tol.operator;
  if (op === 'Exists') return true;
  if (op === undefined || op === '' || op === 'Equal') return (tol.value ?? '') === (taint.value ?? '');
  return false;
}

/** Whether some toleration in the list tolerates `taint` (upstream TolerationsTolerateTaint). */
export function tolerationsTolerateTaint(tolerations: readonly Readonly<Toleration>[] | undefined, taint: Readonly<Taint>): boolean {
  if (!tolerations) return false;
  for (let i = 0; i < tolerations.length; i++) if (toleratesTaint(tolerations[i], taint)) return true;
  return false;
}

/**
 * The first taint that `inclusionFilter` accepts (all, when omitted) and no toleration
 * tolerates, else undefined (upstream FindMatchingUntoleratedTaint).
 */
export function findMatchingUntoleratedTaint<T extends Readonly<Taint>>(
  taints: readonly T[] | undefined,
  tolerations: readonly Readonly<Toleration>[] | undefined,
  inclusionFilter?: (t: T) => boolean,
): T | undefined {
  if (!taints) return undefined;
  for (let i = 0; i < taints.length; i++) {
    const t = taints[i];
    if (inclusionFilter && !inclusionFilter(t)) continue;
    if (!tolerationsTolerateTaint(tolerations, t)) return t;
  }
  return undefined;
}

/**
 * The first NoSchedule or NoExecute taint (the ones that keep new pods off a node) that no
 * toleration tolerates: findMatchingUntoleratedTaint with that filter written out, because
 * the scheduler asks it for every tainted node of every pod and the filter callback costs
 * about a sixth of the call (bench/helpers.bench.ts).
 */
export function findUntoleratedNoScheduleOrNoExecuteTaint<T extends Readonly<Taint>>(
  taints: readonly T[] | undefined,
  tolerations: readonly Readonly<Toleration>[] | undefined,
): T | undefined {
  if (!taints) return undefined;
  for (let i = 0; i < taints.length; i++) {
    const t = taints[i];
    if (t.effect !== TAINT_EFFECT_NO_SCHEDULE && t.effect !== TAINT_EFFECT_NO_EXECUTE) continue;
    if (!tolerationsTolerateTaint(tolerations, t)) return t;
  }
  return undefined;
}

/** Same key and effect: the identity of a taint on a node (upstream Taint.MatchTaint). */
export function matchTaint(a: Readonly<Taint>, b: Readonly<Taint>): boolean {
  return a.key === b.key && a.effect === b.effect;
}
