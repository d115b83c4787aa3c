// Namespace deletion status conditions, as upstream's namespace deleter maintains them:
// all five types are always present once deletion starts; "ok" variants are False.
import type { Condition } from '../../api/pod-util.js';

export const NamespaceDeletionDiscoveryFailure = 'NamespaceDeletionDiscoveryFailure';
export const NamespaceDeletionGVParsingFailure = 'NamespaceDeletionGroupVersionParsingFailure';
export const NamespaceDeletionContentFailure = 'NamespaceDeletionContentFailure';
export const NamespaceContentRemaining = 'NamespaceContentRemaining';
export const NamespaceFinalizersRemaining = 'NamespaceFinalizersRemaining';

export const CONDITION_TYPES = [
  NamespaceDeletionDiscoveryFailure, NamespaceDeletionGVParsingFailure, NamespaceDeletionContentFailure,
  NamespaceContentRemaining, NamespaceFinalizersRemaining,
] as const;

const OK: Record<string, { reason: string; message: string }> = {
  [NamespaceDeletionDiscoveryFailure]: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  [NamespaceDeletionGVParsingFailure]: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  [NamespaceDeletionContentFailure]: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  [NamespaceContentRemaining]: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  [NamespaceFinalizersRemaining]: { reason: 'ContentRemoved', message: 'All content successfully removed' },
};

/** What one deletion pass found. */
export interface DeletionTotals {
  /** `resource.group` → objects still present (core group renders as `pods.`). */
  remaining: Map<string, number>;
  /** finalizer → objects still carrying it. */
  finalizers: Map<string, number>;
  /** Errors deleting or listing content, one message per resource. */
  errors: string[];
}

/** The failing (True) conditions for a pass; types not listed are ok. */
export function failingConditions(t: DeletionTotals): Condition[] {
  const out: Condition[] = [];
  const remaining = [...t.remaining].filter(([, n]) => n > 0).map(([gr, n]) => `${gr} has ${n} resource instances`).sort();
  if (remaining.length) {
    out.push({ type: NamespaceContentRemaining, status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${remaining.join(', ')}` });
  }
  const fins = [...t.finalizers].filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`).sort();
  if (fins.length) {
    out.push({ type: NamespaceFinalizersRemaining, status: 'True', reason: 'SomeFinalizerRemain', message: `Some finalizers are remaining: ${fins.join(', ')}` });
  }
  if (t.errors.length) {
    const msgs = [...t.errors].sort();
    out.push({ type: NamespaceDeletionContentFailure, status: 'True', reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}` });
  }
  return out;
}

/**
 * The namespace's new condition list, or undefined if nothing changed. lastTransitionTime
 * moves only when a condition's status changes.
 */
export function updatedConditions(current: readonly Condition[], failing: readonly Condition[], now: string): Condition[] | undefined {
  const next = current.map((c) => ({ ...c }));
  let changed = false;
  for (const type of CONDITION_TYPES) {
    const want: Condition = failing.find((c) => c.type === type) ?? { type, status: 'False', ...OK[type] };
    const old = next.find((c) => c.type === type);
    if (!old) {
      next.push({ ...want, lastTransitionTime: now });
      changed = true;
    } else if (old.status !== want.status || old.reason !== want.reason || old.message !== want.message) {
      if (old.status !== want.status) old.lastTransitionTime = now;
      old.status = want.status;
      old.reason = want.reason;
      old.message = want.message;
      changed = true;
    }
  }
  return changed ? next : undefined;
}
