// The scheduling queue (upstream's PriorityQueue, simplified):
//
//   add ──► activeQ (priority desc, then enqueue time) ──pop──► scheduling cycle
//              ▲    ▲                                             │ failed
//              │    └── backoffQ (until 1 s × 2^(attempts−1), ≤ 10 s) ◄──┤ cluster changed meanwhile
//              │                                                  │
//              └── moveAllToActiveOrBackoff(event) ◄── unschedulablePods ◄┘ nothing changed
//
// A pod leaves unschedulablePods when a cluster event that may help it happens (node added or
// changed, a pod deleted, ...), or after 5 minutes regardless. Keys are `namespace/name`.
import type { Clock } from '../client/index.js';
import { KeyedHeap } from './heap.js';
import type { Pod } from '../api/types/index.js';

export interface QueuedPodInfo {
  pod: Readonly<Pod>;
  readonly key: string;
  /** When the pod was first queued (ordering among equal priorities). */
  readonly timestamp: number;
  /** Scheduling attempts so far. */
  attempts: number;
  /** When the last attempt failed (ms). */
  lastFailure: number;
  /** Plugins that rejected the pod on its last attempt; empty means "any event may help". */
  unschedulablePlugins: Set<string>;
}

/** Cluster events that can make unschedulable pods schedulable, with the plugins they may help. */
export type ClusterEvent =
  | { readonly type: 'NodeAdd' }
  | { readonly type: 'NodeUpdate' }
  | { readonly type: 'AssignedPodAdd' }
  | { readonly type: 'AssignedPodUpdate' }
  | { readonly type: 'AssignedPodDelete' }
  | { readonly type: 'ForceActivate' };

function pluginsHelpedBy(ev: ClusterEvent): ReadonlySet<string> | 'all' {
  switch (ev.type) {
    case 'NodeAdd':
    case 'NodeUpdate':
    case 'ForceActivate':
      return 'all';
    case 'AssignedPodAdd':
    case 'AssignedPodUpdate':
      return new Set(['InterPodAffinity', 'PodTopologySpread']);
    case 'AssignedPodDelete':
      return new Set(['NodeResourcesFit', 'NodePorts', 'InterPodAffinity', 'PodTopologySpread', 'DefaultPreemption']);
    default: {
      const never: never = ev;
      return never;
    }
  }
}

export interface SchedulingQueueOptions {
  clock: Clock;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Pods stuck in unschedulablePods longer than this are retried anyway (upstream 5 min). */
  maxInUnschedulableMs?: number;
}

