// One timer-driven worker per container probe (upstream prober/worker.go). Each tick looks
// at the container currently running under that name, runs the probe when due and reports
// a result once the success/failure threshold is reached. A new container (restart) resets
// the worker. After a liveness or startup failure the worker holds until the container is
// replaced, as upstream. No busy loops: the next tick is armed after the current one ends.
//
//   tick ─▶ no container / held / waiting for startup / in initialDelay ─▶ arm(period)
//        └▶ run probe ─▶ count run ─▶ threshold reached? report ─▶ arm(period)
import type { TimerClock, TimerHandle } from '../../client/workqueue/index.js';
import type { Probe } from '../../api/types/index.js';
import type { ProbeOutcome, ProbeResult, ProbeTarget } from './prober.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** The container the worker should probe now, with facts about it. */
export interface ProbeSubject {
  target: ProbeTarget;
  startedAt: number;
  /** Startup probe passed (or none): liveness and readiness only run then. */
  started: boolean;
}

export interface ProbeWorkerDeps {
  clock: TimerClock;
  subject(): ProbeSubject | undefined;
  run(probe: Readonly<Probe>, target: ProbeTarget): Promise<ProbeOutcome>;
  /** Called for every failed attempt (the Unhealthy event). */
  onFailedAttempt(target: ProbeTarget, outcome: ProbeOutcome): void;
  /** Called when the reported result of `containerId` changes (undefined: forget it). */
  report(containerId: string, result: ProbeResult): void;
}

export class ProbeWorker {
  private timer?: TimerHandle;
  private stopped = false;
  private containerId?: string;
  private lastResult?: ProbeResult;
  private run = 0;
  private held = false;
  private running = false;

  constructor(readonly kind: ProbeKind, readonly probe: Readonly<Probe>, private readonly deps: ProbeWorkerDeps) {}

  start(): void {
    this.arm(0);
  }

  /** Probes at once (a new container appeared, or its startup probe just passed). */
  trigger(): void {
    if (!this.running) this.arm(0);
  }

  /** The container this worker last looked at. */
  get currentContainerId(): string | undefined {
    return this.containerId;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.clear();
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    this.timer?.clear();
    this.timer = this.deps.clock.setTimer(() => void this.tick(), ms);
  }

  private get periodMs(): number {
    return Math.max(1, this.probe.periodSeconds ?? 10) * 1000;
  }

  /** Exposed for tests: one probe round now. */
  async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    try {
      await this.round();
    } finally {
      this.running = false;
      this.arm(this.periodMs);
    }
  }

  private async round(): Promise<void> {
    const s = this.deps.subject();
    if (!s) {
      this.containerId = undefined;
      return;
    }
    const id = s.target.containerId;
    if (id !== this.containerId) {
      this.containerId = id;
      this.lastResult = undefined;
      this.run = 0;
      this.held = false;
      // Readiness starts out failed; liveness and startup are unknown until probed.
      if (this.kind === 'readiness') this.deps.report(id, 'failure');
    }
    if (this.held) return;
    if (this.kind === 'startup' && s.started) return;
    if (this.kind !== 'startup' && !s.started) return;
    const initialDelayMs = (this.probe.initialDelaySeconds ?? 0) * 1000;
    if (this.deps.clock.now() - s.startedAt < initialDelayMs) return;

    const outcome = await this.deps.run(this.probe, s.target);
    if (this.stopped || this.containerId !== id) return;
    if (outcome.result === 'failure') this.deps.onFailedAttempt(s.target, outcome);
    if (outcome.result === this.lastResult) this.run++;
    else {
      this.lastResult = outcome.result;
      this.run = 1;
    }
    const threshold = outcome.result === 'success' ? (this.probe.successThreshold ?? 1) : (this.probe.failureThreshold ?? 3);
    if (this.run < threshold) return;
    this.deps.report(id, outcome.result);
    if (outcome.result === 'failure' && this.kind !== 'readiness') {
      // The container is going to be killed; probe again only once a new one runs.
      this.held = true;
      this.run = 0;
    }
  }
}
