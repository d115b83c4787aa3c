// The one writer of this kubelet's pod statuses (upstream's status manager). Contracts:
//
// - Source of truth. The manager caches the last status set for each pod. A condition's
//   lastTransitionTime comes from that cache (or, before the first status, from the pod as the
//   API has it): it stays while the condition's status stays, and becomes "now" only when the
//   status changes. startTime never changes once set. A pod sync computes its status from the
//   same cache (`cachedStatus`), never from an informer copy that may lag behind our writes.
// - Write only on change. A status is written when its kubelet-owned part differs from the last
//   one written, or when the API's copy (at least as new as that write) differs from it because
//   someone else changed it (e.g. the node lifecycle controller marking pods not ready).
//   Comparison is on a normalized form: nulls dropped, conditions by type, containers by name.
// - One writer per pod. Writes for one pod are serialized; conditions other components own
//   (PodScheduled, readiness gates, DisruptionTarget...) are taken from the freshest copy of
//   the pod and the patch carries that copy's resourceVersion, so a concurrent writer's
//   change is never overwritten (409 → re-read → retry).
//
//   setStatus ─▶ transition times from cache ─▶ same as written (and API not changed by others)? skip
//            └▶ merge with freshest pod ─▶ API already has it? skip ─▶ PATCH /status (rv precondition)
import { isNotFound, isConflict, isInvalid } from '../../api/status.js';
import { type ApiClient, type Clock, realClock, R } from '../../client/index.js';
import { rfc3339 } from '../../util/time.js';
import { counter } from '../../util/metrics.js';
import { canonicalJson } from '../../util/canonical-json.js';
import type { Pod, PodCondition, PodStatus } from '../../api/types/index.js';
import { COND } from '../constants.js';

/** Status fields the kubelet owns: the only ones it compares and patches. */
const MANAGED = ['phase', 'conditions', 'hostIP', 'hostIPs', 'podIP', 'podIPs', 'startTime', 'qosClass', 'containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses'] as const;

/** Pod conditions the kubelet owns; others' conditions are left as the API has them. */
export const KUBELET_CONDITIONS: ReadonlySet<string> = new Set([COND.PodReadyToStartContainers, COND.Initialized, COND.ContainersReady, COND.Ready]);

const isTerminal = (phase: string | undefined): boolean => phase === 'Succeeded' || phase === 'Failed';

/** A JSON value without null members, for comparison (the API server drops them). */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = dropNulls(x);
    return out;
  }
  return v;
}

const byKey = <T>(key: (x: T) => string) => (a: T, b: T): number => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/**
 * The kubelet-owned part of a status in a normal form (upstream normalizeStatus +
 * isPodStatusByKubeletEqual): equal strings mean the kubelet has nothing to write.
 */
export function ownedStatusKey(s: Readonly<PodStatus> | undefined): string {
  const out: Record<string, unknown> = {};
  for (const k of MANAGED) if (s?.[k] !== undefined && s[k] !== null) out[k] = s[k];
  if (s?.conditions) out.conditions = s.conditions.filter((c) => KUBELET_CONDITIONS.has(c.type)).sort(byKey((c) => c.type));
  if (s?.containerStatuses) out.containerStatuses = [...s.containerStatuses].sort(byKey((c) => c.name));
  if (s?.initContainerStatuses) out.initContainerStatuses = [...s.initContainerStatuses].sort(byKey((c) => c.name));
  if (s?.ephemeralContainerStatuses) out.ephemeralContainerStatuses = [...s.ephemeralContainerStatuses].sort(byKey((c) => c.name));
  return canonicalJson(dropNulls(out));
}

/**
 * `next` with upstream's transition-time rule applied against `prev`: a condition keeps its
 * lastTransitionTime while its status is unchanged and gets `now` when it changes; startTime
 * and a terminal phase are kept. Pure.
 */
export function withTransitionTimes(next: Readonly<PodStatus>, prev: Readonly<PodStatus> | undefined, now: string): PodStatus {
  const out: PodStatus = { ...next };
  if (next.conditions) {
    out.conditions = next.conditions.map((c): PodCondition => {
      if (!KUBELET_CONDITIONS.has(c.type)) return c;
      const old = prev?.conditions?.find((p) => p.type === c.type);
      const ltt = old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now;
      return { ...c, lastTransitionTime: ltt };
    });
  }
  if (prev?.startTime) out.startTime = prev.startTime;
  if (isTerminal(prev?.phase) && !isTerminal(next.phase)) out.phase = prev!.phase;
  return out;
}

/** Whether two statuses are the same once normalized (nulls dropped; the API server drops them). */
export function sameStatus(a: unknown, b: unknown): boolean {
  return canonicalJson(dropNulls(a ?? {})) === canonicalJson(dropNulls(b ?? {}));
}

/** resourceVersion a is at least as new as b (decimal revisions; opaque ones only when equal). */
export function atLeast(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length !== b.length ? a.length > b.length : a >= b;
  return a === b;
}

const statusUpdates = counter('k8ts_kubelet_status_updates_total', 'Pod status updates the kubelet considered, by result: written, unchanged (skipped: nothing changed), conflict (retried), gone, error.', ['result']);

