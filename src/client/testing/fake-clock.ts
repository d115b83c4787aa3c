// A clock for tests: time moves only through advance(), which fires due timers in order
// (each one sees now() equal to its due time). Implements TimerClock, so work queues,
// leader election and event recorders built on it never wait on real time.
import type { TimerClock, TimerHandle } from '../workqueue/timers.js';
import { MinHeap } from '../workqueue/heap.js';

export interface FakeClock extends TimerClock {
  /** Moves time forward by `ms`, firing every timer that falls due, in due order. */
  advance(ms: number): void;
  /** Sets the time (forward only) and fires due timers. */
  setTime(t: number): void;
  /** Timers not yet fired or cleared. */
  pendingTimers(): number;
}

/** 2024-01-01T00:00:00Z: a round, realistic default start. */
export const FAKE_CLOCK_START = Date.UTC(2024, 0, 1);

export function fakeClock(start: number = FAKE_CLOCK_START): FakeClock {
  let now = start;
  const timers = new MinHeap<{ fn: () => void; live: boolean }>();
  let live = 0;

  const fireUntil = (target: number): void => {
    for (let top = timers.peek(); top && top.at <= target; top = timers.peek()) {
      timers.pop();
      if (!top.value.live) continue;
      top.value.live = false;
      live--;
      if (top.at > now) now = top.at;
      top.value.fn();
    }
    if (target > now) now = target;
  };

  return {
    now: () => now,
    setTimer(fn: () => void, delayMs: number): TimerHandle {
      const t = { fn, live: true };
      live++;
      timers.push(now + Math.max(0, delayMs), t);
      return {
        clear() {
          if (t.live) {
            t.live = false;
            live--;
          }
        },
      };
    },
    advance(ms: number) {
      fireUntil(now + ms);
    },
    setTime(t: number) {
      fireUntil(Math.max(t, now));
    },
    pendingTimers: () => live,
  };
}
