// Periodic compaction shared by both stores. Upstream kube-apiserver compacts every
// 5 minutes; kine keeps the last 1000 revisions. We do both: every interval, compact to
// currentRevision - retainRevisions.
//
// Between two timed compactions history grows with the write rate (a status storm of
// 150 writes/s of 4 KB pods is ~175 MB in 5 minutes). So a store also compacts early, once
// more than `maxUncompactedRevisions` revisions have piled up above the retained ones: the
// history a store holds is bounded by a revision count, whatever the write rate.
import { logger } from '../util/log.js';

const log = logger('storage');

export interface CompactionOptions {
  /** Period of automatic compaction in ms; 0 disables it. Default 5 minutes. */
  compactIntervalMs?: number;
  /** Revisions kept by automatic compaction. Default 1000. */
  retainRevisions?: number;
  /**
   * Revisions above the retained ones that start an early compaction (checked after each
   * write; 0 disables the early compaction). Default 10000. Off when compactIntervalMs is 0.
   */
  maxUncompactedRevisions?: number;
  /** Where failures of automatic compaction go. Default: the storage log (error). */
  onCompactionError?: (err: Error) => void;
}

export const DEFAULT_COMPACT_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_RETAIN_REVISIONS = 1000;
export const DEFAULT_MAX_UNCOMPACTED_REVISIONS = 10_000;

/**
 * The compaction point automatic compaction should move to, or undefined when it would
 * not advance (`point` is the current compaction point, compactedRevision() - 1).
 */
export function autoCompactionTarget(current: number, point: number, retain: number): number | undefined {
  const target = current - Math.max(0, retain);
  return target > point ? target : undefined;
}

/** Whether so many revisions piled up above the retained ones that compaction should not wait for its timer. */
export function isCompactionOverdue(current: number, point: number, retain: number, maxUncompacted: number): boolean {
  return maxUncompacted > 0 && current - point > Math.max(0, retain) + maxUncompacted;
}

export interface AutoCompaction {
  /** Called after each write: starts an early compaction when one is overdue. */
  wrote(current: number, point: number): void;
  stop(): void;
}

/** Starts the timer (unref'd: it never keeps the process alive). */
export function startAutoCompaction(run: () => Promise<unknown>, opts: CompactionOptions): AutoCompaction {
  const interval = opts.compactIntervalMs ?? DEFAULT_COMPACT_INTERVAL_MS;
  if (!(interval > 0)) return { wrote: () => undefined, stop: () => undefined };
  const retain = opts.retainRevisions ?? DEFAULT_RETAIN_REVISIONS;
  const maxUncompacted = opts.maxUncompactedRevisions ?? DEFAULT_MAX_UNCOMPACTED_REVISIONS;
  const report = opts.onCompactionError ?? ((err: Error) => log.error(`automatic compaction failed: ${err.message}`));
  let running = false;
  let stopped = false;
  const step = (): void => {
    if (running || stopped) return;
    running = true;
    run()
      .catch((e: unknown) => report(e instanceof Error ? e : new Error(String(e))))
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(step, interval);
  timer.unref();
  return {
    wrote: (current, point) => {
      // Never inside the write's own call: the caller's write returns first.
      if (!running && isCompactionOverdue(current, point, retain, maxUncompacted)) {
        running = true;
        setImmediate(() => {
          running = false;
          step();
        });
      }
    },
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
