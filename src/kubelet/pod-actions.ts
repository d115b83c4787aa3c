// What a pod sync must do, as a pure function of the pod, what the runtime holds and the
// probe results: upstream's kuberuntime computePodActions.
//
//   no ready sandbox ─▶ kill everything, create a sandbox, start the first init container
//                       (or every app container); a pod that must not restart stays down
//   init containers not done ─▶ (re)start the next one; failed under Never ─▶ kill the pod
//   app containers ─▶ start those that should (re)start; kill those whose liveness/startup
//                     probe failed or whose image changed; nothing left ─▶ kill the pod
//   ephemeral containers ─▶ start each once, when it has never run (they never restart
//                     and do not keep a pod alive)
import type { ContainerStatus } from '../runtime/index.js';
import type { Container, Pod } from '../api/types/index.js';
import { podSpec, restartPolicyOf } from './pod-types.js';
import { latestContainer, type RuntimePod } from './runtime-pod.js';
import { LABEL_CONTAINER_IMAGE_SPEC } from './labels.js';

export interface ContainerToKill {
  status: ContainerStatus;
  container?: Container;
  /** The Killing event's message. */
  message: string;
  reason?: 'liveness' | 'startup' | 'changed';
}

export interface PodActions {
  killPod: boolean;
  createSandbox: boolean;
  /** Attempt number of the sandbox to create. */
  sandboxAttempt: number;
  nextInit?: Container;
  containersToStart: Container[];
  containersToKill: ContainerToKill[];
  /** Ephemeral containers added since the last sync (upstream EphemeralContainersToStart). */
  ephemeralToStart: Container[];
}

export type ProbeFailure = (containerId: string) => 'liveness' | 'startup' | undefined;

export function shouldRestartOnFailure(pod: Readonly<Pod>): boolean {
  return restartPolicyOf(pod) !== 'Never';
}

/** Upstream's ShouldContainerBeRestarted. */
export function shouldContainerBeRestarted(c: Readonly<Container>, pod: Readonly<Pod>, rp: Readonly<RuntimePod>): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  const s = latestContainer(rp, c.name);
  if (!s) return true;
  if (s.state === 'running') return false;
  if (s.state === 'unknown' || s.state === 'created') return true;
  const policy = restartPolicyOf(pod);
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && s.exitCode === 0) return false;
  return true;
}

function isInitFailed(s: ContainerStatus): boolean {
  return (s.state === 'exited' && s.exitCode !== 0) || s.state === 'unknown';
}

/** Upstream's findNextInitContainerToRun: [failed status, next container, done]. */
export function nextInitContainer(pod: Readonly<Pod>, rp: Readonly<RuntimePod>): { failed?: ContainerStatus; next?: Container; done: boolean } {
  const inits = podSpec(pod).initContainers ?? [];
  if (inits.length === 0) return { done: true };
  for (const c of podSpec(pod).containers) if (latestContainer(rp, c.name)?.state === 'running') return { done: true };
  for (let i = inits.length - 1; i >= 0; i--) {
    const s = latestContainer(rp, inits[i].name);
    if (s && isInitFailed(s)) return { failed: s, next: inits[i], done: false };
  }
  for (let i = inits.length - 1; i >= 0; i--) {
    const s = latestContainer(rp, inits[i].name);
    if (!s) continue;
    if (s.state === 'running' || s.state === 'created') return { done: false };
    if (s.state === 'exited') return i === inits.length - 1 ? { done: true } : { next: inits[i + 1], done: false };
  }
  return { next: inits[0], done: false };
}

function containerChanged(c: Readonly<Container>, s: ContainerStatus): boolean {
  const spec = s.labels?.[LABEL_CONTAINER_IMAGE_SPEC];
  return spec !== undefined && spec !== (c.image ?? '');
}

export function computePodActions(pod: Readonly<Pod>, rp: Readonly<RuntimePod>, probeFailure: ProbeFailure): PodActions {
  const actions: PodActions = { killPod: false, createSandbox: false, sandboxAttempt: 0, containersToStart: [], containersToKill: [], ephemeralToStart: [] };
  const latestSandbox = rp.sandboxes[0];
  const readySandboxes = rp.sandboxes.filter((s) => s.state === 'ready');
  const needSandbox = !latestSandbox || latestSandbox.state !== 'ready' || readySandboxes.length > 1;

  if (needSandbox) {
    const attempt = latestSandbox ? latestSandbox.config.attempt + 1 : 0;
    actions.killPod = rp.sandboxes.length > 0;
    // A pod that must not restart and already ran stays down.
    if (!shouldRestartOnFailure(pod) && attempt !== 0 && rp.containers.length > 0) return actions;
    if (pod.metadata.deletionTimestamp) return actions;
    actions.createSandbox = true;
    actions.sandboxAttempt = attempt;
    const inits = podSpec(pod).initContainers ?? [];
    if (inits.length > 0) {
      actions.nextInit = inits[0];
      return actions;
    }
    // OnFailure: containers that already succeeded are not started again.
    actions.containersToStart = podSpec(pod).containers.filter((c) => {
      const s = latestContainer(rp, c.name);
      return !(restartPolicyOf(pod) === 'OnFailure' && s?.state === 'exited' && s.exitCode === 0);
    });
    return actions;
  }

  const init = nextInitContainer(pod, rp);
  if (!init.done) {
    if (init.next) {
      if (init.failed && !shouldRestartOnFailure(pod)) actions.killPod = true;
      else actions.nextInit = init.next;
    }
    return actions;
  }

  let keep = 0;
  for (const c of podSpec(pod).containers) {
    const s = latestContainer(rp, c.name);
    if (!s || s.state !== 'running') {
      if (shouldContainerBeRestarted(c, pod, rp)) actions.containersToStart.push(c);
      continue;
    }
    let message: string;
    let reason: ContainerToKill['reason'];
    let restart = shouldRestartOnFailure(pod);
    const failure = probeFailure(s.id);
    if (containerChanged(c, s)) {
      message = `Container ${c.name} definition changed`;
      reason = 'changed';
      restart = true;
    } else if (failure === 'liveness') {
      message = `Container ${c.name} failed liveness probe`;
      reason = 'liveness';
    } else if (failure === 'startup') {
      message = `Container ${c.name} failed startup probe`;
      reason = 'startup';
    } else {
      keep++;
      continue;
    }
    if (restart) {
      message += ', will be restarted';
      actions.containersToStart.push(c);
    }
    actions.containersToKill.push({ status: s, container: c, message, reason });
  }
  if (keep === 0 && actions.containersToStart.length === 0) actions.killPod = true;
  else if (!pod.metadata.deletionTimestamp) {
    actions.ephemeralToStart = (podSpec(pod).ephemeralContainers ?? []).filter((c) => !latestContainer(rp, c.name));
  }
  return actions;
}
