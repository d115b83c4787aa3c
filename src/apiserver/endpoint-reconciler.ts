// The `kubernetes` Service's endpoints list every live API server (upstream's lease endpoint
// reconciler, --endpoint-reconciler-type=lease): each server keeps a record of itself under
// /registry/masterleases/<ip> in storage, renewed every `intervalMs`, and sets the Endpoints and
// EndpointSlice `kubernetes` to the addresses whose record is younger than `ttlMs`. A server
// that stops cleanly removes its record and itself at once; one that dies drops out once its
// record is older than the TTL (on the next reconcile of a live server).
//
// Upstream keeps these records with an etcd lease TTL; our Store has none, so a record carries
// its renewal time and the servers' clocks must agree to within a few seconds. All servers serve
// on the same port (upstream requires that too).
import type { Store } from '../storage/index.js';
import { isStorageError } from '../storage/index.js';
import { logger } from '../util/log.js';
import { reconcileKubernetesEndpoints } from './bootstrap.js';
import { systemContext } from './context.js';
import type { ApiServerCore } from './core.js';

const log = logger('apiserver/endpoints');

export const MASTER_LEASES_PREFIX = '/registry/masterleases/';
export const MASTER_LEASE_TTL_MS = 15_000;
export const MASTER_LEASE_INTERVAL_MS = 10_000;

export interface MasterLease {
  ip: string;
  port: number;
  /** When the server last renewed it (RFC 3339). */
  renewTime: string;
}

/** The addresses of the servers whose record is younger than `ttlMs` at `nowMs`, sorted. Pure. */
export function liveServers(leases: readonly MasterLease[], nowMs: number, ttlMs: number): string[] {
  const live = leases.filter((l) => Date.parse(l.renewTime) + ttlMs > nowMs).map((l) => l.ip);
  return [...new Set(live)].sort();
}

function parseLease(value: string): MasterLease | undefined {
  try {
    const v = JSON.parse(value) as Partial<MasterLease>;
    return typeof v.ip === 'string' && typeof v.port === 'number' && typeof v.renewTime === 'string' ? (v as MasterLease) : undefined;
  } catch {
    return undefined;
  }
}

export interface EndpointReconciler {
  /** Removes this server's record and itself from the endpoints. */
  stop(): Promise<void>;
}

export async function startEndpointReconciler(core: ApiServerCore, store: Store, address: string, port: number, o: { intervalMs?: number; ttlMs?: number } = {}): Promise<EndpointReconciler> {
  const interval = o.intervalMs ?? MASTER_LEASE_INTERVAL_MS;
  const ttl = o.ttlMs ?? MASTER_LEASE_TTL_MS;
  const key = MASTER_LEASES_PREFIX + address;
  let stopped = false;

  const renew = async (): Promise<void> => {
    const value = JSON.stringify({ ip: address, port, renewTime: new Date().toISOString() } satisfies MasterLease);
    const cur = await store.get(key);
    if (cur) await store.update(key, value, cur.modRevision);
    else await store.create(key, value);
  };
  const reconcile = async (without?: string): Promise<void> => {
    const leases = (await store.list(MASTER_LEASES_PREFIX)).items.map((kv) => parseLease(kv.value)).filter((l): l is MasterLease => !!l);
    const live = liveServers(leases, Date.now(), ttl).filter((ip) => ip !== without);
    await reconcileKubernetesEndpoints(core, systemContext(), live, port);
  };
  const tick = async (): Promise<void> => {
    try {
      await renew();
      await reconcile();
    } catch (e) {
      // A conflict means another writer (this server's previous incarnation) raced us: next tick.
      if (!isStorageError(e)) log.warn(`reconciling the kubernetes endpoints: ${(e as Error).message}`);
    }
  };
  await tick();
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (stopped || running) return;
    running = tick().finally(() => (running = undefined));
  }, interval);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
      try {
        const cur = await store.get(key);
        if (cur) await store.delete(key, cur.modRevision);
        await reconcile(address);
      } catch (e) {
        log.warn(`removing this server from the kubernetes endpoints: ${(e as Error).message}`);
      }
    },
  };
}
