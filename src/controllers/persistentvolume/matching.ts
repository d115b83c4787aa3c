// Which PersistentVolume a claim may bind to (upstream pkg/controller/volume/persistentvolume
// index + util FindMatchingVolume, written from their documented rules). Pure functions.
//
//   candidates ── access modes ⊇ the claim's, grouped by mode set, fewest modes first
//      │
//      ├─ pre-bound to this claim (claimRef names it) and big enough ─▶ wins at once
//      └─ Available, no claimRef, same class, selector matches labels, same volumeMode,
//         nodeAffinity admits the node (when one is given), capacity ≥ request
//                                                          ─▶ the smallest such volume
//
// With delayBinding (WaitForFirstConsumer, no node yet) only pre-bound volumes match: the
// choice among free volumes waits until a node is known.
import { compareQuantities, parseQuantity, type Quantity } from '../../api/quantity/index.js';
import { labelSelectorFromMeta, matchesLabels, nodeSelectorTermMatches, type LabelSelector, type NodeInfo } from '../../api/selectors/index.js';

export { nodeSelectorTermMatches };
import { volumeClassName } from './types.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../api/types/index.js';

export type { NodeInfo };

// ---- node affinity -----------------------------------------------------------------------

/** The volume may be used on `node`: no required node affinity, or one of its terms matches. */
export function volumeNodeAffinityAllows(pv: Readonly<PersistentVolume>, node: NodeInfo): boolean {
  const required = pv.spec?.nodeAffinity?.required;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => nodeSelectorTermMatches(t, node));
}

// ---- claim ↔ volume ----------------------------------------------------------------------

/** The volume's claimRef names this claim (and, when it carries a uid, this incarnation of it). */
export function isVolumeBoundToClaim(pv: Readonly<PersistentVolume>, claim: Readonly<PersistentVolumeClaim>): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata.name || (ref.namespace ?? '') !== (claim.metadata.namespace ?? '')) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** Every mode the claim asks for is offered by the volume. */
export function accessModesContain(offered: readonly string[] | undefined, requested: readonly string[] | undefined): boolean {
  const have = new Set(offered ?? []);
  return (requested ?? []).every((m) => have.has(m));
}

function quantityOf(v: string | undefined): Quantity | undefined {
  if (v === undefined) return undefined;
  try {
    return parseQuantity(v);
  } catch {
    return undefined;
  }
}

const volumeModeOf = (m: string | undefined): string => m ?? 'Filesystem';

/**
 * Why `pv` cannot serve `claim` when the claim names it in spec.volumeName, or undefined
 * when it can (upstream checkVolumeSatisfyClaim).
 */
export function volumeSatisfiesClaimProblem(pv: Readonly<PersistentVolume>, claim: Readonly<PersistentVolumeClaim>, className: string): string | undefined {
  const requested = quantityOf(claim.spec?.resources?.requests?.storage) ?? parseQuantity(0);
  const capacity = quantityOf(pv.spec?.capacity?.storage);
  if (!capacity || compareQuantities(capacity, requested) < 0) return 'requested PV is too small';
  if (volumeClassName(pv) !== className) return 'storageClassName does not match';
  if (volumeModeOf(pv.spec?.volumeMode) !== volumeModeOf(claim.spec?.volumeMode)) return 'incompatible volumeMode';
  if (!accessModesContain(pv.spec?.accessModes, claim.spec?.accessModes)) return 'incompatible accessMode';
  return undefined;
}

export interface MatchOptions {
  /** The claim's effective class (see claimClassName). */
  className: string;
  /** WaitForFirstConsumer without a node: only volumes pre-bound to the claim match. */
  delayBinding: boolean;
  /** When known, volumes whose nodeAffinity excludes this node do not match. */
  node?: NodeInfo;
}

function selectorOf(claim: Readonly<PersistentVolumeClaim>): LabelSelector | undefined | 'invalid' {
  const sel = claim.spec?.selector;
  if (!sel) return undefined;
  try {
    return labelSelectorFromMeta(sel);
  } catch {
    return 'invalid';
  }
}

function findInGroup(claim: Readonly<PersistentVolumeClaim>, volumes: readonly Readonly<PersistentVolume>[], opts: MatchOptions): Readonly<PersistentVolume> | undefined {
  const requested = quantityOf(claim.spec?.resources?.requests?.storage) ?? parseQuantity(0);
  const claimMode = volumeModeOf(claim.spec?.volumeMode);
  const selector = selectorOf(claim);
  let best: { pv: Readonly<PersistentVolume>; qty: Quantity } | undefined;
  for (const pv of volumes) {
    if (pv.metadata.deletionTimestamp) continue;
    const qty = quantityOf(pv.spec?.capacity?.storage);
    if (!qty) continue;
    if (volumeModeOf(pv.spec?.volumeMode) !== claimMode) continue;
    const nodeOk = !opts.node || volumeNodeAffinityAllows(pv, opts.node);
    if (isVolumeBoundToClaim(pv, claim)) {
      // A volume pre-bound to the claim is taken if it is big enough and usable on the node.
      if (compareQuantities(qty, requested) < 0 || !nodeOk) continue;
      return pv;
    }
    if (opts.delayBinding && !opts.node) continue;
    if (pv.spec?.claimRef) continue;
    if (pv.status?.phase !== 'Available') continue;
    if (selector === 'invalid' || (selector && !matchesLabels(selector, pv.metadata.labels ?? {}))) continue;
    if (volumeClassName(pv) !== opts.className) continue;
    if (!nodeOk) continue;
    if (compareQuantities(qty, requested) < 0) continue;
    if (!best || compareQuantities(best.qty, qty) > 0) best = { pv, qty };
  }
  return best?.pv;
}

/**
 * The volume the claim should bind to, or undefined. Volumes are grouped by their access
 * mode set; only sets containing every requested mode are searched, the smallest sets
 * first, so a ReadWriteOnce claim prefers a ReadWriteOnce volume over a RWO+RWX one.
 */
export function findBestMatch(
  claim: Readonly<PersistentVolumeClaim>, volumes: readonly Readonly<PersistentVolume>[], opts: MatchOptions,
): Readonly<PersistentVolume> | undefined {
  const groups = new Map<string, Readonly<PersistentVolume>[]>();
  for (const pv of volumes) {
    if (!accessModesContain(pv.spec?.accessModes, claim.spec?.accessModes)) continue;
    const key = [...new Set(pv.spec?.accessModes ?? [])].sort().join(',');
    const g = groups.get(key);
    if (g) g.push(pv);
    else groups.set(key, [pv]);
  }
  const size = (k: string): number => (k === '' ? 0 : k.split(',').length);
  const ordered = [...groups.keys()].sort((a, b) => size(a) - size(b) || a.localeCompare(b));
  for (const key of ordered) {
    const found = findInGroup(claim, groups.get(key) ?? [], opts);
    if (found) return found;
  }
  return undefined;
}
