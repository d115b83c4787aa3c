// Diagnosis of one pod: scheduling, image pulls, crashes (with the exit code, the OOM limit and
// the last log lines), probes, readiness. Pure: the pod, its events and fetched log tails in.
//
//   scheduled? ──no──▶ unschedulable (PodScheduled message / FailedScheduling event)
//       │yes
//   each container (init first): waiting ErrImagePull/ImagePullBackOff ──▶ image
//                                waiting CrashLoopBackOff / exited ≠ 0  ──▶ oom | crash | exited
//                                other waiting reason                   ──▶ waiting
//       │
//   Ready? ──no──▶ probe (Unhealthy events) | not-ready
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from '../api/well-known.js';
import type { Container, ContainerStatus, Event, Pod } from '../api/types/index.js';
import { eventCount, eventLine, eventsFor, eventsWithReason } from './events.js';
import type { PodFinding } from './types.js';

export const IMAGE_REASONS = ['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable'];
const REASON_UNHEALTHY = 'Unhealthy';
const REASON_FAILED_SCHEDULING = 'FailedScheduling';
const DEFAULT_TOLERATION_KEYS: readonly string[] = [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE];
/** Waiting reasons that are just progress, not a problem (yet). */
const PROGRESS_REASONS = ['ContainerCreating', 'PodInitializing'];
/** How many log lines a crash shows. */
export const LOG_TAIL_LINES = 10;

export function podRef(p: Pod): string {
  return `pod/${p.metadata.name}`;
}

export function isPodReady(p: Pod): boolean {
  return p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Key of a log tail in WhyFacts.logs. */
export function logKey(pod: string, container: string): string {
  return `${pod}/${container}`;
}

export interface LogRequest {
  pod: string;
  namespace: string;
  container: string;
  /** The previous (exited) instance: what a crash-looping container printed before it died. */
  previous: boolean;
}

/** The log tails worth fetching for `pods`: containers that exited non-zero, at most `maxPods` pods. */
export function logsWanted(pods: readonly Pod[], maxPods = 2): LogRequest[] {
  const out: LogRequest[] = [];
  const seen = new Set<string>();
  for (const p of pods) {
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
      const last = s.lastState?.terminated;
      const now = s.state?.terminated;
      if (now && now.exitCode !== 0) out.push({ pod: p.metadata.name!, namespace: p.metadata.namespace ?? 'default', container: s.name, previous: false });
      else if (last && last.exitCode !== 0) out.push({ pod: p.metadata.name!, namespace: p.metadata.namespace ?? 'default', container: s.name, previous: true });
      else continue;
      seen.add(p.metadata.name!);
      if (seen.size >= maxPods) return out;
    }
  }
  return out;
}

