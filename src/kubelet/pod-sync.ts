// One pod sync, the body of a pod worker (upstream SyncPod / SyncTerminatingPod /
// SyncTerminatedPod). The concerns live in their own modules, each behind a small piece
// of this file, like Nomad's allocrunner hooks:
//
//   volumes (volumes/)  ─▶ sandbox + network + DNS (lifecycle/sandbox-manager)
//   ─▶ pod actions (pod-actions, pure) ─▶ containers: kill / init / start (lifecycle/container-runner,
//      images/, container/) ─▶ probes (probes/) ─▶ status (status/)
import { promises as fs } from 'node:fs';
import type { EventRecorder, Clock } from '../client/index.js';
import type { RuntimeService } from '../runtime/index.js';
import type { Pod } from '../api/types/index.js';
import { EVENT } from './constants.js';
import { computePodActions } from './pod-actions.js';
import { readRuntimePod, readySandbox, type RuntimePod } from './runtime-pod.js';
import { podIPsOf, type SandboxManager } from './lifecycle/sandbox-manager.js';
import type { ContainerRunner, StartResult } from './lifecycle/container-runner.js';
import { MountError, type VolumeManager } from './volumes/volume-manager.js';
import type { HostVolume, VolumeContext } from './volumes/types.js';
import type { ProbeManager, RunningContainer } from './probes/probe-manager.js';
import type { StatusManager } from './status/status-manager.js';
import { generatePodStatus, type WaitingReason } from './status/generate-status.js';
import type { ImagePuller } from './images/image-puller.js';
import { podLogDir } from './logs/container-log.js';
import { podStartDuration } from './metrics.js';
import { podSpec } from './pod-types.js';

export interface SyncResult {
  /** The pod reached Succeeded or Failed: its worker moves on to termination. */
  terminal: boolean;
  /** Sync again after this long (a back-off ends). */
  requeueAfterMs?: number;
}

export interface PodSyncerOptions {
  runtime: RuntimeService;
  runtimeName: string;
  dataDir: string;
  sandboxes: SandboxManager;
  runner: ContainerRunner;
  images: ImagePuller;
  volumes: VolumeManager;
  probes: ProbeManager;
  status: StatusManager;
  recorder: EventRecorder;
  clock: Clock;
  hostIPs: readonly string[];
  /** The pod as the kubelet runs it (with the service account volume). */
  effectivePod(pod: Readonly<Pod>): Promise<Pod>;
  volumeContext(pod: Readonly<Pod>, podIPs: readonly string[]): Omit<VolumeContext, 'podDir'>;
}

export class PodSyncer {
  /** Why containers wait, per pod uid and container name (upstream's reasonCache). */
  private readonly waiting = new Map<string, Map<string, WaitingReason>>();
  /** Pods whose app containers this kubelet started and whose start is not yet observed. */
  private readonly starting = new Set<string>();

  constructor(private readonly o: PodSyncerOptions) {}

  private waitingFor(uid: string): Map<string, WaitingReason> {
    let m = this.waiting.get(uid);
    if (!m) this.waiting.set(uid, (m = new Map()));
    return m;
  }

  private grace(pod: Readonly<Pod>): number {
    return podSpec(pod).terminationGracePeriodSeconds ?? 30;
  }

  async sync(apiPod: Readonly<Pod>): Promise<SyncResult> {
    const phase = apiPod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return { terminal: true };
    const pod = await this.o.effectivePod(apiPod);
    const uid = pod.metadata.uid ?? '';
    const { runtime, recorder } = this.o;
    let rp = await readRuntimePod(runtime, uid);
    const waiting = this.waitingFor(uid);

    // Volumes first: containers never start without them.
    let volumes: Map<string, HostVolume>;
    try {
      volumes = await this.o.volumes.setUpPod(pod, this.o.volumeContext(pod, podIPsOf(readySandbox(rp), this.o.hostIPs[0] ?? '')));
    } catch (e) {
      if (!(e instanceof MountError)) throw e;
      recorder.event(pod, 'Warning', EVENT.FailedMount, e.message);
      await this.writeStatus(apiPod, pod, rp);
      throw e;
    }

    const actions = computePodActions(pod, rp, (id) => this.o.probes.failed(id));
    if (actions.killPod) await this.killAll(pod, rp, this.grace(pod));
    if (actions.createSandbox) {
      if (rp.sandboxes.length > 0) recorder.event(pod, 'Normal', EVENT.SandboxChanged, 'Pod sandbox changed, it will be killed and re-created.');
      try {
        await this.o.sandboxes.create(pod, actions.sandboxAttempt, this.o.hostIPs[0] ?? '');
      } catch (e) {
        recorder.event(pod, 'Warning', EVENT.FailedCreatePodSandBox, `Failed to create pod sandbox: ${(e as Error).message}`);
        await this.writeStatus(apiPod, pod, rp);
        throw e;
      }
      rp = await readRuntimePod(runtime, uid);
    }
    for (const k of actions.containersToKill) {
      const probeGrace = k.reason === 'liveness' ? k.container?.livenessProbe?.terminationGracePeriodSeconds : k.reason === 'startup' ? k.container?.startupProbe?.terminationGracePeriodSeconds : undefined;
      await this.o.runner.kill(pod, k.container, k.status, probeGrace ?? this.grace(pod), k.message);
      this.o.probes.forgetContainer(k.status.id);
    }
    if (actions.containersToKill.length) rp = await readRuntimePod(runtime, uid);

    let requeueAfterMs: number | undefined;
    const sandbox = readySandbox(rp);
    if (sandbox) {
      const podIPs = podIPsOf(sandbox, this.o.hostIPs[0] ?? '');
      const ctx = { sandbox, podIPs, hostIPs: this.o.hostIPs, volumes, hostsPath: this.o.sandboxes.hostsPath(uid), runtimePod: rp };
      const record = (name: string, r: StartResult): void => {
        if (r.kind === 'started') waiting.delete(name);
        else {
          waiting.set(name, r.waiting);
          if (r.retryAfterMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, r.retryAfterMs);
        }
      };
      if (actions.nextInit) record(actions.nextInit.name, await this.o.runner.start(pod, actions.nextInit, 'init', ctx));
      if (actions.containersToStart.length && !this.observedStart.has(uid)) this.starting.add(uid);
      for (const c of actions.containersToStart) record(c.name, await this.o.runner.start(pod, c, 'app', ctx));
      for (const c of actions.ephemeralToStart) record(c.name, await this.o.runner.start(pod, c, 'ephemeral', ctx));
      if (actions.nextInit || actions.containersToStart.length || actions.ephemeralToStart.length) rp = await readRuntimePod(runtime, uid);
    }

    this.observeStart(pod, rp);
    const status = await this.writeStatus(apiPod, pod, rp);
    return { terminal: status === 'Succeeded' || status === 'Failed', requeueAfterMs };
  }

