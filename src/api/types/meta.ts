// Hand-written shapes shared by every component: the generic object, list and watch-event
// envelopes and plain JSON. The API's own types (ObjectMeta, OwnerReference, ListMeta, every
// kind) are generated from the wire facts into generated.ts; import both through index.ts.
import type { ListMeta, ObjectMeta, Quantity } from './generated.js';

/**
 * Any Kubernetes object as JSON. Every generated kind (a message with ObjectMeta metadata)
 * extends it, so a Pod passes wherever a KObject is expected; the index signature keeps fields
 * of custom resources and fields this build does not model reachable as `unknown`.
 */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/**
 * A kind whose fields past metadata may be missing: what a reader that tolerates partial objects
 * (hand-built fixtures, objects before validation) accepts. Any KObject and any T fit.
 */
export type LooseObject<T extends KObject> = KObject & Partial<T>;

export interface KList<T = KObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** A decoded watch event (the wire's meta/v1 WatchEvent carries the object as raw JSON). */
export interface WatchEvent<T = KObject> {
  type: WatchEventType;
  object: T;
}

/** core/v1 ResourceList (a Go map type, so not a message of the facts): resource name → quantity. */
export type ResourceList = Record<string, Quantity>;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
