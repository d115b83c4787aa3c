// Moves pods bound to simulated nodes through their lifecycle without running anything:
//
//   bound (Pending) ──start delay──▶ Running ──readiness delay──▶ Ready
//                                      │ restartPolicy Never/OnFailure
//                                      └──run time──▶ Succeeded (or Failed, see annotations)
//   deletionTimestamp set ──stop delay──▶ deleted (grace period 0), as the kubelet finishes it
//
// Readiness honours readinessProbe.initialDelaySeconds (and startupProbe's), so
// minReadySeconds, maxUnavailable and rollouts take the time they would on real nodes.
// Test knobs (pod annotations): sim.k8ts.io/run-seconds (how long a run-to-completion pod
// runs, default 1), sim.k8ts.io/exit-code (default 0), sim.k8ts.io/never-ready ("true": the
// readiness probe fails from then on, so a ready pod turns not ready).
import type { KObject, Pod, PodStatus } from '../../api/types/index.js';
import { isNotFound, isConflict } from '../../api/status.js';
import { getCondition, isPodTerminal } from '../../api/pod-util.js';
import { podQOSClass } from '../../api/defaults/index.js';
import { type ApiClient, R } from '../../client/index.js';
import { rfc3339 } from '../../util/time.js';
import { sameStatus } from '../status/status-manager.js';
import { BugError } from '../../util/bug-error.js';

export const ANNOTATION_RUN_SECONDS = 'sim.k8ts.io/run-seconds';
export const ANNOTATION_EXIT_CODE = 'sim.k8ts.io/exit-code';
export const ANNOTATION_NEVER_READY = 'sim.k8ts.io/never-ready';

/** How long "pulling and starting" takes on a simulated node. */
export const START_DELAY_MS = 50;

export type SimAction =
  | { kind: 'none' }
  | { kind: 'wait'; ms: number }
  | { kind: 'status'; status: Record<string, unknown>; then?: number }
  | { kind: 'delete' };

/** When the pod's containers become ready, in ms after they started. */
export function readinessDelayMs(pod: Readonly<Pod>): number {
  let max = 0;
  for (const c of pod.spec?.containers ?? []) {
    let d = 0;
    if (c.startupProbe) d += (c.startupProbe.initialDelaySeconds ?? 0) * 1000;
    if (c.readinessProbe) d += (c.readinessProbe.initialDelaySeconds ?? 0) * 1000;
    max = Math.max(max, d);
  }
  return max;
}

function hasProbe(pod: Readonly<Pod>): boolean {
  return (pod.spec?.containers ?? []).some((c) => c.readinessProbe || c.startupProbe);
}

function runsToCompletion(pod: Readonly<Pod>): boolean {
  const rp = pod.spec?.restartPolicy;
  return rp === 'Never' || rp === 'OnFailure';
}

function containerStatuses(pod: Readonly<Pod>, state: Record<string, unknown>, ready: boolean, started: boolean): Array<Record<string, unknown>> {
  return (pod.spec?.containers ?? []).map((c) => ({
    name: c.name,
    state,
    ready,
    restartCount: 0,
    image: c.image ?? '',
    imageID: `simulated://${c.image ?? ''}`,
    containerID: `simulated://${pod.metadata.uid?.slice(0, 8)}-${c.name}`,
    started,
  }));
}

function conditions(pod: Readonly<Pod>, ready: boolean, now: string, reason?: string): Array<Record<string, unknown>> {
  const keep = (type: string, status: string, extra: Record<string, unknown> = {}) => {
    const prev = getCondition(pod, type);
    return { type, status, lastProbeTime: null, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now, ...extra };
  };
  const r = ready ? 'True' : 'False';
  const extra = ready ? {} : reason ? { reason } : { reason: 'ContainersNotReady', message: `containers with unready status: [${(pod.spec?.containers ?? []).map((c) => c.name).join(' ')}]` };
  return [
    keep('PodReadyToStartContainers', 'True'),
    keep('Initialized', 'True'),
    keep('Ready', r, extra),
    keep('ContainersReady', r, extra),
    keep('PodScheduled', 'True'),
  ];
}

/**
 * The next step for a pod on a running simulated node, as a pure function of the pod,
 * its IPs and the time. `startedAt` is when the simulator started its containers.
 */
