// Adoption and orphaning by selector (upstream ControllerRefManager), shared by the
// ReplicaSet controller (claiming pods) and the Deployment controller (claiming ReplicaSets).
//
//   controlled by us, selector matches      → keep
//   controlled by us, selector stopped matching → release (remove our ownerReference)
//   controlled by someone else              → ignore
//   orphan, selector matches, not deleting  → adopt (add our controller ownerReference)
//
// An owner that is being deleted neither adopts nor releases. Adoption first re-reads the
// owner from the API server (not the cache): if it was deleted or replaced meanwhile, we
// must not take objects for it.
import type { KObject } from '../../api/types/index.js';
import { controllerRef } from '../../api/pod-util.js';
import { isNotFound } from '../../api/status.js';
import type { LabelSelector } from '../../api/selectors/index.js';
import { matchesLabels } from '../../api/selectors/index.js';
import { BugError } from '../../util/bug-error.js';

export type ClaimDecision = 'keep' | 'adopt' | 'release' | 'ignore';

/** What to do with `obj` for `owner` whose selector is `selector` (pure). */
export function claimDecision(owner: Readonly<KObject>, selector: LabelSelector, obj: Readonly<KObject>): ClaimDecision {
  const ref = controllerRef(obj);
  const ownerDeleting = !!owner.metadata.deletionTimestamp;
  const matches = matchesLabels(selector, obj.metadata.labels);
  if (ref) {
    if (ref.uid !== owner.metadata.uid) return 'ignore';
    if (matches) return 'keep';
    return ownerDeleting ? 'ignore' : 'release';
  }
  if (ownerDeleting || !matches) return 'ignore';
  if (obj.metadata.deletionTimestamp) return 'ignore';
  if (owner.metadata.namespace && owner.metadata.namespace !== obj.metadata.namespace) return 'ignore';
  return 'adopt';
}

export interface ClaimActions<T extends KObject> {
  /** Throws when the owner may not adopt (gone, replaced or being deleted); called at most once. */
  canAdopt(): Promise<void>;
  /** Adds the controller ownerReference; returns the updated object. */
  adopt(obj: Readonly<T>): Promise<Readonly<T>>;
  /** Removes our ownerReference. */
  release(obj: Readonly<T>): Promise<void>;
}

/**
 * The objects `owner` controls after adopting matching orphans and releasing owned
 * non-matching ones. Objects that vanished meanwhile (NotFound) are skipped; any other
 * failure is thrown after every object was tried.
 */
export async function claimObjects<T extends KObject>(owner: Readonly<KObject>, selector: LabelSelector, objs: readonly Readonly<T>[], actions: ClaimActions<T>): Promise<Readonly<T>[]> {
  const claimed: Readonly<T>[] = [];
  const errors: unknown[] = [];
  let adoptCheck: Promise<void> | undefined;
  for (const obj of objs) {
    const decision = claimDecision(owner, selector, obj);
    try {
      switch (decision) {
        case 'keep':
          claimed.push(obj);
          break;
        case 'adopt':
          adoptCheck ??= actions.canAdopt();
          await adoptCheck;
          claimed.push(await actions.adopt(obj));
          break;
        case 'release':
          await actions.release(obj);
          break;
        case 'ignore':
          break;
        default: {
          const never: never = decision;
          throw new BugError(`unknown claim decision ${String(never)}`);
        }
      }
    } catch (err) {
      if (!isNotFound(err)) errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, (errors.map((e) => (e instanceof Error ? e.message : String(e)))).join('; '));
  return claimed;
}

/**
 * The canAdopt check: re-reads the owner and refuses when it is gone, was replaced by an
 * object with another uid, or is being deleted (upstream RecheckDeletionTimestamp).
 */
export async function recheckOwner(owner: Readonly<KObject>, fetch: () => Promise<Readonly<KObject>>): Promise<void> {
  const fresh = await fetch();
  const what = `${owner.metadata.namespace ? owner.metadata.namespace + '/' : ''}${owner.metadata.name}`;
  if (fresh.metadata.uid !== owner.metadata.uid) {
    throw new Error(`original ${what} is gone: got uid ${fresh.metadata.uid}, wanted ${owner.metadata.uid}`);
  }
  if (fresh.metadata.deletionTimestamp) throw new Error(`${what} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
}
