// In-process fan-out of committed writes to Store.watch subscribers.
//
// Guarantees (the API server relies on them):
// - A store calls `publish` right after a write commits, before the write's promise
//   settles; every live watcher whose prefix matches is called synchronously, so when
//   create/update/delete resolves, all watchers have seen the event.
// - Per watcher, events arrive in strictly increasing revision order with no gaps and no
//   duplicates. A write made from inside an onEvent handler is queued and delivered after
//   the current event has reached every watcher (no reordering through re-entrancy).
// - A watch from an older revision first replays committed history (read from the store
//   through HistorySource) in a microtask, then turns live. Replay runs in a microtask so
//   the handle exists before the first onEvent; everything is single-threaded and the
//   stores are synchronous underneath, so no write can slip between "history read empty"
//   and "live".
// - A handler that throws ends its own watch (onError with the thrown error); other
//   watchers and the write are unaffected.
//
//   watch() ──afterRevision < current──▶ replaying ──history drained──▶ live ──▶ ended
//       └────────afterRevision >= current─────────────────────────────▶ live
//   (cancel, close, compaction during replay or a throwing handler → ended)

import { compacted, toError } from './storage-errors.js';
import type { StoreEvent, WatchHandle, WatchOptions } from './types.js';

export interface HistorySource {
  currentRevision(): number;
  compactedRevision(): number;
  /** Committed events under `prefix` with revision > afterRevision, ascending, at most `limit`. */
  readHistory(prefix: string, afterRevision: number, limit: number): readonly StoreEvent[];
}

type WatcherState = 'replaying' | 'live' | 'ended';

interface Watcher {
  readonly prefix: string;
  readonly opts: WatchOptions;
  state: WatcherState;
  /** Revision of the last delivered event (starts at afterRevision). */
  last: number;
}

export function eventRevision(ev: StoreEvent): number {
  return ev.type === 'put' ? ev.kv.modRevision : ev.revision;
}

export function eventKey(ev: StoreEvent): string {
  return ev.type === 'put' ? ev.kv.key : ev.key;
}

const REPLAY_BATCH = 512;

export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private readonly queue: StoreEvent[] = [];
  private draining = false;

  constructor(private readonly source: HistorySource) {}

  /** Number of active watchers (for metrics and tests). */
  get size(): number {
    return this.watchers.size;
  }

  /** Throws ERR_STORAGE_COMPACTED synchronously if afterRevision+1 < compactedRevision(). */
  watch(prefix: string, opts: WatchOptions): WatchHandle {
    const oldest = this.source.compactedRevision();
    if (opts.afterRevision + 1 < oldest) throw compacted(opts.afterRevision, oldest);
    const w: Watcher = { prefix, opts, state: 'live', last: opts.afterRevision };
    this.watchers.add(w);
    if (opts.afterRevision < this.source.currentRevision()) {
      w.state = 'replaying';
      queueMicrotask(() => this.replay(w));
    }
    return { cancel: () => this.remove(w) };
  }

  /** Called by the store after each committed write, in revision order. */
  publish(ev: StoreEvent): void {
    this.queue.push(ev);
    if (this.draining) return;
    this.draining = true;
    try {
      // Index loop: handlers may append to the queue while we iterate.
      for (let i = 0; i < this.queue.length; i++) {
        const e = this.queue[i]!;
        const rev = eventRevision(e);
        const key = eventKey(e);
        for (const w of this.watchers) {
          if (w.state !== 'live' || rev <= w.last || !key.startsWith(w.prefix)) continue;
          w.last = rev;
          this.deliver(w, e);
        }
      }
    } finally {
      this.queue.length = 0;
      this.draining = false;
    }
  }

  /** Ends every watch with `err` (store closing). */
  endAll(err: Error): void {
    for (const w of [...this.watchers]) this.end(w, err);
  }

  private replay(w: Watcher): void {
    while (w.state === 'replaying') {
      const oldest = this.source.compactedRevision();
      if (w.last + 1 < oldest) {
        this.end(w, compacted(w.last, oldest));
        return;
      }
      let batch: readonly StoreEvent[];
      try {
        batch = this.source.readHistory(w.prefix, w.last, REPLAY_BATCH);
      } catch (e) {
        this.end(w, toError(e));
        return;
      }
      // Only an empty read proves we caught up: a handler may have written meanwhile.
      if (batch.length === 0) {
        w.state = 'live';
        return;
      }
      for (const ev of batch) {
        if (w.state !== 'replaying') return;
        w.last = eventRevision(ev);
        this.deliver(w, ev);
      }
    }
  }

  private deliver(w: Watcher, ev: StoreEvent): void {
    try {
      w.opts.onEvent(ev);
    } catch (e) {
      this.end(w, toError(e));
    }
  }

  private remove(w: Watcher): void {
    w.state = 'ended';
    this.watchers.delete(w);
  }

  private end(w: Watcher, err: Error): void {
    if (w.state === 'ended') return;
    this.remove(w);
    try {
      w.opts.onError?.(err);
    } catch {
      // onError is the last word of this watch; a failure inside it has nowhere to go.
    }
  }
}