export function nextAction(pod: Readonly<Pod>, ips: { podIP: string; hostIP: string }, now: number): SimAction {
  if (pod.metadata.deletionTimestamp) return { kind: 'delete' };
  if (isPodTerminal(pod)) return { kind: 'none' };
  const status: PodStatus = pod.status ?? {};
  const nowS = rfc3339(now);
  if (status.phase !== 'Running') {
    const startTime = status.startTime ?? nowS;
    const probes = hasProbe(pod);
    const never = pod.metadata.annotations?.[ANNOTATION_NEVER_READY] === 'true';
    const ready = !probes && !never;
    const st: Record<string, unknown> = {
      phase: 'Running',
      conditions: conditions(pod, ready, nowS),
      hostIP: ips.hostIP,
      hostIPs: [{ ip: ips.hostIP }],
      podIP: ips.podIP,
      podIPs: [{ ip: ips.podIP }],
      startTime,
      containerStatuses: containerStatuses(pod, { running: { startedAt: nowS } }, ready, true),
      qosClass: podQOSClass(pod as KObject),
    };
    let then: number | undefined;
    if (runsToCompletion(pod)) then = Number(pod.metadata.annotations?.[ANNOTATION_RUN_SECONDS] ?? 1) * 1000;
    else if (!ready && !never) then = readinessDelayMs(pod);
    return { kind: 'status', status: st, then };
  }
  const cs = (status.containerStatuses ?? [])[0];
  const startedAt = Date.parse(cs?.state?.running?.startedAt ?? status.startTime ?? nowS);
  if (runsToCompletion(pod)) {
    const runMs = Number(pod.metadata.annotations?.[ANNOTATION_RUN_SECONDS] ?? 1) * 1000;
    if (now < startedAt + runMs) return { kind: 'wait', ms: startedAt + runMs - now };
    const code = Number(pod.metadata.annotations?.[ANNOTATION_EXIT_CODE] ?? 0);
    const terminated = { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt: rfc3339(startedAt), finishedAt: nowS, containerID: `simulated://${pod.metadata.uid?.slice(0, 8)}` };
    return {
      kind: 'status',
      status: {
        ...(pod.status as object),
        phase: code === 0 ? 'Succeeded' : 'Failed',
        conditions: conditions(pod, false, nowS, 'PodCompleted'),
        containerStatuses: containerStatuses(pod, { terminated }, false, false),
      },
    };
  }
  const readyNow = getCondition(pod, 'Ready')?.status === 'True';
  if (pod.metadata.annotations?.[ANNOTATION_NEVER_READY] === 'true') {
    // The readiness probe fails from now on: a ready pod turns not ready.
    if (!readyNow) return { kind: 'none' };
    return {
      kind: 'status',
      status: {
        ...(pod.status as object),
        conditions: conditions(pod, false, nowS),
        containerStatuses: containerStatuses(pod, { running: { startedAt: rfc3339(startedAt) } }, false, true),
      },
    };
  }
  if (readyNow) return { kind: 'none' };
  const due = startedAt + readinessDelayMs(pod);
  if (now < due) return { kind: 'wait', ms: due - now };
  return {
    kind: 'status',
    status: {
      ...(pod.status as object),
      conditions: conditions(pod, true, nowS),
      containerStatuses: containerStatuses(pod, { running: { startedAt: rfc3339(startedAt) } }, true, true),
    },
  };
}

export interface ApplyResult {
  /** Look again after this long (ms). */
  waitMs?: number;
  /** The resourceVersion our status write produced. */
  writtenRv?: string;
}

/**
 * Applies an action through the API. A status equal to the pod's (nulls aside) is not
 * written: the simulated kubelet writes only on change, as the real one.
 */
export async function applyAction(client: ApiClient, pod: Readonly<KObject>, action: SimAction): Promise<ApplyResult> {
  const ns = pod.metadata.namespace;
  const name = pod.metadata.name!;
  switch (action.kind) {
    case 'none':
      return {};
    case 'wait':
      return { waitMs: action.ms };
    case 'delete':
      try {
        await client.delete(R.pods, ns, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
      return {};
    case 'status': {
      if (sameStatus(action.status, pod.status)) return { waitMs: action.then };
      let written: KObject;
      try {
        written = await client.patch(R.pods, ns, name, 'merge', { metadata: { uid: pod.metadata.uid }, status: action.status }, { subresource: 'status' });
      } catch (e) {
        if (isNotFound(e) || isConflict(e)) return {};
        throw e;
      }
      return { waitMs: action.then, writtenRv: written.metadata.resourceVersion };
    }
    default: {
      const never: never = action;
      throw new BugError(`unknown simulator action ${JSON.stringify(never)}`);
    }
  }
}
