// Reading and writing ControllerRevisions through the API (upstream history.realHistory).
import type { ControllerRevision, KObject } from '../../api/types/index.js';
import { isAlreadyExists, isNotFound } from '../../api/status.js';
import { isControlledBy } from '../../api/pod-util.js';
import { type Lister, R, type ApiClient } from '../../client/index.js';
import { equalRevision, hashRevisionData, revisionName, REVISION_HASH_LABEL } from './history.js';

/** Revisions in the owner's namespace whose controller is `owner`. */
export function listOwnedRevisions(lister: Lister<ControllerRevision>, owner: Readonly<KObject>): Readonly<ControllerRevision>[] {
  return lister.list(owner.metadata.namespace, (r) => isControlledBy(r, owner));
}

export interface CreatedRevision {
  revision: ControllerRevision;
  /** The collision count after creation (bumped once per name clash with different data). */
  collisionCount: number;
}

/**
 * Creates `revision` (history.CreateControllerRevision). When a different revision already
 * holds the name, the collision count goes up and the name is re-hashed; an equal one is
 * returned as is. `rehash` computes the hash for a collision count (the StatefulSet hash
 * of the revision's data by default).
 */
export async function createControllerRevision(
  client: ApiClient, owner: Readonly<KObject>, revision: ControllerRevision, collisionCount: number,
  rehash: (count: number) => string = (count) => hashRevisionData(revision.data, count),
  hashLabel: string = REVISION_HASH_LABEL,
): Promise<CreatedRevision> {
  let count = collisionCount;
  for (let attempt = 0; attempt < 100; attempt++) {
    const hash = rehash(count);
    const candidate: ControllerRevision = {
      ...revision,
      metadata: {
        ...revision.metadata,
        name: revisionName(owner.metadata.name ?? '', hash),
        namespace: owner.metadata.namespace,
        labels: { ...(revision.metadata.labels ?? {}), [hashLabel]: hash },
      },
    };
    try {
      const created = await client.create<ControllerRevision>(R.controllerrevisions, owner.metadata.namespace, candidate);
      return { revision: created, collisionCount: count };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await client.get<ControllerRevision>(R.controllerrevisions, owner.metadata.namespace, candidate.metadata.name ?? '');
      if (isControlledBy(existing, owner) && equalRevision(existing, candidate)) return { revision: existing, collisionCount: count };
      count++;
    }
  }
  throw new Error(`controllerrevision for ${owner.metadata.namespace}/${owner.metadata.name}: too many hash collisions`);
}

/** Sets a revision's number (used to roll back to an earlier, equal revision). */
export async function updateRevisionNumber(client: ApiClient, rev: Readonly<ControllerRevision>, revision: number): Promise<ControllerRevision> {
  if (rev.revision === revision) return rev as ControllerRevision;
  return client.patch<ControllerRevision>(R.controllerrevisions, rev.metadata.namespace, rev.metadata.name ?? '', 'merge', { revision });
}

/** Deletes revisions, ignoring ones already gone. */
export async function deleteRevisions(client: ApiClient, revs: readonly Readonly<ControllerRevision>[]): Promise<void> {
  for (const r of revs) {
    try {
      await client.delete(R.controllerrevisions, r.metadata.namespace, r.metadata.name ?? '');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
