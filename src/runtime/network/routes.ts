// Cross-node pod routes, "host-gw" style (flannel's host-gw backend): every other node's pod
// CIDR is routed via that node's address. Works when nodes share a layer-2 network, which is
// the case for a LAN and for the multi-node tests' namespaces on one bridge. Our routes carry
// their own protocol number, so a restarted agent finds and prunes the ones it left behind.
import { run } from './exec.js';

/** Route protocol id of k8ts's routes (`ip route … proto 233`); unused by iproute2's table. */
export const ROUTE_PROTO = 233;

export interface PodRoute {
  /** Another node's pod CIDR. */
  cidr: string;
  /** That node's address. */
  via: string;
}

/** `ip -batch` lines that turn the current routes into the wanted ones. */
export function routeDelta(current: readonly PodRoute[], want: readonly PodRoute[]): string[] {
  const cur = new Map(current.map((r) => [r.cidr, r.via]));
  const wanted = new Map(want.map((r) => [r.cidr, r.via]));
  const lines: string[] = [];
  for (const [cidr, via] of wanted) if (cur.get(cidr) !== via) lines.push(`route replace ${cidr} via ${via} proto ${ROUTE_PROTO}`);
  for (const cidr of cur.keys()) if (!wanted.has(cidr)) lines.push(`route del ${cidr} proto ${ROUTE_PROTO}`);
  return lines;
}

/** Parses `ip -j route show proto 233`. */
export function parseRoutes(json: string): PodRoute[] {
  const rows = JSON.parse(json || '[]') as Array<{ dst?: string; gateway?: string }>;
  return rows.filter((r) => r.dst && r.gateway).map((r) => ({ cidr: r.dst!, via: r.gateway! }));
}

/** Keeps this host's routing table in line with the other nodes' pod CIDRs. */
export class HostGwRoutes {
  private running: Promise<void> = Promise.resolve();
  /** The routes last applied without error; node status updates mostly change nothing. */
  private applied: string | undefined;

  constructor(private readonly log: (msg: string) => void = () => undefined) {}

  /** Applies `want` (serialised: a sync waits for the previous one). */
  sync(want: readonly PodRoute[]): Promise<void> {
    this.running = this.running.then(() => this.apply(want)).catch((e: Error) => this.log(`pod routes: ${e.message}`));
    return this.running;
  }

  private async apply(want: readonly PodRoute[]): Promise<void> {
    const key = JSON.stringify(want);
    if (key === this.applied) return;
    const current = parseRoutes((await run('ip', ['-j', 'route', 'show', 'proto', String(ROUTE_PROTO)])).stdout);
    let failed = false;
    // One command per line: a node whose address is not on a directly connected network
    // fails alone, the others still get their routes.
    for (const l of routeDelta(current, want))
      await run('ip', l.split(' ')).catch((e: Error) => {
        failed = true;
        this.log(`pod routes: ip ${l}: ${e.message.split('\n')[0]}`);
      });
    this.applied = failed ? undefined : key;
  }

  /** Removes every route this module manages (node decommissioning, tests). */
  async clear(): Promise<void> {
    await this.sync([]);
  }
}