interface PodEntry {
  /** The status last set for the pod: the source of truth for its transition times. */
  status?: PodStatus;
  /** ownedStatusKey of what was last written (or found already in the API). */
  writtenKey?: string;
  /** The server's rendering of that write, and the pod as the server returned it. */
  serverKey?: string;
  serverPod?: Readonly<Pod>;
  /** Tail of this pod's write chain (one writer per pod). */
  tail: Promise<unknown>;
}

export interface StatusManagerOptions {
  clock?: Clock;
}

export class StatusManager {
  private readonly pods = new Map<string, PodEntry>();
  private readonly clock: Clock;
  /** Number of status writes (tests, metrics). */
  writes = 0;

  constructor(private readonly client: ApiClient, o: StatusManagerOptions = {}) {
    this.clock = o.clock ?? realClock;
  }

  /** The status last set for the pod, if any: the "previous status" a sync computes from. */
  cachedStatus(uid: string): Readonly<PodStatus> | undefined {
    return this.pods.get(uid)?.status;
  }

  /**
   * Sets the pod's status and writes it when it changed. `pod` is the pod as the caller last
   * saw it (it may lag behind our own writes). Returns true when written.
   */
  setStatus(pod: Readonly<Pod>, status: PodStatus): Promise<boolean> {
    const uid = pod.metadata.uid ?? '';
    let e = this.pods.get(uid);
    if (!e) this.pods.set(uid, (e = { tail: Promise.resolve() }));
    const entry = e;
    const run = entry.tail.then(() => this.update(entry, pod, status));
    entry.tail = run.catch(() => undefined);
    return run;
  }

  forget(uid: string): void {
    this.pods.delete(uid);
  }

  private async update(e: PodEntry, pod: Readonly<Pod>, generated: PodStatus): Promise<boolean> {
    const status = withTransitionTimes(generated, e.status ?? pod.status, rfc3339(this.clock.now()));
    e.status = status;
    const key = ownedStatusKey(status);
    if (key === e.writtenKey && !this.changedByOthers(e, pod, ownedStatusKey(pod.status))) {
      statusUpdates.inc({ result: 'unchanged' });
      return false;
    }
    // The freshest copy we know: the caller's, or what our last write returned.
    let base: Readonly<Pod> = e.serverPod && atLeast(e.serverPod.metadata.resourceVersion, pod.metadata.resourceVersion) ? e.serverPod : pod;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) {
        try {
          base = await this.client.get<Pod>(R.pods, pod.metadata.namespace, pod.metadata.name ?? '');
        } catch (err) {
          if (isNotFound(err)) return this.gone();
          throw err;
        }
        if (base.metadata.uid !== pod.metadata.uid) return this.gone();
      }
      if (ownedStatusKey(base.status) === key) return this.unchanged(e, key, base);
      try {
        const result = await this.client.patch<Pod>(R.pods, pod.metadata.namespace, pod.metadata.name ?? '', 'merge',
          { metadata: { uid: pod.metadata.uid, resourceVersion: base.metadata.resourceVersion }, status: patchFor(status, base.status) }, { subresource: 'status' });
        this.writes++;
        statusUpdates.inc({ result: 'written' });
        e.writtenKey = key;
        e.serverKey = ownedStatusKey(result.status);
        e.serverPod = result;
        return true;
      } catch (err) {
        if (isNotFound(err) || isInvalid(err)) return this.gone();
        if (!isConflict(err)) {
          statusUpdates.inc({ result: 'error' });
          throw err;
        }
        // Someone else wrote the pod (or it was replaced): re-read and merge again.
        statusUpdates.inc({ result: 'conflict' });
      }
    }
    statusUpdates.inc({ result: 'error' });
    throw new Error(`pod ${pod.metadata.namespace}/${pod.metadata.name}: status update kept conflicting`);
  }

  /**
   * The API's copy of the pod is at least as new as our last write and its kubelet-owned part
   * is not what that write left: another component changed it, and our status must be restored.
   */
  private changedByOthers(e: PodEntry, pod: Readonly<Pod>, podKey: string): boolean {
    if (!e.serverPod || !atLeast(pod.metadata.resourceVersion, e.serverPod.metadata.resourceVersion)) return false;
    return podKey !== e.serverKey && podKey !== e.writtenKey;
  }

  private unchanged(e: PodEntry, key: string, pod: Readonly<Pod>): false {
    e.writtenKey = key;
    e.serverKey = ownedStatusKey(pod.status);
    e.serverPod = pod;
    statusUpdates.inc({ result: 'unchanged' });
    return false;
  }

  private gone(): false {
    statusUpdates.inc({ result: 'gone' });
    return false;
  }
}

/**
 * The merge patch that makes `base`'s status ours: the kubelet-owned fields, our conditions
 * with everyone else's from `base` (a merge patch replaces lists whole), and null for owned
 * fields we no longer set.
 */
function patchFor(status: Readonly<PodStatus>, base: Readonly<PodStatus> | undefined): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const k of MANAGED) {
    if (status[k] !== undefined) patch[k] = status[k];
    else if (base?.[k] !== undefined) patch[k] = null;
  }
  const ours = (status.conditions ?? []).filter((c) => KUBELET_CONDITIONS.has(c.type));
  const theirs = (base?.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type));
  patch.conditions = [...ours, ...theirs];
  return patch;
}
