// Timers behind the Clock interface, so a fake clock can drive delayed work in tests.
// A Clock that also implements `setTimer` (see testing/fake-clock.ts) is used as is;
// any other Clock gets real, unref'd timers (they never keep the process alive).
import type { Clock } from '../controller-types.js';

export interface TimerHandle {
  /** Cancels the timer; idempotent. */
  clear(): void;
}

export interface TimerClock extends Clock {
  /** Calls `fn` once, `delayMs` from now (as measured by this clock). */
  setTimer(fn: () => void, delayMs: number): TimerHandle;
}

export function isTimerClock(c: Clock): c is TimerClock {
  return typeof (c as Partial<TimerClock>).setTimer === 'function';
}

// setTimeout fires immediately for delays above 2^31-1 ms; clamp (a re-armed timer
// covers the rest).
const MAX_TIMEOUT_MS = 0x7fffffff;

function realTimer(fn: () => void, delayMs: number): TimerHandle {
  const t = setTimeout(fn, Math.min(Math.max(0, delayMs), MAX_TIMEOUT_MS));
  t.unref();
  return { clear: () => clearTimeout(t) };
}

/** The clock itself if it has timers, otherwise the clock plus real unref'd timers. */
export function timerClockOf(clock: Clock): TimerClock {
  if (isTimerClock(clock)) return clock;
  return { now: () => clock.now(), setTimer: realTimer };
}

/**
 * Resolves after `ms` on `clock`, or early (without rejecting) when `signal` aborts.
 * Callers check `signal.aborted` afterwards.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  const timers = timerClockOf(clock);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      handle.clear();
      resolve();
    };
    const handle = timers.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
