// The owner graph (upstream's GraphBuilder, in memory and synchronous): one node per
// observed object, keyed by uid, holding only metadata; and a dependents index from an
// owner uid to the uids of the objects that reference it. Owners referenced but not
// observed become "virtual" nodes until a live lookup settles whether they exist.
//
// Every change returns the uids worth another look (the caller enqueues them), so the
// cost of an event is proportional to the object's ownerReferences and, for owners in
// deletion, to their dependents: no scans over the whole graph.
import type { KObject, OwnerReference } from '../../api/types/index.js';
import type { ResourceRef } from '../../client/index.js';
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN } from '../../api/well-known.js';
export { FINALIZER_FOREGROUND, FINALIZER_ORPHAN };

export interface GraphNode {
  readonly uid: string;
  /** Undefined for virtual nodes (identity known only from an ownerReference). */
  readonly res?: ResourceRef;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly owners: readonly OwnerReference[];
  readonly beingDeleted: boolean;
  readonly finalizers: readonly string[];
  readonly virtual: boolean;
}

export function isDeletingDependents(n: GraphNode | undefined): boolean {
  return !!n && n.beingDeleted && n.finalizers.includes(FINALIZER_FOREGROUND);
}

export function isOrphaning(n: GraphNode | undefined): boolean {
  return !!n && n.beingDeleted && n.finalizers.includes(FINALIZER_ORPHAN);
}

export class OwnerGraph {
  private readonly nodes = new Map<string, GraphNode>();
  /** owner uid → dependent uids. */
  private readonly dependentsOf = new Map<string, Set<string>>();

  get size(): number {
    return this.nodes.size;
  }

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  dependents(uid: string): GraphNode[] {
    const out: GraphNode[] = [];
    for (const d of this.dependentsOf.get(uid) ?? []) {
      const n = this.nodes.get(d);
      if (n) out.push(n);
    }
    return out;
  }

  dependentCount(uid: string): number {
    return this.dependentsOf.get(uid)?.size ?? 0;
  }

  /** Dependents whose reference to `uid` has blockOwnerDeletion. */
  blockingDependents(uid: string): GraphNode[] {
    return this.dependents(uid).filter((d) => d.owners.some((r) => r.uid === uid && r.blockOwnerDeletion === true));
  }

  /** Records an added or updated object; returns uids to process. */
  observe(obj: Readonly<KObject>, res: ResourceRef): string[] {
    const m = obj.metadata;
    const uid = m.uid;
    if (!uid) return [];
    const prev = this.nodes.get(uid);
    const node: GraphNode = {
      uid, res, apiVersion: obj.apiVersion ?? '', kind: res.kind, namespace: m.namespace, name: m.name ?? '',
      owners: m.ownerReferences ?? [], beingDeleted: !!m.deletionTimestamp, finalizers: m.finalizers ?? [], virtual: false,
    };
    this.nodes.set(uid, node);
    const out = new Set<string>();
    const prevOwners = prev && !prev.virtual ? prev.owners : [];
    const prevByUid = new Map(prevOwners.map((r) => [r.uid, r]));
    const nextByUid = new Map(node.owners.map((r) => [r.uid, r]));
    for (const [ouid, ref] of nextByUid) {
      const before = prevByUid.get(ouid);
      if (!before) this.link(ouid, uid);
      const owner = this.nodes.get(ouid);
      if (!owner) {
        this.nodes.set(ouid, virtualNode(ref, m.namespace));
        out.add(ouid);
      } else if (owner.virtual) {
        out.add(ouid);
      } else if (isDeletingDependents(owner) && (!before || before.blockOwnerDeletion !== ref.blockOwnerDeletion)) {
        out.add(ouid);
      }
      // A dependent of an owner being deleted (or gone) needs a decision of its own; so
      // does one naming an object of another namespace (which cannot be its owner).
      if (!owner || owner.virtual || isDeletingDependents(owner)) out.add(uid);
      else if (owner.namespace && owner.namespace !== m.namespace) out.add(uid);
    }
    for (const ouid of prevByUid.keys()) {
      if (nextByUid.has(ouid)) continue;
      this.unlink(ouid, uid);
      if (isDeletingDependents(this.nodes.get(ouid))) out.add(ouid);
    }
    const startedDeleting = (f: (n: GraphNode | undefined) => boolean): boolean => f(node) && !f(prev && !prev.virtual ? prev : undefined);
    if (startedDeleting(isOrphaning)) out.add(uid);
    if (startedDeleting(isDeletingDependents)) {
      out.add(uid);
      for (const d of this.dependentsOf.get(uid) ?? []) out.add(d);
    }
    // A virtual node that turned out to exist: its dependents may have been waiting on it.
    if (prev?.virtual) for (const d of this.dependentsOf.get(uid) ?? []) out.add(d);
    return [...out];
  }

  /** Records a deletion; returns uids to process (dependents, owners waiting on it). */
  remove(uid: string): string[] {
    const node = this.nodes.get(uid);
    if (!node || node.virtual) return [];
    this.nodes.delete(uid);
    const out: string[] = [];
    for (const r of node.owners) {
      this.unlink(r.uid, uid);
      if (isDeletingDependents(this.nodes.get(r.uid))) out.push(r.uid);
    }
    // Dependents keep their entry in the index: their owner is absent now.
    for (const d of this.dependentsOf.get(uid) ?? []) out.push(d);
    return out;
  }

  /** Drops a virtual node that a live lookup found absent; returns its dependents. */
  forgetVirtual(uid: string): string[] {
    const node = this.nodes.get(uid);
    if (node?.virtual) this.nodes.delete(uid);
    return [...(this.dependentsOf.get(uid) ?? [])];
  }

  private link(owner: string, dep: string): void {
    let s = this.dependentsOf.get(owner);
    if (!s) this.dependentsOf.set(owner, (s = new Set()));
    s.add(dep);
  }

  private unlink(owner: string, dep: string): void {
    const s = this.dependentsOf.get(owner);
    if (!s) return;
    s.delete(dep);
    if (s.size) return;
    this.dependentsOf.delete(owner);
    if (this.nodes.get(owner)?.virtual) this.nodes.delete(owner);
  }
}

function virtualNode(ref: OwnerReference, dependentNamespace: string | undefined): GraphNode {
  return {
    uid: ref.uid, apiVersion: ref.apiVersion, kind: ref.kind, namespace: dependentNamespace, name: ref.name,
    owners: [], beingDeleted: false, finalizers: [], virtual: true,
  };
}
