// pod-template-hash and template identity.
//
// Upstream hashes the template with FNV-32a over a deep printing of the Go struct, then
// spells the decimal number with the "safe" alphabet. We hash the canonical JSON of the
// template instead (keys sorted; nulls, empty objects and empty arrays dropped, as Go's
// omitempty does on a round trip), then spell it the same way, so values look like
// upstream's (`5d59d67564`: at most 10 characters, only 4-9, b, c, d, f).
import { deepEqual } from '../../util/json.js';
import type { PodTemplateSpec } from '../replicaset/index.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** upstream rand.SafeEncodeString: every character mapped into the alphabet by its code. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** FNV-1a, 32 bits, continuing from `hash`. */
export function fnv32a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A JSON value with what Go's omitempty would drop removed (null, {}, []), keys sorted. */
export function normalizeJson(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(normalizeJson).filter((x) => x !== undefined);
    return items.length ? items : undefined;
  }
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v as Record<string, unknown>).sort()) {
    const x = normalizeJson((v as Record<string, unknown>)[k]);
    if (x !== undefined) out[k] = x;
  }
  return Object.keys(out).length ? out : undefined;
}

export function canonicalJson(v: unknown): string {
  return JSON.stringify(normalizeJson(v) ?? null);
}

/** upstream controller.ComputeHash: the template's hash, salted with collisionCount when set. */
export function computeHash(template: Readonly<PodTemplateSpec>, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

function withoutHashLabel(t: Readonly<Partial<PodTemplateSpec>>): unknown {
  const labels = t.metadata?.labels;
  if (!labels || !(POD_TEMPLATE_HASH_LABEL in labels)) return normalizeJson(t);
  const rest = { ...labels };
  delete rest[POD_TEMPLATE_HASH_LABEL];
  return normalizeJson({ ...t, metadata: { ...t.metadata, labels: rest } });
}

/**
 * upstream EqualIgnoreHash: the templates are equal apart from the pod-template-hash label.
 * Decides which ReplicaSet is a Deployment's "new" one, including after `rollout undo`.
 */
export function templatesEqualIgnoringHash(a: Readonly<PodTemplateSpec> | undefined, b: Readonly<PodTemplateSpec> | undefined): boolean {
  return deepEqual(withoutHashLabel(a ?? {}), withoutHashLabel(b ?? {}));
}

