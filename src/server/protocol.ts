// Messages between the supervising loop (the main thread: API server + storage) and the loops it
// runs on worker threads. Every part of the server meets the others only through the API over the
// loopback socket; these messages carry nothing but life signs, metrics and shutdown.
//
//   main ──ping──▶ loop ──pong (own lag)──▶ main        every second; a missing pong is a stall
//   main ──metrics──▶ loop ──metrics (JSON)──▶ main     on each /metrics scrape
//   main ──stop──▶ loop ──stopped──▶ main               graceful shutdown (Leases released)
//   loop ──ready (info)──▶ main                         once the loop's parts are started
//   loop ──failed (message)──▶ main                     start-up failed; the thread then exits
import type { LogConfig } from '../util/log.js';

export type ToLoop =
  | { type: 'ping'; id: number }
  | { type: 'metrics'; id: number }
  | { type: 'stop' };

export type FromLoop =
  | { type: 'pong'; id: number; lagMaxMs: number; lagP99Ms: number; heapUsed: number; heapTotal: number }
  | { type: 'metrics'; id: number; metrics: unknown[] }
  | { type: 'ready'; info: Record<string, unknown> }
  | { type: 'failed'; message: string }
  | { type: 'stopped' };

/** What a worker thread is started with (structured-cloned). */
export interface LoopWorkerData {
  loop: string;
  /** Module (file URL) exporting `runLoop(options, signal)`. */
  module: string;
  options: unknown;
  log: LogConfig;
}

/** The contract of a loop module: start the loop's parts, resolve with what the supervisor should know. */
export interface LoopModule<O> {
  runLoop(options: O, signal: AbortSignal): Promise<RunningLoop>;
}

export interface RunningLoop {
  /** Sent to the supervisor with `ready` (e.g. the node's name and gateway address). */
  info?: Record<string, unknown>;
  /** Graceful stop after the signal aborted: release Leases, close servers. */
  close(): Promise<void>;
}

/**
 * monitorEventLoopDelay's sampling period (ms). Its histogram records the time between two
 * samples, so an idle loop reads about this much; lag is what lies beyond it.
 */
export const LAG_RESOLUTION_MS = 100;

/** A delay histogram's value (ns) as lag in ms: the part beyond the sampling period. */
export function lagMs(sampleNs: number): number {
  return Math.max(0, sampleNs / 1e6 - LAG_RESOLUTION_MS);
}
