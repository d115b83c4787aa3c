// The service proxy: watches Services, EndpointSlices and its Node, and keeps one nftables
// table in sync. The first sync, and the first after a failed apply, rebuilds the whole table in
// one transaction (carrying the live session-affinity entries over); every other sync compiles
// the state again (reusing the rules of unchanged service ports) and applies only the delta, also
// in one `nft -f -` transaction. Bursts of events are coalesced (at most one sync per
// minSyncIntervalMs); a sync with nothing to change runs no nft at all. Failures are logged (one
// line) and retried; the proxy never throws out of its event handlers or timers.
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { EndpointSlice, KObject, Node, Service } from '../api/types/index.js';
import {
  type InformerFactory, type ControllerRegistration, type Disposable, R, type ApiClient,
} from '../client/index.js';
import { renderDeltaRules, type DeltaCounts } from './delta.js';
import { applyNft, readAffinityEntries } from './nft.js';
import { compileRules, hasNodePorts, renderFullRules, withoutSpecialEndpoints, type AffinityEntries, type CompiledRules, type ProxyState } from './rules.js';
import { buildServicePorts, nodeAddresses } from './state.js';
import { logger } from '../util/log.js';

const defaultLog = logger('proxy');

export { applyNft, runNft } from './nft.js';

export const DEFAULT_PROXY_TABLE = 'k8ts-svc';

export interface ServiceProxyConfig {
  /** Unused today (the proxy only reads through informers); accepted for symmetry with controllers. */
  client?: ApiClient;
  informers: InformerFactory;
  nodeName: string;
  nodeIPs: string[];
  clusterCIDR: string;
  signal: AbortSignal;
  tableName?: string;
  /** Coalescing window: at most one sync per this many ms (default 100). */
  minSyncIntervalMs?: number;
  /** Interfaces that get route_localnet=1 (besides `all`) when NodePorts exist (default ['k8ts0']). */
  routeLocalnetInterfaces?: string[];
  /** Log sink (default: the `proxy` logger, src/util/log.ts). */
  log?: (line: string) => void;
  /** Network namespace (a name under /run/netns) whose nftables to program (default: the proxy's own). */
  netns?: string;
  /** Applies an nft script, full or delta (default: `nft -f -`). Tests may replace it. */
  apply?: (rules: string) => Promise<void>;
  /**
   * Reads the live session-affinity entries before a full rebuild, to carry them over (default:
   * `nft -j list sets`; nothing when `apply` is replaced).
   */
  readAffinity?: (table: string) => Promise<AffinityEntries>;
}

/** What the last sync sent to nft. */
export interface SyncReport {
  kind: 'full' | 'delta';
  bytes: number;
  /** For a delta: what it changed. */
  counts?: DeltaCounts;
}

export interface ServiceProxy {
  /** Resolves after the informers synced and the first sync was attempted. */
  readonly ready: Promise<void>;
  /** Renders and applies now (waits for an in-flight sync first). Throws on failure. */
  syncOnce(): Promise<void>;
  /** The whole ruleset the kernel holds after the last successful sync, rendered in full ('' if none). */
  lastApplied(): string;
  /** What the last sync that ran nft sent (undefined before the first). */
  lastSync(): SyncReport | undefined;
  /** Stops watching, removes the table and restores the route_localnet sysctls it changed. */
  stop(): Promise<void>;
}

/** Sets a sysctl, remembering in `saved` the value it had before the proxy first changed it. */
async function setSysctl(path: string, value: string, saved: Map<string, string>): Promise<void> {
  if (!existsSync(path)) return;
  const cur = (await readFile(path, 'utf8')).trim();
  if (cur === value) return;
  if (!saved.has(path)) saved.set(path, cur);
  await writeFile(path, value);
}