/** What is wrong with `pod`, or undefined when it is running and ready (or completed). */
export function diagnosePod(pod: Pod, allEvents: readonly Event[], logs: ReadonlyMap<string, string>): PodFinding | undefined {
  const name = podRef(pod);
  const events = eventsFor(allEvents, pod, 'Pod');
  const st = pod.status ?? {};
  if (pod.metadata.deletionTimestamp) {
    return { pod: name, kind: 'terminating', cause: `is terminating (deletion requested at ${pod.metadata.deletionTimestamp})`, evidence: events.slice(0, 2).map(eventLine) };
  }
  if (st.phase === 'Succeeded') return undefined;

  const scheduled = (st.conditions ?? []).find((c) => c.type === 'PodScheduled');
  if (!pod.spec?.nodeName && (scheduled?.status === 'False' || !scheduled)) {
    const ev = eventsWithReason(events, [REASON_FAILED_SCHEDULING])[0];
    const msg = scheduled?.message || ev?.message || 'the scheduler has not placed it yet';
    // The message is the headline already; the event adds how often the scheduler tried.
    const evidence: string[] = [];
    if (ev && ev.message?.trim() !== msg.trim()) evidence.push(eventLine(ev));
    else if (ev && eventCount(ev) > 1) evidence.push(`event ${ev.reason} (x${eventCount(ev)}): the scheduler tried ${eventCount(ev)} times`);
    evidence.push(...requestsLine(pod));
    return { pod: name, kind: 'unschedulable', cause: `cannot be scheduled: ${msg.trim()}`, evidence };
  }

  const containers = new Map<string, Container>([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => [c.name, c]));
  const statuses = [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])];
  for (const s of statuses) {
    const f = diagnoseContainer(pod, s, containers.get(s.name), events, logs);
    if (f) return f;
  }

  if (st.phase === 'Failed') {
    return { pod: name, kind: 'failed', cause: `failed${st.reason ? ` (${st.reason})` : ''}: ${st.message ?? 'its containers exited with errors'}`, evidence: events.slice(0, 3).map(eventLine) };
  }
  if (isPodReady(pod)) return undefined;

  const unhealthy = eventsWithReason(events, [REASON_UNHEALTHY]);
  const notReady = statuses.filter((s) => !s.ready && s.state?.running).map((s) => s.name);
  if (unhealthy.length) {
    const probe = unhealthy[0];
    const who = notReady.length ? `container ${notReady[0]} ` : '';
    return { pod: name, kind: 'probe', cause: `is not ready: ${who}${firstLine(probe.message ?? 'probe failed')}`, evidence: [...unhealthy.slice(0, 3).map(eventLine), ...probeLines(pod, notReady[0])] };
  }
  const waiting = statuses.find((s) => s.state?.waiting);
  if (st.phase === 'Pending' || waiting) {
    const warn = events.find((e) => e.type === 'Warning');
    const reason = waiting?.state?.waiting?.reason ?? 'Pending';
    return {
      pod: name,
      kind: 'pending',
      cause: warn ? `is ${reason}: ${warn.reason}: ${firstLine(warn.message ?? '')}` : `is ${reason}${pod.spec?.nodeName ? ` on node ${pod.spec.nodeName}` : ''}`,
      evidence: events.slice(0, 3).map(eventLine),
    };
  }
  const ready = (st.conditions ?? []).find((c) => c.type === 'Ready');
  const why = notReady.length ? `container ${notReady.join(', ')} not ready` : (ready?.message ?? ready?.reason ?? `phase ${st.phase ?? 'unknown'}`);
  return { pod: name, kind: 'not-ready', cause: `is not ready: ${why}`, evidence: [...events.slice(0, 2).map(eventLine), ...probeLines(pod, notReady[0])] };
}

