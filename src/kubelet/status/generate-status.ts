// The pod status the kubelet reports, as a pure function of the pod, what the runtime holds,
// the probe results and why containers wait (upstream generateAPIPodStatus, getPhase and
// the condition generators in pkg/kubelet/status).
import { podQOSClass } from '../../api/defaults/index.js';
import { rfc3339 } from '../../util/time.js';
import type { ContainerStatus as RuntimeContainerStatus } from '../../runtime/index.js';
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from '../../api/types/index.js';
import { podSpec, restartPolicyOf } from '../pod-types.js';
import { COND, WAITING } from '../constants.js';
import { containersNamed, type RuntimePod } from '../runtime-pod.js';
import { shouldContainerBeRestarted } from '../pod-actions.js';
import { LABEL_IMAGE_ID, LABEL_IMAGE_REF } from '../labels.js';
import { normalizeImage } from '../images/image-ref.js';
import { BugError } from '../../util/bug-error.js';

export interface WaitingReason {
  reason: string;
  message: string;
}

export interface StatusInputs {
  pod: Readonly<Pod>;
  runtime: Readonly<RuntimePod>;
  /** e.g. `runc`, for containerID `runc://<id>`. */
  runtimeName: string;
  podIPs: readonly string[];
  hostIPs: readonly string[];
  sandboxReady: boolean;
  /** Why a container waits, from the last sync (CrashLoopBackOff, ErrImagePull, ...). */
  waiting: ReadonlyMap<string, WaitingReason>;
  isReady(c: Readonly<Container>, id: string): boolean;
  isStarted(c: Readonly<Container>, id: string): boolean;
  now: number;
  /**
   * The status this kubelet last set (its status manager's cache): transition times, startTime
   * and a terminal phase carry over from it. Absent before the first one; then the pod's own.
   */
  previous?: Readonly<PodStatus>;
}

const time = (ms: number | undefined): string | null => (ms === undefined ? null : rfc3339(ms));

function specImage(c: Readonly<Container>): string {
  try {
    return normalizeImage(c.image ?? '');
  } catch {
    return c.image ?? '';
  }
}

