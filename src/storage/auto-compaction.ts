// Periodic compaction shared by both stores. Upstream kube-apiserver compacts every
// 5 minutes; kine keeps the last 1000 revisions. We do both: every interval, compact to
// currentRevision - retainRevisions.

export interface CompactionOptions {
  /** Period of automatic compaction in ms; 0 disables it. Default 5 minutes. */
  compactIntervalMs?: number;
  /** Revisions kept by automatic compaction. Default 1000. */
  retainRevisions?: number;
  /** Where failures of automatic compaction go. Default: process.emitWarning. */
  onCompactionError?: (err: Error) => void;
}

export const DEFAULT_COMPACT_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_RETAIN_REVISIONS = 1000;

/**
 * The compaction point automatic compaction should move to, or undefined when it would
 * not advance (`point` is the current compaction point, compactedRevision() - 1).
 */
export function autoCompactionTarget(current: number, point: number, retain: number): number | undefined {
  const target = current - Math.max(0, retain);
  return target > point ? target : undefined;
}

/** Starts the timer (unref'd: it never keeps the process alive). Returns a stop function. */
export function startAutoCompaction(
  run: () => Promise<unknown>,
  opts: CompactionOptions,
): () => void {
  const interval = opts.compactIntervalMs ?? DEFAULT_COMPACT_INTERVAL_MS;
  if (!(interval > 0)) return () => {};
  const report = opts.onCompactionError ?? ((err: Error) => process.emitWarning(err));
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    run()
      .catch((e: unknown) => report(e instanceof Error ? e : new Error(String(e))))
      .finally(() => {
        running = false;
      });
  }, interval);
  timer.unref();
  return () => clearInterval(timer);
}
