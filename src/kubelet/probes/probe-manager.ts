// Keeps one ProbeWorker per (pod, container, probe kind) and the latest results per
// container id, like upstream's prober.Manager + results managers. The pod sync tells it
// what runs (`updatePod`) and asks it what it found (`isReady`, `isStarted`, `failed`).
// Result changes call `onChange(podUid)` so the pod worker re-syncs.
import type { EventRecorder } from '../../client/index.js';
import type { TimerClock } from '../../client/workqueue/index.js';
import type { RuntimeService } from '../../runtime/index.js';
import type { Container, Pod } from '../../api/types/index.js';
import { EVENT } from '../constants.js';
import { ProbeWorker, type ProbeKind, type ProbeSubject } from './probe-worker.js';
import { runHandler, type ProbeResult } from './prober.js';
import { podSpec } from '../pod-types.js';

/** A running container as the pod sync last saw it. */
export interface RunningContainer {
  id: string;
  sandboxId: string;
  startedAt: number;
}

interface PodProbes {
  pod: Readonly<Pod>;
  podIP: string;
  running: Map<string, RunningContainer>;
  workers: Map<string, ProbeWorker>;
}

const KIND_TITLE: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

export class ProbeManager {
  private readonly pods = new Map<string, PodProbes>();
  private readonly results: Record<ProbeKind, Map<string, ProbeResult>> = { liveness: new Map(), readiness: new Map(), startup: new Map() };

  constructor(
    private readonly runtime: RuntimeService,
    private readonly recorder: EventRecorder,
    private readonly clock: TimerClock,
    private readonly onChange: (podUid: string) => void,
  ) {}

  /** Starts workers for the pod's probes (once) and records which containers run. */
  updatePod(pod: Readonly<Pod>, podIP: string, running: ReadonlyMap<string, RunningContainer>): void {
    const uid = pod.metadata.uid ?? '';
    let pp = this.pods.get(uid);
    if (!pp) {
      pp = { pod, podIP, running: new Map(), workers: new Map() };
      this.pods.set(uid, pp);
      for (const c of podSpec(pod).containers) {
        for (const kind of ['startup', 'liveness', 'readiness'] as const) {
          const probe = probeOf(c, kind);
          if (probe) pp.workers.set(`${c.name}/${kind}`, this.newWorker(pp, c, kind));
        }
      }
    }
    pp.pod = pod;
    pp.podIP = podIP;
    pp.running = new Map(running);
    for (const [key, w] of pp.workers) {
      const name = key.slice(0, key.lastIndexOf('/'));
      const cur = running.get(name);
      if (cur && cur.id !== w.currentContainerId) w.trigger();
    }
  }

  removePod(uid: string): void {
    const pp = this.pods.get(uid);
    if (!pp) return;
    for (const w of pp.workers.values()) w.stop();
    for (const c of pp.running.values()) this.forgetContainer(c.id);
    this.pods.delete(uid);
  }

  forgetContainer(id: string): void {
    this.results.liveness.delete(id);
    this.results.readiness.delete(id);
    this.results.startup.delete(id);
  }

  /** Started: running and the startup probe (if any) succeeded. */
  isStarted(c: Readonly<Container>, id: string): boolean {
    return !c.startupProbe || this.results.startup.get(id) === 'success';
  }

  /** Ready: started and the readiness probe (if any) succeeded. */
  isReady(c: Readonly<Container>, id: string): boolean {
    if (!this.isStarted(c, id)) return false;
    return !c.readinessProbe || this.results.readiness.get(id) === 'success';
  }

  /** 'liveness' or 'startup' when that probe failed for the container (it must be restarted). */
  failed(id: string): 'liveness' | 'startup' | undefined {
    if (this.results.liveness.get(id) === 'failure') return 'liveness';
    if (this.results.startup.get(id) === 'failure') return 'startup';
    return undefined;
  }

  private newWorker(pp: PodProbes, c: Readonly<Container>, kind: ProbeKind): ProbeWorker {
    const probe = probeOf(c, kind)!;
    const uid = pp.pod.metadata.uid ?? '';
    const w = new ProbeWorker(kind, probe, {
      clock: this.clock,
      subject: (): ProbeSubject | undefined => {
        const cur = pp.running.get(c.name);
        if (!cur) return undefined;
        const spec = podSpec(pp.pod).containers.find((x) => x.name === c.name) ?? c;
        return {
          target: { pod: pp.pod, container: spec, containerId: cur.id, sandboxId: cur.sandboxId, podIP: pp.podIP },
          startedAt: cur.startedAt,
          started: this.isStarted(spec, cur.id),
        };
      },
      run: (p, target) => runHandler(this.runtime, p, target, p.timeoutSeconds ?? 1),
      onFailedAttempt: (target, outcome) => {
        this.recorder.event(target.pod, 'Warning', EVENT.Unhealthy, `${KIND_TITLE[kind]} probe failed: ${outcome.output}`);
      },
      report: (id, result) => {
        const prev = this.results[kind].get(id);
        this.results[kind].set(id, result);
        if (prev === result) return;
        // Started: liveness and readiness probing begins now rather than a period later.
        if (kind === 'startup' && result === 'success') {
          for (const k of ['liveness', 'readiness']) pp.workers.get(`${c.name}/${k}`)?.trigger();
        }
        this.onChange(uid);
      },
    });
    w.start();
    return w;
  }
}

function probeOf(c: Readonly<Container>, kind: ProbeKind): Container['livenessProbe'] {
  switch (kind) {
    case 'liveness':
      return c.livenessProbe;
    case 'readiness':
      return c.readinessProbe;
    case 'startup':
      return c.startupProbe;
    default: {
      const never: never = kind;
      return never;
    }
  }
}
