// Starting and stopping one container, as upstream's kuberuntime startContainer and
// killContainer:
//
//   start: back-off? ─▶ image ─▶ env + mounts + argv ─▶ create (Created) ─▶ start (Started)
//          ─▶ postStart hook (failure: FailedPostStartHook, container killed)
//   kill:  Killing ─▶ preStop hook (within the grace period) ─▶ stop (SIGTERM, SIGKILL after
//          what is left of the grace period)
//
// Failures that a later sync may fix come back as a waiting reason (CrashLoopBackOff,
// ErrImagePull, CreateContainerConfigError, ...) instead of an exception.
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import type { KObject } from '../../api/types/index.js';
import type { EventRecorder, Clock } from '../../client/index.js';
import type { ContainerConfig, ContainerStatus, Mount, PodSandboxStatus, RuntimeService } from '../../runtime/index.js';
import type { Container, Pod } from '../../api/types/index.js';
import { podSpec, formatPod } from '../pod-types.js';
import { ANNOTATION_GRACE_PERIOD, EVENT, WAITING } from '../constants.js';
import { Backoff } from '../backoff.js';
import { sleep } from '../../client/workqueue/index.js';
import type { ImagePuller } from '../images/image-puller.js';
import { containerEnv, ContainerConfigError, envMapping, type ObjectGetter } from '../container/env.js';
import { containerArgv } from '../container/command.js';
import { linuxResources, securityContext, verifyRunAsNonRoot, verifySeccompProfile } from '../container/resources.js';
import { DownwardApiError } from '../container/downward.js';
import { containerLogPath } from '../logs/container-log.js';
import { MountError, type VolumeManager } from '../volumes/volume-manager.js';
import type { HostVolume } from '../volumes/types.js';
import { containerLabels, type ContainerKind } from '../labels.js';
import { runHandler, type Handler, type ProbeTarget } from '../probes/prober.js';
import { containersNamed, type RuntimePod } from '../runtime-pod.js';
import type { WaitingReason } from '../status/generate-status.js';

/** What is left of the grace period after a preStop hook is never less than this (upstream). */
const MIN_GRACE_SECONDS = 2;
/** Configuration and runtime errors are retried this soon (the next sync may find the missing object). */
const CONFIG_RETRY_MS = 10_000;

export type StartResult =
  | { kind: 'started'; id: string }
  | { kind: 'waiting'; waiting: WaitingReason; retryAfterMs?: number };

export interface StartContext {
  sandbox: PodSandboxStatus;
  podIPs: readonly string[];
  hostIPs: readonly string[];
  volumes: ReadonlyMap<string, HostVolume>;
  hostsPath: string;
  runtimePod: Readonly<RuntimePod>;
}

export interface ContainerRunnerOptions {
  runtime: RuntimeService;
  images: ImagePuller;
  volumes: VolumeManager;
  recorder: EventRecorder;
  clock: Clock;
  dataDir: string;
  getter: ObjectGetter;
  services(): readonly Readonly<KObject>[];
  nodeAllocatable(): Readonly<Record<string, string>>;
}

export class ContainerRunner {
  readonly crashBackoff: Backoff;

  constructor(private readonly o: ContainerRunnerOptions) {
    this.crashBackoff = new Backoff(o.clock);
  }