  private async writeStatus(apiPod: Readonly<Pod>, pod: Readonly<Pod>, rp: Readonly<RuntimePod>): Promise<string | undefined> {
    const uid = pod.metadata.uid ?? '';
    const sandbox = readySandbox(rp);
    const podIPs = podIPsOf(sandbox ?? rp.sandboxes[0], this.o.hostIPs[0] ?? '');
    const running = new Map<string, RunningContainer>();
    for (const c of podSpec(pod).containers) {
      const s = rp.containers.find((x) => x.name === c.name);
      if (s?.state === 'running') running.set(c.name, { id: s.id, sandboxId: s.sandboxId, startedAt: s.startedAt ?? s.createdAt });
    }
    if (!pod.metadata.deletionTimestamp) this.o.probes.updatePod(pod, podIPs[0] ?? '', running);
    const status = generatePodStatus({
      pod,
      runtime: rp,
      runtimeName: this.o.runtimeName,
      podIPs,
      hostIPs: this.o.hostIPs,
      sandboxReady: !!sandbox,
      waiting: this.waitingFor(uid),
      isReady: (c, id) => this.o.probes.isReady(c, id),
      isStarted: (c, id) => this.o.probes.isStarted(c, id),
      now: this.o.clock.now(),
      previous: this.o.status.cachedStatus(uid),
    });
    await this.o.status.setStatus(apiPod, status);
    return status.phase;
  }

  private readonly observedStart = new Set<string>();

  /** kubelet_pod_start_duration_seconds: creation → every app container running, once per pod. */
  private observeStart(pod: Readonly<Pod>, rp: Readonly<RuntimePod>): void {
    const uid = pod.metadata.uid ?? '';
    if (!this.starting.has(uid)) return;
    if (!podSpec(pod).containers.every((c) => rp.containers.find((x) => x.name === c.name)?.state === 'running')) return;
    this.starting.delete(uid);
    this.observedStart.add(uid);
    const created = Date.parse(pod.metadata.creationTimestamp ?? '');
    if (Number.isFinite(created)) podStartDuration.observe(Math.max(0, this.o.clock.now() - created) / 1000);
  }

  private async killAll(pod: Readonly<Pod>, rp: Readonly<RuntimePod>, graceSeconds: number): Promise<void> {
    const specs = [...podSpec(pod).containers, ...(podSpec(pod).initContainers ?? []), ...(podSpec(pod).ephemeralContainers ?? [])];
    const live = rp.containers.filter((c) => c.state === 'running' || c.state === 'created');
    await Promise.all(live.map((s) => this.o.runner.kill(pod, specs.find((c) => c.name === s.name), s, graceSeconds)));
    for (const s of live) this.o.probes.forgetContainer(s.id);
    await this.o.sandboxes.stopAll(rp);
  }

  /**
   * Stops everything the pod runs (preStop hooks, SIGTERM, SIGKILL after the grace period),
   * stops its sandbox and tears its volumes down. Exited containers stay for their logs.
   */
  async terminate(apiPod: Readonly<Pod>, graceSeconds: number): Promise<void> {
    const pod = await this.o.effectivePod(apiPod);
    const uid = pod.metadata.uid ?? '';
    this.o.probes.removePod(uid);
    const rp = await readRuntimePod(this.o.runtime, uid);
    await this.killAll(pod, rp, graceSeconds);
    await this.o.volumes.tearDownPod(uid);
    // A terminal pod's final status (containers exited) is written once more.
    const phase = apiPod.status?.phase;
    if (!apiPod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') {
      await this.writeStatus(apiPod, pod, await readRuntimePod(this.o.runtime, uid));
    }
  }

  /** Removes all traces of a pod whose object is gone: containers, sandboxes, directories, logs. */
  async remove(ref: { uid: string; namespace?: string; name?: string }): Promise<void> {
    const rp = await readRuntimePod(this.o.runtime, ref.uid);
    for (const c of rp.containers) {
      if (c.state === 'running' || c.state === 'created') await this.o.runtime.stopContainer(c.id, 0);
      await this.o.runtime.removeContainer(c.id);
    }
    await this.o.sandboxes.removeAll(rp);
    await this.o.volumes.removePodDir(ref.uid);
    if (ref.name) await fs.rm(podLogDir(this.o.dataDir, ref), { recursive: true, force: true });
    this.forget(ref.uid);
  }

  forget(uid: string): void {
    this.waiting.delete(uid);
    this.starting.delete(uid);
    this.observedStart.delete(uid);
    this.o.probes.removePod(uid);
    this.o.status.forget(uid);
    this.o.runner.forgetPod(uid);
    this.o.images.forgetPod(uid);
  }
}
