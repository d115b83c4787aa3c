// ControllerExpectations (upstream pkg/controller/controller_utils.go): what a controller
// has asked the API server to do but not yet seen in its informer cache.
//
//   reconcile ── expectCreations(key, n) ──▶ creates in flight ──informer add──▶ creationObserved
//             └─ expectDeletions(key, pods) ─▶ deletes in flight ─informer del──▶ deletionObserved
//
// A reconcile only manages replicas when the expectations of its key are satisfied (all
// observed, or recorded more than EXPECTATIONS_TIMEOUT_MS ago, or never recorded). Without
// this, a reconcile that runs before the informer has seen its own creates would count too
// few pods and create them again.
//
// Deletions are tracked by pod key, so a pod seen twice as deleted (once with a
// deletionTimestamp, once removed) lowers the count only once.
import type { Clock } from '../../client/index.js';

/** Expectations older than this are considered satisfied (upstream ExpectationsTimeout). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  /** When the expectation was recorded (ms). */
  timestamp: number;
  /** Pod keys whose deletion we wait for. */
  deleteKeys: Set<string>;
}

export class PodExpectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(private readonly clock: Clock) {}

  /** True when a reconcile of `key` may create or delete pods. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now() - e.timestamp > EXPECTATIONS_TIMEOUT_MS;
  }

  /** Milliseconds until unfulfilled expectations of `key` expire; undefined when satisfied. */
  expiresIn(key: string): number | undefined {
    const e = this.byKey.get(key);
    if (!e || (e.add <= 0 && e.del <= 0)) return undefined;
    return Math.max(0, e.timestamp + EXPECTATIONS_TIMEOUT_MS - this.clock.now());
  }

  /** Replaces the expectations of `key` with `n` pending creations. */
  expectCreations(key: string, n: number): void {
    this.byKey.set(key, { add: n, del: 0, timestamp: this.clock.now(), deleteKeys: new Set() });
  }

  /** Replaces the expectations of `key` with the deletions of `podKeys`. */
  expectDeletions(key: string, podKeys: readonly string[]): void {
    const keys = new Set(podKeys);
    this.byKey.set(key, { add: 0, del: keys.size, timestamp: this.clock.now(), deleteKeys: keys });
  }

  /** The informer saw a pod of `key` created (or a create was abandoned). */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.add--;
  }

  /** The informer saw `podKey` deleted (or its delete failed); counts once per pod. */
  deletionObserved(key: string, podKey: string): void {
    const e = this.byKey.get(key);
    if (e && e.deleteKeys.delete(podKey)) e.del--;
  }

  /** Forgets `key` (its ReplicaSet is gone). */
  delete(key: string): void {
    this.byKey.delete(key);
  }

  /** Pending counts, for tests and debugging. */
  pending(key: string): { add: number; del: number } | undefined {
    const e = this.byKey.get(key);
    return e ? { add: e.add, del: e.del } : undefined;
  }
}