function diagnoseContainer(pod: Pod, s: ContainerStatus, spec: Container | undefined, events: readonly Event[], logs: ReadonlyMap<string, string>): PodFinding | undefined {
  const name = podRef(pod);
  const waiting = s.state?.waiting;
  const c = `container ${s.name}`;
  if (waiting?.reason && IMAGE_REASONS.includes(waiting.reason)) {
    // ImagePullBackOff's own message is only "Back-off pulling image"; the last pull's error is in
    // the kubelet's "Failed to pull image "x": <error>" event.
    const pulled = events.find((e) => e.reason === 'Failed' && (e.message ?? '').startsWith('Failed to pull image'));
    const pullError = pulled?.message?.replace(/^Failed to pull image "[^"]*":\s*/, '');
    const msg = firstLine((waiting.reason === 'ImagePullBackOff' && pullError) || waiting.message || pullError || waiting.reason);
    return {
      pod: name,
      kind: 'image',
      cause: `cannot pull image "${s.image || spec?.image || '?'}" for ${c} (${waiting.reason}): ${msg}`,
      evidence: eventsWithReason(events, ['Failed', 'BackOff']).filter((e) => !/^Error: /.test(e.message ?? '')).slice(0, 3).map(eventLine),
    };
  }
  const now = s.state?.terminated;
  const last = s.lastState?.terminated;
  const restartPolicy = pod.spec?.restartPolicy ?? 'Always';
  const crashed = waiting?.reason === 'CrashLoopBackOff' ? last : now && now.exitCode !== 0 ? now : undefined;
  if (crashed) {
    const logText = logs.get(logKey(pod.metadata.name!, s.name));
    const tail = logText ? logText.replace(/\n$/, '').split('\n').slice(-LOG_TAIL_LINES) : [];
    const evidence: string[] = [];
    const when = crashed.finishedAt ? ` at ${crashed.finishedAt}` : '';
    evidence.push(`last exit: code ${crashed.exitCode}${crashed.signal ? ` (signal ${crashed.signal})` : ''}${crashed.reason ? ` (${crashed.reason})` : ''}${when}; restarted ${s.restartCount ?? 0} times`);
    const liveness = eventsWithReason(events, [REASON_UNHEALTHY]).filter((e) => /liveness/i.test(e.message ?? ''));
    if (liveness.length) evidence.push(...liveness.slice(0, 2).map(eventLine));
    if (crashed.message) evidence.push(`message: ${firstLine(crashed.message)}`);
    if (tail.length) evidence.push(`last ${tail.length} log lines of ${c}:`, ...tail.map((l) => `| ${l}`));
    else if (logText === '') evidence.push(`${c} printed nothing before it exited`);
    const loop = waiting?.reason === 'CrashLoopBackOff' ? ' and is in CrashLoopBackOff' : '';
    if (crashed.reason === 'OOMKilled') {
      const limit = spec?.resources?.limits?.memory;
      return { pod: name, kind: 'oom', cause: `${c} was OOMKilled: it used more than its memory limit ${limit ? String(limit) : '(none set: the node ran out of memory)'}${loop}`, evidence };
    }
    if (liveness.length) {
      return { pod: name, kind: 'crash', cause: `${c} is restarted by its failing liveness probe: ${firstLine(liveness[0].message ?? '')}${loop}`, evidence };
    }
    if (waiting?.reason === 'CrashLoopBackOff' || restartPolicy !== 'Never') {
      return { pod: name, kind: 'crash', cause: `${c} keeps crashing (CrashLoopBackOff): it exited with code ${crashed.exitCode}${crashed.reason ? ` (${crashed.reason})` : ''}`, evidence };
    }
    return { pod: name, kind: 'exited', cause: `${c} exited with code ${crashed.exitCode}${crashed.reason ? ` (${crashed.reason})` : ''}`, evidence };
  }
  if (waiting?.reason && !PROGRESS_REASONS.includes(waiting.reason)) {
    return { pod: name, kind: 'waiting', cause: `${c} is waiting: ${waiting.reason}${waiting.message ? `: ${firstLine(waiting.message)}` : ''}`, evidence: events.filter((e) => e.type === 'Warning').slice(0, 3).map(eventLine) };
  }
  return undefined;
}

function probeLines(pod: Pod, container: string | undefined): string[] {
  const c = (pod.spec?.containers ?? []).find((x) => x.name === container);
  const p = c?.readinessProbe;
  if (!p) return [];
  const how = p.httpGet ? `GET ${p.httpGet.path ?? '/'} on port ${p.httpGet.port}` : p.tcpSocket ? `TCP port ${p.tcpSocket.port}` : p.exec ? `exec ${(p.exec.command ?? []).join(' ')}` : p.grpc ? `gRPC port ${p.grpc.port}` : 'probe';
  return [`readiness probe of container ${c!.name}: ${how}, every ${p.periodSeconds ?? 10}s, failure threshold ${p.failureThreshold ?? 3}`];
}

function requestsLine(pod: Pod): string[] {
  const req: Record<string, string> = {};
  for (const c of pod.spec?.containers ?? []) for (const [k, v] of Object.entries(c.resources?.requests ?? {})) req[k] = req[k] ? `${req[k]}+${v}` : String(v);
  const parts = Object.entries(req).map(([k, v]) => `${k}=${v}`);
  const sel = Object.entries(pod.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`);
  const out: string[] = [];
  if (parts.length) out.push(`the pod requests ${parts.join(', ')}`);
  if (sel.length) out.push(`the pod's nodeSelector: ${sel.join(', ')}`);
  // The not-ready/unreachable tolerations every pod gets by default say nothing.
  const tolerations = (pod.spec?.tolerations ?? []).filter((t) => !(DEFAULT_TOLERATION_KEYS.includes(t.key ?? '') && t.effect === 'NoExecute'));
  if (tolerations.length) out.push(`the pod tolerates: ${tolerations.map((t) => `${t.key ?? '*'}${t.value ? `=${t.value}` : ''}:${t.effect ?? '*'}`).join(', ')}`);
  return out;
}

export function firstLine(s: string): string {
  return s.trim().split('\n')[0];
}
