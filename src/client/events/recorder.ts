// ClientEventRecorder writes core/v1 Events through the API, as client-go's
// tools/record broadcaster does:
//
//   event() ──▶ correlator ──create / repeat──▶ bounded write queue ──▶ one writer ──▶ API
//                (LRU, 10 min window)           (drops when full)       (POST or merge PATCH)
//
// event() never throws and never waits: writes happen in the background, one at a time and
// in order (a repeat's PATCH follows its CREATE). When more than `maxQueued` writes are
// pending, new events are dropped and counted in `dropped`. Failed writes are logged once
// per outage (the first failure after a success).
import type { KObject } from '../../api/types/index.js';
import { isNotFound } from '../../api/status.js';
import { clone } from '../../util/json.js';
import { rfc3339 } from '../../util/time.js';
import { errorMessage, logger } from '../../util/log.js';

const log = logger('event-recorder');
import type { Clock, EventRecorder, EventType } from '../controller-types.js';
import { realClock } from '../controller-types.js';
import { R } from '../resources.js';
import type { ApiClient } from '../types.js';
import { Fifo } from '../workqueue/fifo.js';
import { DEFAULT_CACHE_SIZE, EventCorrelator, type EventIdentity, type SeenEvent } from './correlator.js';

export const DEFAULT_MAX_QUEUED_EVENT_WRITES = 1000;

export interface ClientEventRecorderOptions {
  /** source.host and reportingInstance (a node name for the kubelet). */
  host?: string;
  clock?: Clock;
  /** Pending writes beyond which events are dropped. */
  maxQueued?: number;
  /** Distinct recent events remembered for aggregation. */
  cacheSize?: number;
}

type Write =
  | { kind: 'create'; id: EventIdentity; event: KObject }
  | { kind: 'repeat'; id: EventIdentity; event: KObject; seen: SeenEvent };

const suffixClock = { ms: -1, seq: 0 };

export class ClientEventRecorder implements EventRecorder {
  /** Events dropped because the write queue was full. */
  dropped = 0;
  private readonly clock: Clock;
  private readonly host: string;
  private readonly maxQueued: number;
  private readonly correlator: EventCorrelator;
  private readonly pending = new Fifo<Write>();
  private writing = false;
  private failing = false;
  private warnedFull = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly client: ApiClient, readonly component: string, opts: ClientEventRecorderOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.host = opts.host ?? '';
    this.maxQueued = opts.maxQueued ?? DEFAULT_MAX_QUEUED_EVENT_WRITES;
    this.correlator = new EventCorrelator(opts.cacheSize ?? DEFAULT_CACHE_SIZE);
  }

  event(obj: Readonly<KObject>, type: EventType, reason: string, message: string): void {
    try {
      this.record(obj, type, reason, message);
    } catch (e) {
      // A recorder must never break its caller.
      this.logFailure(`recording ${reason} for ${obj.metadata?.name ?? '?'}`, e);
    }
  }

  /** Resolves once every queued write has been attempted (tests, orderly shutdown). */
  flush(): Promise<void> {
    if (!this.writing && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private record(obj: Readonly<KObject>, type: EventType, reason: string, message: string): void {
    if (this.pending.length >= this.maxQueued) {
      this.dropped++;
      if (!this.warnedFull) {
        this.warnedFull = true;
        log.warn(`${this.component}: more than ${this.maxQueued} event writes pending; dropping events`);
      }
      return;
    }
    const m = obj.metadata;
    const id: EventIdentity = {
      kind: obj.kind ?? '', namespace: m.namespace ?? '', name: m.name ?? '', uid: m.uid ?? '',
      apiVersion: obj.apiVersion ?? '', type, reason, message, component: this.component, host: this.host,
    };
    const nowMs = this.clock.now();
    const now = rfc3339(nowMs);
    const c = this.correlator.observe(id, nowMs, () => ({
      name: `${id.name}.${this.timeSuffix(nowMs)}`,
      namespace: m.namespace || 'default',
      firstTimestamp: now,
    }));
    const event = this.makeEvent(obj, id, c.seen, now);
    this.pending.push(c.kind === 'create' ? { kind: 'create', id, event } : { kind: 'repeat', id, event, seen: c.seen });
    if (!this.writing) void this.drain();
  }

  private makeEvent(obj: Readonly<KObject>, id: EventIdentity, seen: SeenEvent, now: string): KObject {
    const involved: Record<string, unknown> = { kind: id.kind };
    if (id.namespace) involved.namespace = id.namespace;
    involved.name = id.name;
    if (id.uid) involved.uid = id.uid;
    if (id.apiVersion) involved.apiVersion = id.apiVersion;
    if (obj.metadata.resourceVersion) involved.resourceVersion = obj.metadata.resourceVersion;
    const source: Record<string, string> = { component: this.component };
    if (this.host) source.host = this.host;
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: seen.name, namespace: seen.namespace },
      involvedObject: involved,
      reason: id.reason,
      message: id.message,
      source,
      firstTimestamp: seen.firstTimestamp,
      lastTimestamp: now,
      count: seen.count,
      type: id.type,
      eventTime: null,
      reportingComponent: this.component,
      reportingInstance: this.host,
    };
  }

  /**
   * Nanoseconds since the epoch in hex, as upstream names Events. The sequence is shared by
   * every recorder of the process, so two components reporting on one object in the same
   * millisecond never pick the same name.
   */
  private timeSuffix(nowMs: number): string {
    if (nowMs !== suffixClock.ms) {
      suffixClock.ms = nowMs;
      suffixClock.seq = 0;
    }
    const ns = BigInt(Math.floor(nowMs)) * 1_000_000n + BigInt(suffixClock.seq++);
    return ns.toString(16).padStart(16, '0');
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      for (let w = this.pending.shift(); w; w = this.pending.shift()) {
        try {
          await this.write(w);
          this.failing = false;
          this.warnedFull = false;
        } catch (e) {
          this.correlator.forget(w.id, w.event.metadata.name ?? '');
          this.logFailure(`writing event ${w.event.metadata.namespace}/${w.event.metadata.name}`, e);
        }
      }
    } finally {
      this.writing = false;
      for (const r of this.idleWaiters.splice(0)) r();
    }
  }

  private async write(w: Write): Promise<void> {
    const ns = w.event.metadata.namespace;
    if (w.kind === 'repeat') {
      try {
        await this.client.patch(R.events, ns, w.event.metadata.name ?? '', 'merge', {
          count: w.seen.count,
          lastTimestamp: w.event.lastTimestamp,
        });
        return;
      } catch (e) {
        // The Event expired or was deleted: write it anew, keeping the count.
        if (!isNotFound(e)) throw e;
      }
    }
    await this.client.create(R.events, ns, clone(w.event));
  }

  private logFailure(what: string, e: unknown): void {
    if (this.failing) return;
    this.failing = true;
    log.error(`${this.component}: ${what} failed: ${errorMessage(e)}`);
  }
}
