// Leader election through a coordination.k8s.io/v1 Lease, as client-go's leaderelection:
// candidates race to hold the Lease; the holder renews it every retry period; others take
// it over when it is released or has not been renewed for leaseDurationSeconds.
//
//          acquire (absent, released or expired)          renew failed for renewDeadline,
//   ┌──────────┐ ───────────────────────────▶ ┌─────────┐   or someone else holds it
//   │candidate │                              │ leading │ ─────────────────────────────┐
//   └──────────┘ ◀─────────────────────────── └─────────┘                              │
//        ▲          onStoppedLeading, leaderSignal aborted                             │
//        └─────────────────────────────────────────────────────────────────────────────┘
//   signal aborted: leaderSignal aborted, Lease released (holderIdentity cleared),
//   onStoppedLeading, runLeaderElection resolves.
//
// After losing the Lease, the candidate campaigns again, so onStartedLeading may run more
// than once; each term gets a fresh leaderSignal. renewDeadline < leaseDuration ensures a
// leader steps down before anyone else may take over.
import type { Lease, LeaseSpec } from '../api/types/index.js';
import { isAlreadyExists, isConflict, isNotFound } from '../api/status.js';
import { clone } from '../util/json.js';
import { rfc3339Micro } from '../util/time.js';
import { errorMessage, logger } from '../util/log.js';

const log = logger('leader-election');
import type { Clock } from './controller-types.js';
import { realClock } from './controller-types.js';
import { R } from './resources.js';
import type { ApiClient } from './types.js';
import { sleep } from './workqueue/timers.js';

export interface LeaderElectionOptions {
  client: ApiClient;
  /** Usually kube-system. */
  namespace: string;
  /** Lease name. */
  name: string;
  /** Unique per candidate (hostname plus a random suffix, as upstream). */
  identity: string;
  /** How long a non-renewed Lease stays held; default 15. */
  leaseDurationSeconds?: number;
  /** How long the leader keeps trying to renew before stepping down; default 10. */
  renewDeadlineSeconds?: number;
  /** Interval between acquire or renew attempts; default 2. */
  retryPeriodSeconds?: number;
  signal: AbortSignal;
  /** Called when this candidate becomes leader; leaderSignal aborts when the term ends. */
  onStartedLeading(leaderSignal: AbortSignal): void | Promise<void>;
  /** Called when a term ends (lost, or signal aborted). */
  onStoppedLeading(): void;
  /** Called when a different holder is observed (including this candidate). */
  onNewLeader?(identity: string): void;
  /** Clear holderIdentity when signal aborts (default true), so others take over at once. */
  releaseOnCancel?: boolean;
  clock?: Clock;
}

type Attempt = 'acquired' | 'held-by-other' | 'failed';

/** Resolves after `signal` aborts and the Lease has been released. */
export async function runLeaderElection(opts: LeaderElectionOptions): Promise<void> {
  const e = new Elector(opts);
  await e.run();
}

class Elector {
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private observedHolder = '';
  private failing = false;
  /** When the Lease another candidate holds expires (ms), as of the last 'held-by-other'. */
  private heldUntil = 0;
  /** The Lease as this candidate last wrote it while leading (the renewal's fast path). */
  private mine: Lease | undefined;

  constructor(private readonly o: LeaderElectionOptions) {
    this.clock = o.clock ?? realClock;
    this.leaseMs = (o.leaseDurationSeconds ?? 15) * 1000;
    this.renewDeadlineMs = (o.renewDeadlineSeconds ?? 10) * 1000;
    this.retryMs = (o.retryPeriodSeconds ?? 2) * 1000;
    if (this.renewDeadlineMs >= this.leaseMs) throw new Error('leader election: renewDeadline must be shorter than leaseDuration');
  }

  async run(): Promise<void> {
    const { signal } = this.o;
    while (!signal.aborted) {
      if (!(await this.acquire())) return;
      const term = new AbortController();
      this.call('onStartedLeading', () => this.o.onStartedLeading(term.signal));
      await this.renewUntilLost();
      term.abort();
      if (signal.aborted && this.o.releaseOnCancel !== false) await this.release();
      this.call('onStoppedLeading', () => this.o.onStoppedLeading());
    }
  }

  /** Tries every retry period until the Lease is ours; false if aborted first. */
  private async acquire(): Promise<boolean> {
    const { signal } = this.o;
    while (!signal.aborted) {
      const r = await this.tryAcquireOrRenew();
      if (r === 'acquired') {
        if (!signal.aborted) return true;
        await this.release(); // aborted while the acquiring write was in flight
        return false;
      }
      // A Lease held by another that expires before the next retry is tried again the moment
      // it expires, not up to a retry period later: the takeover after a leader dies is then
      // its last renewal + leaseDuration (13–15 s with upstream's 15 s / 2 s), not up to 17 s.
      // The rule is upstream's (only an expired Lease is taken), only the wake-up is earlier.
      const untilExpiry = r === 'held-by-other' ? this.heldUntil - this.clock.now() + 1 : Infinity;
      await sleep(this.clock, Math.max(1, Math.min(this.retryMs, untilExpiry)), signal);
    }
    return false;
  }

