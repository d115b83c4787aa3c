// The controller manager: one informer factory shared by every controller, leader election
// so that only one server's controllers act at a time, and the list of controllers to run.
//
//   start ──▶ leader election ──leading──▶ register controllers ──▶ informers start
//                                  └─lost──▶ abort controllers (another server leads)
import { type ApiClient, type ControllerContext, type ControllerRegistration, realClock } from '../client/index.js';
import { SharedInformerFactory } from '../client/informers/index.js';
import { ClientEventRecorder } from '../client/events/index.js';
import { runLeaderElection } from '../client/leader-election.js';
import { logger } from '../util/log.js';

const log = logger('controller-manager');

export interface LeaseTimings {
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

export interface ControllerManagerOptions {
  client: ApiClient;
  controllers: ControllerRegistration[];
  signal: AbortSignal;
  /** Lease name in kube-system; several managers with one name elect one leader. */
  leaseName: string;
  identity: string;
  /** Run without leader election (tests, single server without HA). */
  leaderElect?: boolean;
  /** Lease timings (upstream's --leader-elect-lease-duration, -renew-deadline, -retry-period); default 15/10/2 s. */
  leaseTimings?: LeaseTimings;
  host?: string;
  /**
   * Informers to share with other in-process components (the local agent). Handlers of a
   * lost leadership term stay registered but feed stopped queues, so they do nothing.
   */
  informers?: SharedInformerFactory;
  onLeading?(): void;
  /**
   * The client a controller's requests (and events) go through, by registration name: the
   * controller's own identity. Informers and the Lease stay on `client`. Default: `client`.
   */
  clientFor?(name: string): ApiClient;
}

export interface RunningControllerManager {
  informers: SharedInformerFactory;
  /** Resolves once controllers are registered and informers synced (first leadership). */
  ready: Promise<void>;
  /** Resolves once the manager has stopped after its signal, its Lease released. */
  stopped: Promise<void>;
}

export function startControllerManager(o: ControllerManagerOptions): RunningControllerManager {
  const informers = o.informers ?? new SharedInformerFactory(o.client);
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));

  const lead = async (signal: AbortSignal): Promise<void> => {
    for (const c of o.controllers) {
      const client = o.clientFor?.(c.name) ?? o.client;
      const ctx: ControllerContext = {
        client,
        informers,
        recorder: (component) => new ClientEventRecorder(client, component, { host: o.host }),
        clock: realClock,
        signal,
      };
      try {
        await c.register(ctx);
      } catch (e) {
        log.error(`starting ${c.name} failed: ${e instanceof Error ? (e.stack ?? e.message).replace(/\s*\n\s*/g, ' ') : String(e)}`);
      }
    }
    informers.start(signal);
    await informers.waitForCacheSync();
    o.onLeading?.();
    markReady();
  };

  let stopped: Promise<void>;
  if (o.leaderElect === false) {
    void lead(o.signal);
    stopped = new Promise((resolve) => (o.signal.aborted ? resolve() : o.signal.addEventListener('abort', () => resolve(), { once: true })));
  } else {
    stopped = runLeaderElection({
      client: o.client,
      namespace: 'kube-system',
      name: o.leaseName,
      identity: o.identity,
      leaseDurationSeconds: o.leaseTimings?.leaseDurationSeconds ?? 15,
      renewDeadlineSeconds: o.leaseTimings?.renewDeadlineSeconds ?? 10,
      retryPeriodSeconds: o.leaseTimings?.retryPeriodSeconds ?? 2,
      signal: o.signal,
      onStartedLeading: (leaderSignal) => void lead(leaderSignal),
      onStoppedLeading: () => {
        if (!o.signal.aborted) log.error(`lost the ${o.leaseName} lease; controllers stopped`);
      },
    }).catch(() => undefined);
  }
  return { informers, ready, stopped };
}
