// Pod lifecycle event generator (upstream's generic PLEG): relists the runtime every period
// and reports the pods whose sandboxes or containers changed state, so their workers sync
// (a container exited, an OOM kill...). One timer, armed again after each relist.
import type { RuntimeService } from '../runtime/index.js';
import type { TimerClock, TimerHandle } from '../client/workqueue/index.js';
import { groupRuntimePods, type RuntimePod } from './runtime-pod.js';
import { errorMessage, logger } from '../util/log.js';

const log = logger('kubelet');

export const PLEG_RELIST_MS = 1000;

function fingerprint(rp: RuntimePod): string {
  return [...rp.sandboxes.map((s) => `s${s.id}:${s.state}`), ...rp.containers.map((c) => `c${c.id}:${c.state}`)].sort().join(',');
}

export class Pleg {
  private last = new Map<string, string>();
  private timer?: TimerHandle;
  private stopped = false;

  constructor(
    private readonly runtime: RuntimeService,
    private readonly clock: TimerClock,
    private readonly onChange: (uid: string) => void,
    /** Called with every relist's grouping (orphan clean-up). */
    private readonly onRelist: (pods: ReadonlyMap<string, RuntimePod>) => void,
    private readonly periodMs = PLEG_RELIST_MS,
  ) {}

  start(): void {
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.clear();
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(() => void this.relist().finally(() => this.arm()), this.periodMs);
  }

  async relist(): Promise<void> {
    let pods: Map<string, RuntimePod>;
    try {
      pods = groupRuntimePods(await this.runtime.listPodSandboxes(), await this.runtime.listContainers());
    } catch (e) {
      log.error(`PLEG relist failed: ${errorMessage(e)}`);
      return;
    }
    const next = new Map<string, string>();
    for (const [uid, rp] of pods) {
      const fp = fingerprint(rp);
      next.set(uid, fp);
      if (this.last.get(uid) !== fp) this.onChange(uid);
    }
    for (const uid of this.last.keys()) if (!next.has(uid)) this.onChange(uid);
    this.last = next;
    this.onRelist(pods);
  }
}
