// The service proxy: watches Services, EndpointSlices and its Node, and keeps one nftables
// table in sync. Each sync renders the whole table (renderProxyRules) and applies it in one
// `nft -f -` transaction; bursts of events are coalesced (at most one sync per minSyncIntervalMs);
// an unchanged rendering is not re-applied. Failures are logged (one line) and retried; the
// proxy never throws out of its event handlers or timers.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { KObject } from '../api/types.js';
import type { InformerFactory, ControllerRegistration } from '../client/controller-types.js';
import type { Disposable } from '../client/informer-types.js';
import { R } from '../client/resources.js';
import type { ApiClient } from '../client/types.js';
import { hasNodePorts, renderProxyRules, type ProxyState } from './rules.js';
import { buildServicePorts, nodeAddresses } from './state.js';

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
  /** Log sink (default: console.error with a `proxy:` prefix). */
  log?: (line: string) => void;
  /** Applies a rendered ruleset (default: `nft -f -`). Tests may replace it. */
  apply?: (rules: string) => Promise<void>;
}

export interface ServiceProxy {
  /** Resolves after the informers synced and the first sync was attempted. */
  readonly ready: Promise<void>;
  /** Renders and applies now (waits for an in-flight sync first). Throws on failure. */
  syncOnce(): Promise<void>;
  /** The last ruleset applied successfully ('' if none). */
  lastApplied(): string;
  /** Stops watching and removes the table. */
  stop(): Promise<void>;
}

export function runNft(args: readonly string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('nft', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new Error(`nft ${args.join(' ')}: ${e.message}`, { cause: e })));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`nft ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString().trim().slice(0, 2000)}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

export function applyNft(rules: string): Promise<void> {
  return runNft(['-f', '-'], rules);
}

async function setSysctl(path: string, value: string): Promise<void> {
  if (!existsSync(path)) return;
  const cur = (await readFile(path, 'utf8')).trim();
  if (cur !== value) await writeFile(path, value);
}

export function startServiceProxy(cfg: ServiceProxyConfig): ServiceProxy {
  const table = cfg.tableName ?? DEFAULT_PROXY_TABLE;
  const interval = cfg.minSyncIntervalMs ?? 100;
  const log = cfg.log ?? ((l: string) => console.error(`proxy: ${l}`));
  const apply = cfg.apply ?? applyNft;
  const localnetIfs = cfg.routeLocalnetInterfaces ?? ['k8ts0'];
  const services = cfg.informers.informerFor<KObject>(R.services);
  const slices = cfg.informers.informerFor<KObject>(R.endpointslices);
  const nodes = cfg.informers.informerFor<KObject>(R.nodes);

  let applied = '';
  let lastSyncAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let dirty = false;
  let stopped = false;
  let failures = 0;

  const state = (): ProxyState => ({
    tableName: table,
    clusterCIDR: cfg.clusterCIDR,
    nodeIPs: [...new Set([...cfg.nodeIPs, ...nodeAddresses(nodes.lister.get(undefined, cfg.nodeName))])],
    services: buildServicePorts(services.lister.list(), slices.lister.list(), cfg.nodeName),
  });

  const doSync = async (): Promise<void> => {
    dirty = false;
    lastSyncAt = Date.now();
    const st = state();
    const rules = renderProxyRules(st);
    if (hasNodePorts(st)) {
      await setSysctl('/proc/sys/net/ipv4/conf/all/route_localnet', '1');
      for (const i of localnetIfs) await setSysctl(`/proc/sys/net/ipv4/conf/${i}/route_localnet`, '1');
    }
    if (rules === applied) return;
    await apply(rules);
    applied = rules;
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

  return { ready, syncOnce, lastApplied: () => applied, stop };
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