export function priorityOf(pod: Readonly<Pod>): number {
  return pod.spec?.priority ?? 0;
}

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxInUnschedulable: number;
  private readonly activeQ = new KeyedHeap<QueuedPodInfo>(
    (x) => x.key,
    (a, b) => {
      const pa = priorityOf(a.pod);
      const pb = priorityOf(b.pod);
      return pa !== pb ? pa > pb : a.timestamp < b.timestamp;
    },
  );
  private readonly backoffQ = new KeyedHeap<QueuedPodInfo>((x) => x.key, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Popped and not yet returned through addUnschedulable/done. */
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private waiters: ((x: QueuedPodInfo | undefined) => void)[] = [];
  private closed = false;
  /** Incremented on every pop. */
  schedulingCycle = 0;
  private moveRequestCycle = -1;

  constructor(opts: SchedulingQueueOptions) {
    this.clock = opts.clock;
    this.initialBackoff = opts.initialBackoffMs ?? 1000;
    this.maxBackoff = opts.maxBackoffMs ?? 10000;
    this.maxInUnschedulable = opts.maxInUnschedulableMs ?? 5 * 60 * 1000;
  }

  backoffDuration(info: QueuedPodInfo): number {
    let d = this.initialBackoff;
    for (let i = 1; i < info.attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoff) return this.maxBackoff;
    }
    return d;
  }

  backoffExpiry(info: QueuedPodInfo): number {
    return info.lastFailure + this.backoffDuration(info);
  }

  private isBackingOff(info: QueuedPodInfo): boolean {
    return info.attempts > 0 && this.backoffExpiry(info) > this.clock.now();
  }

  private toActive(info: QueuedPodInfo): void {
    const w = this.waiters.shift();
    if (w) {
      this.startCycle(info);
      w(info);
      return;
    }
    this.activeQ.push(info);
  }

  private startCycle(info: QueuedPodInfo): void {
    this.schedulingCycle++;
    info.attempts++;
    this.inFlight.set(info.key, info);
  }

  has(key: string): boolean {
    return this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key) || this.inFlight.has(key);
  }

  /** A new pending pod. */
  add(pod: Readonly<Pod>): void {
    if (this.closed) return;
    const key = keyOfPod(pod);
    if (this.inFlight.has(key)) {
      (this.inFlight.get(key) as QueuedPodInfo).pod = pod;
      return;
    }
    const existing = this.activeQ.get(key) ?? this.backoffQ.get(key) ?? this.unschedulable.get(key);
    if (existing) {
      this.update(existing.pod, pod);
      return;
    }
    this.toActive({ pod, key, timestamp: this.clock.now(), attempts: 0, lastFailure: 0, unschedulablePlugins: new Set() });
  }

  /** A pending pod changed. Spec or label changes take an unschedulable pod out of waiting. */
  update(oldPod: Readonly<Pod>, pod: Readonly<Pod>): void {
    const key = keyOfPod(pod);
    const inflight = this.inFlight.get(key);
    if (inflight) { inflight.pod = pod; return; }
    const a = this.activeQ.get(key);
    if (a) { a.pod = pod; this.activeQ.push(a); return; }
    const b = this.backoffQ.get(key);
    if (b) { b.pod = pod; this.backoffQ.push(b); return; }
    const u = this.unschedulable.get(key);
    if (u) {
      u.pod = pod;
      if (schedulingRelevantChange(oldPod, pod)) {
        this.unschedulable.delete(key);
        if (this.isBackingOff(u)) this.backoffQ.push(u);
        else this.toActive(u);
      }
      return;
    }
    this.add(pod);
  }

  delete(key: string): void {
    this.activeQ.remove(key);
    this.backoffQ.remove(key);
    this.unschedulable.delete(key);
  }

  /** Next pod to schedule; waits while the queue is empty; undefined once closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const info = this.activeQ.pop();
    if (info) {
      this.startCycle(info);
      return Promise.resolve(info);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Synchronous pop for tight loops and tests; undefined when activeQ is empty. */
  tryPop(): QueuedPodInfo | undefined {
    const info = this.activeQ.pop();
    if (info) this.startCycle(info);
    return info;
  }

  /** The attempt finished (scheduled, or the pod went away). */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * The attempt failed. If a cluster event arrived during the attempt the pod goes to backoff
   * (it may fit now); otherwise it waits in unschedulablePods for a helpful event.
   */
  addUnschedulable(info: QueuedPodInfo, podCycle: number, plugins: ReadonlySet<string>, error = false): void {
    this.inFlight.delete(info.key);
    if (this.closed) return;
    info.lastFailure = this.clock.now();
    info.unschedulablePlugins = new Set(plugins);
    if (error || this.moveRequestCycle >= podCycle) this.backoffQ.push(info);
    else this.unschedulable.set(info.key, info);
  }

  /** Moves unschedulable pods that `ev` may help to activeQ (or backoffQ while backing off). */
  moveAllToActiveOrBackoff(ev: ClusterEvent): void {
    const helped = pluginsHelpedBy(ev);
    for (const [key, info] of this.unschedulable) {
      if (helped !== 'all' && info.unschedulablePlugins.size > 0 && ![...info.unschedulablePlugins].some((p) => helped.has(p))) continue;
      this.unschedulable.delete(key);
      if (this.isBackingOff(info)) this.backoffQ.push(info);
      else this.toActive(info);
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  /** Moves pods whose backoff has expired to activeQ; returns ms until the next expiry (or undefined). */
  flushBackoffCompleted(): number | undefined {
    const now = this.clock.now();
    for (;;) {
      const head = this.backoffQ.peek();
      if (!head) return undefined;
      const exp = this.backoffExpiry(head);
      if (exp > now) return exp - now;
      this.backoffQ.pop();
      this.toActive(head);
    }
  }

  /** Retries pods that have waited in unschedulablePods too long. */
  flushUnschedulableLeftover(): void {
    const now = this.clock.now();
    for (const [key, info] of this.unschedulable) {
      if (now - info.lastFailure < this.maxInUnschedulable) continue;
      this.unschedulable.delete(key);
      if (this.isBackingOff(info)) this.backoffQ.push(info);
      else this.toActive(info);
    }
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters) w(undefined);
    this.waiters = [];
  }

  stats(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }
}

export function keyOfPod(pod: Readonly<Pod>): string {
  const ns = pod.metadata.namespace;
  return ns ? `${ns}/${pod.metadata.name}` : (pod.metadata.name ?? '');
}

/** Upstream isPodUpdated: anything but status/resourceVersion/managedFields changed. */
function schedulingRelevantChange(a: Readonly<Pod>, b: Readonly<Pod>): boolean {
  const strip = (p: Readonly<Pod>): string => {
    const { resourceVersion: _rv, managedFields: _mf, generation: _g, ...meta } = p.metadata;
    return JSON.stringify([meta, p.spec]);
  };
  return strip(a) !== strip(b);
}
