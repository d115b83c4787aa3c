// Writes pod status to the API only when it changed (merge patch on /status), as upstream's
// status manager. "Changed" is judged against both the pod as the informer last saw it and
// what this manager last wrote, so neither resyncs nor a lagging cache cause writes.
import { isNotFound, isConflict, isInvalid } from '../../api/status.js';
import type { ApiClient } from '../../client/types.js';
import { R } from '../../client/resources.js';
import type { Pod, PodStatusJson } from '../pod-types.js';

/** JSON with sorted keys, for equality. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

const MANAGED = ['phase', 'conditions', 'hostIP', 'hostIPs', 'podIP', 'podIPs', 'startTime', 'qosClass', 'containerStatuses', 'initContainerStatuses'] as const;

/** The fields this kubelet owns, for comparison. */
function managed(s: Readonly<PodStatusJson> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of MANAGED) if (s?.[k] !== undefined) out[k] = s[k];
  return out;
}

export class StatusManager {
  private readonly written = new Map<string, string>();
  /** Number of status writes (tests). */
  writes = 0;

  constructor(private readonly client: ApiClient) {}

  /** Writes `status` unless it equals what the pod has or what was last written. Returns true when written. */
  async setStatus(pod: Readonly<Pod>, status: PodStatusJson): Promise<boolean> {
    const uid = pod.metadata.uid ?? '';
    const want = canonicalJson(managed(status));
    if (want === canonicalJson(managed(pod.status)) || this.written.get(uid) === want) {
      this.written.set(uid, want);
      return false;
    }
    const patch: Record<string, unknown> = { ...status };
    for (const k of MANAGED) if (status[k] === undefined && pod.status?.[k] !== undefined) patch[k] = null;
    try {
      await this.client.patch(R.pods, pod.metadata.namespace, pod.metadata.name ?? '', 'merge', { metadata: { uid }, status: patch }, { subresource: 'status' });
      this.writes++;
      this.written.set(uid, want);
      return true;
    } catch (e) {
      // Gone or replaced by a pod with the same name: nothing to report to.
      if (isNotFound(e) || isConflict(e) || isInvalid(e)) return false;
      throw e;
    }
  }

  forget(uid: string): void {
    this.written.delete(uid);
  }
}