  async start(pod: Readonly<Pod>, c: Readonly<Container>, kind: ContainerKind, ctx: StartContext): Promise<StartResult> {
    const { recorder } = this.o;
    const previous = containersNamed(ctx.runtimePod, c.name);
    const last = previous[0];
    const attempt = last ? last.attempt + 1 : 0;

    // CrashLoopBackOff: a restart waits out the back-off counted from the last exit.
    if (last && last.state === 'exited') {
      const key = `${pod.metadata.uid}/${c.name}`;
      const left = this.crashBackoff.remainingSince(key, last.finishedAt ?? this.o.clock.now());
      if (left > 0) {
        recorder.event(pod, 'Warning', EVENT.BackOff, `Back-off restarting failed container ${c.name} in pod ${formatPod(pod)}`);
        const secs = Math.round(this.crashBackoff.delay(key) / 1000);
        const duration = secs >= 60 ? `${Math.floor(secs / 60)}m${secs % 60}s` : `${secs}s`;
        return { kind: 'waiting', waiting: { reason: WAITING.CrashLoopBackOff, message: `back-off ${duration} restarting failed container=${c.name} pod=${formatPod(pod)}` }, retryAfterMs: left };
      }
      this.crashBackoff.next(key);
    }

    const image = await this.o.images.ensure(pod, c);
    if (image.kind === 'waiting') return { kind: 'waiting', waiting: { reason: image.reason, message: image.message }, retryAfterMs: this.o.images.pullBackoffRemaining(pod.metadata.uid ?? '', c.image ?? '') || undefined };

    let config: ContainerConfig;
    try {
      const podRef = `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
      const nonRoot = verifyRunAsNonRoot(podSpec(pod), c, image.info.config.User, podRef) ?? verifySeccompProfile(podSpec(pod), c);
      if (nonRoot) throw new ContainerConfigError(nonRoot);
      const env = await containerEnv({
        pod, container: c, getter: this.o.getter, services: this.o.services(), imageEnv: image.info.config.Env ?? [],
        podIPs: ctx.podIPs, hostIPs: ctx.hostIPs, nodeAllocatable: this.o.nodeAllocatable(),
      });
      const mapping = envMapping(env);
      const mounts: Mount[] = await this.o.volumes.containerMounts(pod, c, ctx.volumes, mapping);
      if (!mounts.some((m) => m.containerPath === '/etc/hosts')) mounts.push({ containerPath: '/etc/hosts', hostPath: ctx.hostsPath, readOnly: false });
      const imageId = image.info.repoDigests[0] ?? image.info.id;
      const logPath = containerLogPath(this.o.dataDir, pod.metadata, c.name, attempt);
      await fs.mkdir(dirname(logPath), { recursive: true });
      config = {
        name: c.name,
        attempt,
        image: image.info.id,
        args: containerArgv(c, image.info.config, mapping),
        env,
        workingDir: c.workingDir || image.info.config.WorkingDir || undefined,
        mounts,
        resources: linuxResources(c),
        security: securityContext(podSpec(pod), c),
        tty: c.tty === true,
        stdin: c.stdin === true,
        stdinOnce: c.stdinOnce === true,
        labels: containerLabels(pod, c, kind, attempt, image.ref, imageId),
        annotations: { [ANNOTATION_GRACE_PERIOD]: String(podSpec(pod).terminationGracePeriodSeconds ?? 30) },
        logPath,
      };
      if (config.args.length === 0) throw new ContainerConfigError('no command specified');
    } catch (e) {
      if (!(e instanceof ContainerConfigError || e instanceof MountError || e instanceof DownwardApiError)) throw e;
      recorder.event(pod, 'Warning', EVENT.Failed, `Error: ${e.message}`);
      return { kind: 'waiting', waiting: { reason: WAITING.CreateContainerConfigError, message: e.message }, retryAfterMs: CONFIG_RETRY_MS };
    }

    let id: string;
    try {
      id = await this.o.runtime.createContainer(ctx.sandbox.id, config);
    } catch (e) {
      const message = (e as Error).message;
      recorder.event(pod, 'Warning', EVENT.Failed, `Error: ${message}`);
      return { kind: 'waiting', waiting: { reason: WAITING.CreateContainerError, message }, retryAfterMs: CONFIG_RETRY_MS };
    }
    recorder.event(pod, 'Normal', EVENT.Created, `Created container ${c.name}`);
    try {
      await this.o.runtime.startContainer(id);
    } catch (e) {
      const message = `failed to start container "${id}": ${(e as Error).message}`;
      recorder.event(pod, 'Warning', EVENT.Failed, `Error: ${message}`);
      return { kind: 'waiting', waiting: { reason: WAITING.RunContainerError, message }, retryAfterMs: CONFIG_RETRY_MS };
    }
    recorder.event(pod, 'Normal', EVENT.Started, `Started container ${c.name}`);
    await this.pruneOld(pod, c, previous);

    if (c.lifecycle?.postStart) {
      const target: ProbeTarget = { pod, container: c, containerId: id, sandboxId: ctx.sandbox.id, podIP: ctx.podIPs[0] ?? '' };
      const out = await runHandler(this.o.runtime, c.lifecycle.postStart, target, podSpec(pod).terminationGracePeriodSeconds ?? 30);
      if (out.result === 'failure') {
        const message = hookFailureMessage(c.lifecycle.postStart, c, pod, out.output);
        recorder.event(pod, 'Warning', EVENT.FailedPostStartHook, message);
        const st = await this.o.runtime.containerStatus(id);
        if (st) await this.kill(pod, c, st, podSpec(pod).terminationGracePeriodSeconds ?? 30, 'FailedPostStartHook');
        return { kind: 'waiting', waiting: { reason: WAITING.PostStartHookError, message } };
      }
    }
    return { kind: 'started', id };
  }

  /**
   * Stops a container: Killing event, preStop hook, then SIGTERM and SIGKILL after the rest
   * of the grace period. `message` replaces "Stopping container <name>".
   */
  async kill(pod: Readonly<Pod>, c: Readonly<Container> | undefined, s: ContainerStatus, graceSeconds: number, message?: string): Promise<void> {
    if (s.state !== 'running' && s.state !== 'created') return;
    this.o.recorder.event(pod, 'Normal', EVENT.Killing, message ?? `Stopping container ${s.name}`);
    let grace = Math.max(0, graceSeconds);
    const preStop = c?.lifecycle?.preStop;
    if (preStop && s.state === 'running' && grace > 0) {
      const started = this.o.clock.now();
      const target: ProbeTarget = { pod, container: c!, containerId: s.id, sandboxId: s.sandboxId, podIP: pod.status?.podIP ?? '' };
      const out = preStop.sleep
        ? await this.sleepHook(preStop.sleep.seconds, grace)
        : await runHandler(this.o.runtime, preStop, target, grace);
      if (out.result === 'failure') this.o.recorder.event(pod, 'Warning', EVENT.FailedPreStopHook, hookFailureMessage(preStop, c!, pod, out.output));
      grace = Math.max(MIN_GRACE_SECONDS, grace - Math.ceil((this.o.clock.now() - started) / 1000));
    }
    await this.o.runtime.stopContainer(s.id, grace);
  }

  private async sleepHook(seconds: number, grace: number): Promise<{ result: 'success'; output: string }> {
    await sleep(this.o.clock, Math.min(seconds, grace) * 1000);
    return { result: 'success', output: '' };
  }

  /** Keeps the newest exited container (for `logs --previous`); removes older ones and their logs. */
  private async pruneOld(pod: Readonly<Pod>, c: Readonly<Container>, previous: readonly ContainerStatus[]): Promise<void> {
    for (const old of previous.slice(1)) {
      if (old.state === 'running') continue;
      await this.o.runtime.removeContainer(old.id).catch(() => {});
      await fs.rm(containerLogPath(this.o.dataDir, pod.metadata, c.name, old.attempt), { force: true });
    }
  }

  forgetPod(uid: string): void {
    this.crashBackoff.resetPrefix(`${uid}/`);
  }
}

function hookFailureMessage(h: Readonly<Handler>, c: Readonly<Container>, pod: Readonly<Pod>, output: string): string {
  if (h.exec) return `Exec lifecycle hook (${JSON.stringify(h.exec.command ?? [])}) for Container "${c.name}" in Pod "${formatPod(pod)}" failed - error: command '${(h.exec.command ?? []).join(' ')}' exited with non-zero code, message: ${JSON.stringify(output)}`;
  if (h.httpGet) return `HTTP lifecycle hook (${h.httpGet.path ?? '/'}) for Container "${c.name}" in Pod "${formatPod(pod)}" failed - error: ${output}`;
  return `lifecycle hook for Container "${c.name}" in Pod "${formatPod(pod)}" failed - error: ${output}`;
}
