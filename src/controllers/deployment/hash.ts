// pod-template-hash and template identity.
//
// Upstream hashes the template with FNV-32a over a deep printing of the Go struct, then
// spells the decimal number with the "safe" alphabet. We hash the canonical JSON of the
// template instead (keys sorted; nulls, empty objects and empty arrays dropped, as Go's
// omitempty does on a round trip), then spell it the same way, so values look like
// upstream's (`5d59d67564`: at most 10 characters, only 4-9, b, c, d, f).
import { deepEqual } from '../../util/json.js';
import { canonicalJsonOmitEmpty, omitEmpty } from '../../util/canonical-json.js';
import { fnv1a, safeEncodeString, uint32LE } from '../../util/hash.js';
import type { PodTemplateSpec } from '../replicaset/index.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

// Re-exported under this module's earlier names (one definition each, in util/).
export { safeEncodeString, fnv1a as fnv32a };

/** upstream controller.ComputeHash: the template's hash, salted with collisionCount when set. */
export function computeHash(template: Readonly<PodTemplateSpec>, collisionCount?: number): string {
  let h = fnv1a(new TextEncoder().encode(canonicalJsonOmitEmpty(template)));
  if (collisionCount !== undefined && collisionCount !== null) h = fnv1a(uint32LE(collisionCount), h);
  return safeEncodeString(String(h));
}

function withoutHashLabel(t: Readonly<Partial<PodTemplateSpec>>): unknown {
  const labels = t.metadata?.labels;
  if (!labels || !(POD_TEMPLATE_HASH_LABEL in labels)) return omitEmpty(t);
  const rest = { ...labels };
  delete rest[POD_TEMPLATE_HASH_LABEL];
  return omitEmpty({ ...t, metadata: { ...t.metadata, labels: rest } });
}

/**
 * upstream EqualIgnoreHash: the templates are equal apart from the pod-template-hash label.
 * Decides which ReplicaSet is a Deployment's "new" one, including after `rollout undo`.
 */
export function templatesEqualIgnoringHash(a: Readonly<PodTemplateSpec> | undefined, b: Readonly<PodTemplateSpec> | undefined): boolean {
  return deepEqual(withoutHashLabel(a ?? {}), withoutHashLabel(b ?? {}));
}

