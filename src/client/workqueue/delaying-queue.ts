// DelayingQueue: a WorkQueue plus addAfter(key, ms). Waiting keys sit in a min-heap by
// ready time behind ONE shared timer armed for the earliest of them (never a timer per
// key). A key waiting twice keeps the earlier ready time, as upstream does.
import { WorkQueue, type WorkQueueOptions } from './queue.js';
import { MinHeap } from './heap.js';
import { timerClockOf, type TimerClock, type TimerHandle } from './timers.js';

export class DelayingQueue<K> extends WorkQueue<K> {
  private readonly timers: TimerClock;
  private readonly heap = new MinHeap<K>();
  /** Effective ready time per waiting key; heap entries that disagree are stale. */
  private readonly readyAt = new Map<K, number>();
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;

  constructor(opts: WorkQueueOptions = {}) {
    super(opts);
    this.timers = timerClockOf(this.clock);
  }

  /** Adds `key` once `delayMs` has passed; immediately if delayMs <= 0. */
  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDownNow()) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + delayMs;
    const prev = this.readyAt.get(key);
    if (prev !== undefined && prev <= at) return;
    this.readyAt.set(key, at);
    this.heap.push(at, key);
    if (at < this.timerAt) this.arm(at);
  }

  /** Keys waiting for their delay to pass. */
  numWaiting(): number {
    return this.readyAt.size;
  }

  protected override onShutDown(): void {
    this.timer?.clear();
    this.timer = undefined;
    this.timerAt = Infinity;
    this.heap.clear();
    this.readyAt.clear();
  }

  private arm(at: number): void {
    this.timer?.clear();
    this.timerAt = at;
    this.timer = this.timers.setTimer(() => this.fire(), at - this.clock.now());
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    for (let top = this.heap.peek(); top && top.at <= now; top = this.heap.peek()) {
      this.heap.pop();
      if (this.readyAt.get(top.value) !== top.at) continue; // stale entry
      this.readyAt.delete(top.value);
      this.add(top.value);
    }
    // Drop stale entries at the top so the timer is not armed for nothing.
    for (let top = this.heap.peek(); top && this.readyAt.get(top.value) !== top.at; top = this.heap.peek()) this.heap.pop();
    const next = this.heap.peek();
    if (next && !this.shuttingDownNow()) this.arm(next.at);
  }
}