  /** Renews every retry period; returns when the term ends (lost or aborted). */
  private async renewUntilLost(): Promise<void> {
    const { signal } = this.o;
    let lastRenew = this.clock.now();
    while (!signal.aborted) {
      await sleep(this.clock, this.retryMs, signal);
      if (signal.aborted) return;
      const r = await this.tryAcquireOrRenew();
      if (r === 'acquired') lastRenew = this.clock.now();
      else if (r === 'held-by-other' || this.clock.now() - lastRenew >= this.renewDeadlineMs) return;
    }
  }

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const { client, namespace, name, identity } = this.o;
    const now = this.clock.now();
    // Fast path, as client-go's: the leader renews the Lease it wrote last without reading it
    // first; if someone else wrote it meanwhile the update conflicts and the slow path reads it.
    const mine = this.mine;
    this.mine = undefined;
    if (mine?.spec && Date.parse(mine.spec.renewTime ?? '') + this.leaseMs > now) {
      const next = clone(mine);
      next.spec = this.specFor(Date.parse(mine.spec.acquireTime ?? '') || now, now, mine.spec.leaseTransitions ?? 0);
      try {
        this.mine = await client.update<Lease>(R.leases, namespace, next);
        return this.succeeded(identity);
      } catch (e) {
        if (!isConflict(e) && !isNotFound(e)) this.failed('renewing', e);
      }
    }
    let lease: Lease;
    try {
      lease = await client.get<Lease>(R.leases, namespace, name);
    } catch (e) {
      if (!isNotFound(e)) return this.failed('getting', e);
      try {
        this.mine = await client.create<Lease>(R.leases, namespace, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: this.specFor(now, now, 0),
        });
        return this.succeeded(identity);
      } catch (e2) {
        return isAlreadyExists(e2) ? 'failed' : this.failed('creating', e2);
      }
    }
    const spec: LeaseSpec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    if (holder !== this.observedHolder) {
      this.observedHolder = holder;
      if (holder) this.call('onNewLeader', () => this.o.onNewLeader?.(holder));
    }
    const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '') || 0;
    const duration = (spec.leaseDurationSeconds ?? this.leaseMs / 1000) * 1000;
    if (holder && holder !== identity && renewed + duration > now) {
      this.heldUntil = renewed + duration;
      return 'held-by-other';
    }
    const ours = holder === identity;
    const next = clone(lease);
    next.spec = this.specFor(
      ours ? Date.parse(spec.acquireTime ?? '') || now : now,
      now,
      (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
    );
    try {
      this.mine = await client.update<Lease>(R.leases, namespace, next);
      return this.succeeded(identity);
    } catch (e) {
      return isConflict(e) ? 'failed' : this.failed('updating', e);
    }
  }

  private async release(): Promise<void> {
    const { client, namespace, name, identity } = this.o;
    try {
      const lease = await client.get<Lease>(R.leases, namespace, name);
      const spec: LeaseSpec = lease.spec ?? {};
      if (spec.holderIdentity !== identity) return;
      const now = rfc3339Micro(this.clock.now());
      const next = clone(lease);
      const released: LeaseSpec = { leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: spec.leaseTransitions ?? 0 };
      next.spec = released;
      await client.update(R.leases, namespace, next);
    } catch (e) {
      if (!isNotFound(e)) this.failed('releasing', e);
    }
  }

  private specFor(acquiredMs: number, renewedMs: number, transitions: number): LeaseSpec {
    return {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: this.leaseMs / 1000,
      acquireTime: rfc3339Micro(acquiredMs),
      renewTime: rfc3339Micro(renewedMs),
      leaseTransitions: transitions,
    };
  }

  private succeeded(identity: string): Attempt {
    this.failing = false;
    if (this.observedHolder !== identity) {
      this.observedHolder = identity;
      this.call('onNewLeader', () => this.o.onNewLeader?.(identity));
    }
    return 'acquired';
  }

  /** Logs the first failure of a streak; expected conflicts never get here. */
  private failed(what: string, e: unknown): Attempt {
    if (!this.failing) {
      this.failing = true;
      log.error(`${this.o.namespace}/${this.o.name}: ${what} the lease failed: ${errorMessage(e)}`);
    }
    return 'failed';
  }

  /** Runs a user callback; its errors (sync or async) are logged, never propagated. */
  private call(what: string, fn: () => unknown): void {
    const report = (e: unknown): void => log.error(`${this.o.name}: ${what} failed: ${e instanceof Error ? (e.stack ?? e.message).replace(/\s*\n\s*/g, ' ') : String(e)}`);
    try {
      const r = fn();
      if (r instanceof Promise) r.catch(report);
    } catch (e) {
      report(e);
    }
  }
}
