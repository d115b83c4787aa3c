// ControllerRevision bookkeeping shared by the StatefulSet and DaemonSet controllers
// (upstream pkg/controller/history). A revision is an immutable snapshot of an owner's pod
// template, stored as the patch that restores it:
//
//   {"spec":{"template":{...template, "$patch":"replace"}}}
//
// Revisions are named `<owner>-<hash>`, numbered 1, 2, 3... in the order they became the
// update target, and pruned to spec.revisionHistoryLimit, never touching a revision that
// is still live (current, update, or the revision of some existing pod).
import type { ControllerRevision, KObject } from '../../api/types/index.js';
import { isPlainObject } from '../../api/types/index.js';
import { newControllerRef } from '../../api/pod-util.js';
import { clone, deepEqual } from '../../util/json.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { fnv1, fnv1a, safeEncodeString, uint32LE } from '../../util/hash.js';

// Re-exported for the users of this module's earlier surface (one definition, in util/).
export { canonicalJson, fnv1, fnv1a, safeEncodeString as safeEncode };

/** Label on pods (and DaemonSet revisions) naming the revision they were made from. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** Label history adds to every revision it creates: the revision's hash. */
export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

/** Upstream truncates the owner part of a revision name to this length. */
const MAX_PREFIX = 223;

const utf8 = new TextEncoder();

/**
 * The StatefulSet revision hash (history.HashControllerRevision): FNV-1 of the revision's
 * data bytes, then of the decimal collision count when one is given.
 */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  let h = fnv1(utf8.encode(canonicalJson(data)));
  if (collisionCount !== undefined) h = fnv1(utf8.encode(String(collisionCount)), h);
  return safeEncodeString(String(h));
}

/**
 * The DaemonSet template hash (controller.ComputeHash): FNV-1a of the template, then of
 * the collision count as 4 little-endian bytes when one is given.
 */
export function hashTemplate(template: unknown, collisionCount?: number): string {
  let h = fnv1a(utf8.encode(canonicalJson(template ?? {})));
  if (collisionCount !== undefined) h = fnv1a(uint32LE(collisionCount), h);
  return safeEncodeString(String(h));
}

/** `<owner>-<hash>`, the owner part cut to 223 characters. */
export function revisionName(ownerName: string, hash: string): string {
  return `${ownerName.length > MAX_PREFIX ? ownerName.slice(0, MAX_PREFIX) : ownerName}-${hash}`;
}

/** The patch a revision stores: the template, marked to replace the owner's template whole. */
export function templatePatch(template: unknown): { spec: { template: Record<string, unknown> } } {
  const t = isPlainObject(template) ? clone(template) : {};
  return { spec: { template: { ...t, $patch: 'replace' } } };
}

/** The pod template a revision restores (its patch without the directive). */
export function templateFromRevision(rev: Readonly<ControllerRevision>): Record<string, unknown> {
  const data = rev.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const t = clone(data?.spec?.template ?? {});
  delete t.$patch;
  return t;
}

export interface NewRevisionOptions {
  owner: Readonly<KObject>;
  ownerApiVersion: string;
  ownerKind: string;
  /** Copied as the revision's labels (upstream: the template's labels). */
  labels?: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
  data: unknown;
  revision: number;
  collisionCount?: number;
  /** Hash to use instead of hashRevisionData(data, collisionCount) (the DaemonSet template hash). */
  hash?: string;
  /** Label carrying the hash; REVISION_HASH_LABEL by default (DaemonSets use CONTROLLER_REVISION_HASH_LABEL). */
  hashLabel?: string;
}

/** An unsaved ControllerRevision for `owner`, named and labelled by its hash. */
export function newControllerRevision(o: NewRevisionOptions): ControllerRevision {
  const hash = o.hash ?? hashRevisionData(o.data, o.collisionCount);
  const meta: ControllerRevision['metadata'] = {
    name: revisionName(o.owner.metadata.name ?? '', hash),
    namespace: o.owner.metadata.namespace,
    labels: { ...(o.labels ?? {}), [o.hashLabel ?? REVISION_HASH_LABEL]: hash },
    ownerReferences: [newControllerRef(o.owner, o.ownerApiVersion, o.ownerKind)],
  };
  if (o.annotations && Object.keys(o.annotations).length > 0) meta.annotations = { ...o.annotations };
  return { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: meta, data: clone(o.data), revision: o.revision };
}

/** Same hash label and same data (history.EqualRevision). */
export function equalRevision(a: Readonly<ControllerRevision> | undefined, b: Readonly<ControllerRevision> | undefined): boolean {
  if (!a || !b) return a === b;
  const ha = a.metadata.labels?.[REVISION_HASH_LABEL];
  const hb = b.metadata.labels?.[REVISION_HASH_LABEL];
  if (ha !== undefined && hb !== undefined && ha !== hb) return false;
  return deepEqual(a.data, b.data);
}

/** Revisions in `list` equal to `needle`, in list order. */
export function findEqualRevisions<T extends Readonly<ControllerRevision>>(list: readonly T[], needle: Readonly<ControllerRevision>): T[] {
  return list.filter((r) => equalRevision(r, needle));
}

/** Ascending by revision number, then creation time, then name. */
export function sortRevisions<T extends Readonly<ControllerRevision>>(list: readonly T[]): T[] {
  return [...list].sort((a, b) =>
    (a.revision - b.revision)
    || String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? ''))
    || String(a.metadata.name).localeCompare(String(b.metadata.name)));
}

/** One more than the highest revision number (1 for an empty history). */
export function nextRevision(list: readonly Readonly<ControllerRevision>[]): number {
  let max = 0;
  for (const r of list) if (r.revision > max) max = r.revision;
  return max + 1;
}

/**
 * The revisions to delete so that at most `limit` non-live revisions remain: the oldest
 * non-live ones first. `live` holds the names of revisions still in use.
 */
export function revisionsToTruncate<T extends Readonly<ControllerRevision>>(list: readonly T[], live: ReadonlySet<string>, limit: number): T[] {
  const history = sortRevisions(list).filter((r) => !live.has(r.metadata.name ?? ''));
  const excess = history.length - Math.max(0, limit);
  return excess > 0 ? history.slice(0, excess) : [];
}

/** Removes keys whose value is 0 (Go's `omitempty` on int32 status fields), in place; returns obj. */
export function dropZero<T extends object>(obj: T, keys: readonly (keyof T)[]): T {
  for (const k of keys) if ((obj as Record<keyof T, unknown>)[k] === 0) delete (obj as Record<keyof T, unknown>)[k];
  return obj;
}
