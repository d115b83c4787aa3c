// Pure decisions of the garbage collector (upstream attemptToDeleteItem and friends), and
// the JSON patches it sends. Patches carry `test` operations on what they remove, so a
// concurrent change makes them fail (and the item is retried) instead of clobbering it.
import type { KObject, OwnerReference } from '../../api/types/index.js';
import { resources, storageDef, splitApiVersion } from '../../api/registry/index.js';
import { allStoredResources, type DeleteOptions, type ResourceRef } from '../../client/index.js';
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN } from './graph.js';

/** What a live or cached lookup says about one owner. */
export type OwnerState = 'solid' | 'dangling' | 'waitingForDependentsDeletion';

export interface ClassifiedRefs {
  solid: OwnerReference[];
  dangling: OwnerReference[];
  waiting: OwnerReference[];
}

export type Decision =
  | { kind: 'none' }
  | { kind: 'removeOwnerRefs'; uids: string[] }
  | { kind: 'delete'; policy: NonNullable<DeleteOptions['propagationPolicy']> };

export function classify(refs: readonly OwnerReference[], states: ReadonlyMap<string, OwnerState>): ClassifiedRefs {
  const out: ClassifiedRefs = { solid: [], dangling: [], waiting: [] };
  for (const r of refs) {
    const s = states.get(r.uid) ?? 'solid';
    if (s === 'dangling') out.dangling.push(r);
    else if (s === 'waitingForDependentsDeletion') out.waiting.push(r);
    else out.solid.push(r);
  }
  return out;
}

/**
 * What to do with an object that has ownerReferences and is not itself being deleted:
 * - some owner still solid: only drop references to owners gone or deleting in foreground;
 * - an owner waits for its dependents and this object has dependents of its own: delete
 *   it in the foreground too, so the wait covers the whole subtree;
 * - otherwise: delete it, keeping any propagation its finalizers already asked for.
 */
export function decide(obj: Readonly<KObject>, c: ClassifiedRefs, hasDependents: boolean): Decision {
  if (c.solid.length) {
    if (!c.dangling.length && !c.waiting.length) return { kind: 'none' };
    return { kind: 'removeOwnerRefs', uids: [...c.dangling, ...c.waiting].map((r) => r.uid) };
  }
  if (c.waiting.length && hasDependents) return { kind: 'delete', policy: 'Foreground' };
  const f = obj.metadata.finalizers ?? [];
  if (f.includes(FINALIZER_ORPHAN)) return { kind: 'delete', policy: 'Orphan' };
  if (f.includes(FINALIZER_FOREGROUND)) return { kind: 'delete', policy: 'Foreground' };
  return { kind: 'delete', policy: 'Background' };
}

/** JSON patch removing the ownerReferences with these uids (highest index first). */
export function removeOwnerRefsPatch(obj: Readonly<KObject>, uids: readonly string[]): unknown[] | undefined {
  const refs = obj.metadata.ownerReferences ?? [];
  const ops: unknown[] = [{ op: 'test', path: '/metadata/uid', value: obj.metadata.uid }];
  for (let i = refs.length - 1; i >= 0; i--) {
    if (!uids.includes(refs[i].uid)) continue;
    ops.push({ op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: refs[i].uid });
    ops.push({ op: 'remove', path: `/metadata/ownerReferences/${i}` });
  }
  return ops.length > 1 ? ops : undefined;
}

/** JSON patch removing one finalizer, or undefined if it is not there. */
export function removeFinalizerPatch(obj: Readonly<KObject>, finalizer: string): unknown[] | undefined {
  const list = obj.metadata.finalizers ?? [];
  const ops: unknown[] = [{ op: 'test', path: '/metadata/uid', value: obj.metadata.uid }];
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i] !== finalizer) continue;
    ops.push({ op: 'test', path: `/metadata/finalizers/${i}`, value: finalizer });
    ops.push({ op: 'remove', path: `/metadata/finalizers/${i}` });
  }
  return ops.length > 1 ? ops : undefined;
}

const storedByKey = new Map(allStoredResources().map((r) => [`${r.group}/${r.resource}`, r]));

/** The stored resource for an ownerReference's apiVersion and kind (any served version of the group). */
export function resourceForKind(apiVersion: string, kind: string): ResourceRef | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const def = resources.find((r) => r.group === group && r.version === version && r.kind === kind)
    ?? resources.find((r) => r.group === group && r.kind === kind);
  if (!def || def.virtual) return undefined;
  const s = storageDef(def);
  return storedByKey.get(`${s.group}/${s.plural}`);
}

/** Bounded set of owner uids verified absent (upstream absentOwnerCache), oldest evicted first. */
export class AbsentOwnerCache {
  private readonly set = new Set<string>();
  constructor(private readonly max = 10_000) {}
  has(uid: string): boolean {
    return this.set.has(uid);
  }
  add(uid: string): void {
    this.set.delete(uid);
    this.set.add(uid);
    if (this.set.size > this.max) this.set.delete(this.set.values().next().value as string);
  }
}