export function startServiceProxy(cfg: ServiceProxyConfig): ServiceProxy {
  const table = cfg.tableName ?? DEFAULT_PROXY_TABLE;
  const interval = cfg.minSyncIntervalMs ?? 100;
  const log = cfg.log ?? ((m: string) => defaultLog.warn(m));
  const apply = cfg.apply ?? ((rules: string) => applyNft(rules, cfg.netns));
  const readAffinity = cfg.readAffinity ?? (cfg.apply ? async () => new Map() : (t: string) => readAffinityEntries(t, cfg.netns));
  const localnetIfs = cfg.routeLocalnetInterfaces ?? ['k8ts0'];
  const services = cfg.informers.informerFor<Service>(R.services);
  const slices = cfg.informers.informerFor<EndpointSlice>(R.endpointslices);
  const nodes = cfg.informers.informerFor<Node>(R.nodes);

  // The rules the kernel holds; undefined until the first full rebuild and after a failed apply
  // (the kernel may then differ from what we think it holds), which makes the next sync full.
  let current: CompiledRules | undefined;
  // The rules of the last successful apply (kept across a failure, which nft rolls back), for lastApplied.
  let applied: CompiledRules | undefined;
  let appliedText: string | undefined;
  let report: SyncReport | undefined;
  let lastSyncAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let dirty = false;
  let stopped = false;
  let failures = 0;
  const savedSysctls = new Map<string, string>();

  const state = (): ProxyState => {
    const nodeIPs = [...new Set([...cfg.nodeIPs, ...nodeAddresses(nodes.lister.get(undefined, cfg.nodeName))])];
    const ports = buildServicePorts(services.lister.list(), slices.lister.list(), cfg.nodeName);
    return { tableName: table, clusterCIDR: cfg.clusterCIDR, nodeIPs, services: withoutSpecialEndpoints(ports, nodeIPs) };
  };

  const doSync = async (): Promise<void> => {
    dirty = false;
    lastSyncAt = Date.now();
    const st = state();
    const previous = current;
    const next = compileRules(st, previous);
    // route_localnet only while a NodePort needs it (127.0.0.1:<nodePort>), restored on stop;
    // the table's martian rule keeps it from exposing the node's own 127.0.0.1 services.
    if (hasNodePorts(st)) {
      await setSysctl('/proc/sys/net/ipv4/conf/all/route_localnet', '1', savedSysctls);
      for (const i of localnetIfs) await setSysctl(`/proc/sys/net/ipv4/conf/${i}/route_localnet`, '1', savedSysctls);
    }
    const delta = previous && renderDeltaRules(previous, next);
    if (delta && delta.text === '') {
      current = applied = next; // same rules; keep the newest objects for the next comparison
      return;
    }
    current = undefined;
    if (delta) {
      await apply(delta.text);
      report = { kind: 'delta', bytes: delta.text.length, counts: delta.counts };
    } else {
      let keep: AffinityEntries | undefined;
      try {
        keep = await readAffinity(table);
      } catch (e) {
        log(`reading session-affinity entries of table ${table} failed (they are dropped): ${(e as Error).message}`.replace(/\s*\n\s*/g, ' | '));
      }
      const text = renderFullRules(next, keep);
      await apply(text);
      report = { kind: 'full', bytes: text.length };
    }
    current = applied = next;
    appliedText = undefined;
  };

  const syncOnce = async (): Promise<void> => {
    while (running) await running.catch(() => undefined);
    if (stopped) return;
    const p = doSync();
    running = p;
    try {
      await p;
      failures = 0;
    } finally {
      running = undefined;
    }
  };

  const schedule = (delayMs?: number): void => {
    if (stopped || timer) return;
    dirty = true;
    const wait = delayMs ?? Math.max(0, lastSyncAt + interval - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      if (!dirty || stopped) return;
      syncOnce().then(
        () => {
          if (dirty) schedule();
        },
        (e: unknown) => {
          failures++;
          log(`sync of table ${table} failed (attempt ${failures}): ${(e as Error)?.message ?? String(e)}`.replace(/\s*\n\s*/g, ' | '));
          schedule(Math.min(30_000, 500 * 2 ** Math.min(failures - 1, 6)));
        },
      );
    }, wait);
    timer.unref?.();
  };

  const onChange = (): void => {
    dirty = true;
    schedule();
  };
  const handler = { onAdd: onChange, onUpdate: (o: Readonly<KObject>, n: Readonly<KObject>) => {
      if (o.metadata.resourceVersion !== n.metadata.resourceVersion) onChange();
    }, onDelete: onChange };
  const subs: Disposable[] = [services.addEventHandler(handler), slices.addEventHandler(handler), nodes.addEventHandler(handler)];

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (timer) clearTimeout(timer);
    for (const s of subs) s.dispose();
    while (running) await running.catch(() => undefined);
    try {
      await apply(`table ip ${table}\ndelete table ip ${table}\n`);
    } catch (e) {
      log(`removing table ${table} failed: ${(e as Error).message}`);
    }
    for (const [path, value] of savedSysctls) {
      await writeFile(path, value).catch((e: Error) => log(`restoring ${path} to ${value} failed: ${e.message}`));
    }
    savedSysctls.clear();
  };
  cfg.signal.addEventListener('abort', () => void stop(), { once: true });

  const ready = (async () => {
    await Promise.all([services.whenSynced(), slices.whenSynced(), nodes.whenSynced()]);
    if (stopped) return;
    try {
      await syncOnce();
    } catch (e) {
      failures++;
      log(`initial sync of table ${table} failed: ${(e as Error).message}`.replace(/\s*\n\s*/g, ' | '));
      schedule(500);
    }
  })();

  const lastApplied = (): string => {
    if (!applied) return '';
    appliedText ??= renderFullRules(applied);
    return appliedText;
  };
  return { ready, syncOnce, lastApplied, lastSync: () => report, stop };
}

/** Starts the proxy from a controller context (not leader-only: one per node). */
export function serviceProxyRegistration(opts: Omit<ServiceProxyConfig, 'informers' | 'signal' | 'client'>): ControllerRegistration {
  return {
    name: 'service-proxy',
    register: (ctx) => {
      startServiceProxy({ ...opts, client: ctx.client, informers: ctx.informers, signal: ctx.signal });
    },
  };
}