function terminatedState(s: RuntimeContainerStatus, runtimeName: string): ContainerState {
  if (s.state === 'unknown') {
    return { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', startedAt: null, finishedAt: null } };
  }
  const t: NonNullable<ContainerState['terminated']> = {
    exitCode: s.exitCode ?? 0,
    reason: s.reason ?? ((s.exitCode ?? 0) === 0 ? 'Completed' : 'Error'),
    startedAt: time(s.startedAt),
    finishedAt: time(s.finishedAt),
    containerID: `${runtimeName}://${s.id}`,
  };
  if (s.message) t.message = s.message;
  return { terminated: t };
}

function containerStatus(c: Readonly<Container>, inp: StatusInputs, defaultWaiting: string): ContainerStatus {
  const [latest, prev] = containersNamed(inp.runtime, c.name);
  const out: ContainerStatus = {
    name: c.name,
    state: {},
    lastState: {},
    ready: false,
    restartCount: latest?.attempt ?? 0,
    image: latest?.labels?.[LABEL_IMAGE_REF] || specImage(c),
    imageID: latest ? latest.labels?.[LABEL_IMAGE_ID] || latest.imageRef || '' : '',
    started: false,
  };
  const waiting = inp.waiting.get(c.name);
  if (!latest) {
    out.state = { waiting: waiting ?? { reason: defaultWaiting } };
    return out;
  }
  out.containerID = `${inp.runtimeName}://${latest.id}`;
  switch (latest.state) {
    case 'running':
      out.state = { running: { startedAt: rfc3339(latest.startedAt ?? latest.createdAt) } };
      out.started = inp.isStarted(c, latest.id);
      out.ready = inp.isReady(c, latest.id);
      break;
    case 'created':
      out.state = { waiting: { reason: WAITING.ContainerCreating } };
      break;
    case 'exited':
    case 'unknown':
      out.state = terminatedState(latest, inp.runtimeName);
      break;
    default: {
      const never: never = latest.state;
      throw new BugError(`unknown container state ${String(never)}`);
    }
  }
  if (prev && (prev.state === 'exited' || prev.state === 'unknown')) out.lastState = terminatedState(prev, inp.runtimeName);
  // A container to be restarted shows why it waits, with its last run as lastState.
  if (latest.state !== 'running' && waiting && shouldContainerBeRestarted(c, inp.pod, inp.runtime)) {
    if (out.state.terminated) out.lastState = out.state;
    out.state = { waiting };
  }
  return out;
}

/** Upstream getPhase. */
export function podPhase(pod: Readonly<Pod>, init: readonly ContainerStatus[], app: readonly ContainerStatus[]): NonNullable<PodStatus['phase']> {
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of podSpec(pod).initContainers ?? []) {
    const s = init.find((x) => x.name === c.name);
    if (!s) pendingInit++;
    else if (s.state?.running) pendingInit++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInit++;
      } else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of podSpec(pod).containers) {
    const s = app.find((x) => x.name === c.name);
    if (!s) unknown++;
    else if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  const policy = restartPolicyOf(pod);
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(previous: Readonly<PodStatus> | undefined, type: string, status: 'True' | 'False', now: string, reason?: string, message?: string): PodCondition {
  const prev = previous?.conditions?.find((c) => c.type === type);
  const c: PodCondition = { type, status, lastProbeTime: null, lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

export function generatePodStatus(inp: StatusInputs): PodStatus {
  const { pod } = inp;
  const previous = inp.previous ?? pod.status;
  const now = rfc3339(inp.now);
  const inits = podSpec(pod).initContainers ?? [];
  const initStatuses = inits.map((c) => containerStatus(c, inp, WAITING.PodInitializing));
  // Initialized: every init container succeeded, or app containers already ran.
  const initDone = inits.every((_c, i) => initStatuses[i].state?.terminated?.exitCode === 0)
    || podSpec(pod).containers.some((c) => inp.runtime.containers.some((x) => x.name === c.name));
  const appStatuses = podSpec(pod).containers.map((c) => containerStatus(c, inp, initDone ? WAITING.ContainerCreating : WAITING.PodInitializing));

  const prevPhase = previous?.phase;
  const phase = prevPhase === 'Succeeded' || prevPhase === 'Failed' ? prevPhase : podPhase(pod, initStatuses, appStatuses);

  const conditions: PodCondition[] = [];
  conditions.push(condition(previous, COND.PodReadyToStartContainers, inp.sandboxReady ? 'True' : 'False', now));
  const incomplete = inits.filter((_c, i) => initStatuses[i].state?.terminated?.exitCode !== 0).map((c) => c.name);
  conditions.push(initDone
    ? condition(previous, COND.Initialized, 'True', now)
    : condition(previous, COND.Initialized, 'False', now, 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`));

  let containersReady: PodCondition;
  if (phase === 'Succeeded') containersReady = condition(previous, COND.ContainersReady, 'False', now, 'PodCompleted');
  else if (phase === 'Failed') containersReady = condition(previous, COND.ContainersReady, 'False', now, 'PodFailed');
  else {
    const unready = appStatuses.filter((s) => !s.ready).map((s) => s.name);
    containersReady = unready.length === 0
      ? condition(previous, COND.ContainersReady, 'True', now)
      : condition(previous, COND.ContainersReady, 'False', now, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`);
  }
  let ready: PodCondition;
  if (containersReady.status !== 'True') {
    ready = condition(previous, COND.Ready, 'False', now, containersReady.reason, containersReady.message);
  } else {
    const gateProblems: string[] = [];
    for (const g of podSpec(pod).readinessGates ?? []) {
      const c = pod.status?.conditions?.find((x) => x.type === g.conditionType);
      if (!c) gateProblems.push(`corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`);
      else if (c.status !== 'True') gateProblems.push(`the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`);
    }
    ready = gateProblems.length === 0 ? condition(previous, COND.Ready, 'True', now) : condition(previous, COND.Ready, 'False', now, 'ReadinessGatesNotReady', gateProblems.join(', '));
  }
  conditions.push(ready, containersReady);
  // Conditions other writers own (PodScheduled, readiness gates, DisruptionTarget...) are kept.
  const ours = new Set<string>([COND.PodReadyToStartContainers, COND.Initialized, COND.Ready, COND.ContainersReady]);
  for (const c of pod.status?.conditions ?? []) if (!ours.has(c.type)) conditions.push(c);

  const status: PodStatus = {
    phase,
    conditions,
    hostIP: inp.hostIPs[0] ?? '',
    hostIPs: inp.hostIPs.map((ip) => ({ ip })),
    startTime: previous?.startTime ?? now,
    qosClass: pod.status?.qosClass ?? podQOSClass(pod),
    containerStatuses: appStatuses,
  };
  if (inp.podIPs.length) {
    status.podIP = inp.podIPs[0];
    status.podIPs = inp.podIPs.map((ip) => ({ ip }));
  } else if (previous?.podIP) {
    status.podIP = previous.podIP;
    status.podIPs = previous.podIPs ?? [{ ip: previous.podIP }];
  }
  if (inits.length) status.initContainerStatuses = initStatuses;
  // Ephemeral containers take no part in phase or readiness (upstream); each has a status
  // from the moment it is added, waiting until the kubelet started it.
  const ephemeral = podSpec(pod).ephemeralContainers ?? [];
  if (ephemeral.length) status.ephemeralContainerStatuses = ephemeral.map((c) => ({ ...containerStatus(c, inp, WAITING.ContainerCreating), ready: false }));
  if (pod.status?.reason) status.reason = pod.status.reason;
  if (pod.status?.message) status.message = pod.status.message;
  return status;
}
