// The API servers an agent can talk to, and which one it talks to now: k3s's client-side load
// balancer, in the REST client's transport. The pool is sticky: every request goes to the
// current server until a request to it fails at the connection level (refused, reset, TLS,
// timeout); then the server is marked failed with a back-off (1 s doubling to 30 s) and the
// next healthy server in the list becomes current. A server whose back-off has passed counts
// as healthy again; when none is healthy, the one whose back-off ends first is tried (a pool
// never answers "no server").
//
// The list is the server the agent joined (`--server`, always kept: the way back when every
// learned address is gone) plus the addresses of the `kubernetes` Service's endpoints, which
// list every live API server (src/apiserver/endpoint-reconciler.ts). Pure state, no I/O; the
// clock is injected so tests never wait.

export interface ServerPoolOptions {
  /** First back-off after a failure (default 1 s); doubles per consecutive failure. */
  minBackoffMs?: number;
  /** Longest back-off (default 30 s). */
  maxBackoffMs?: number;
  now?: () => number;
  /** Called after the list of servers changed (e.g. to persist it), with the new list. */
  onServersChanged?: (servers: readonly string[]) => void;
  /** Called after the current server changed, with the old and the new one. */
  onSwitch?: (from: string, to: string) => void;
}

interface Health {
  failures: number;
  /** The server is skipped until then (ms, the pool's clock). */
  retryAt: number;
}

/** `https://host:port` of a URL, or undefined when it is not one. */
export function serverOrigin(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

export class ServerPool {
  private list: string[];
  private cur: string;
  private readonly health = new Map<string, Health>();
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly now: () => number;

  /** `servers[0]` is the configured server: current at the start and never dropped by setServers. */
  constructor(
    servers: readonly string[],
    private readonly opts: ServerPoolOptions = {},
  ) {
    const clean = dedupe(servers.map((s) => serverOrigin(s) ?? s));
    if (clean.length === 0) throw new TypeError('ServerPool needs at least one server');
    this.list = clean;
    this.cur = clean[0]!;
    this.minBackoffMs = opts.minBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  /** Every known server, the configured one first. */
  servers(): readonly string[] {
    return this.list;
  }

  /** The server to send the next request to. */
  current(): string {
    if (this.isHealthy(this.cur)) return this.cur;
    const next = this.pickAfter(this.cur);
    if (next !== this.cur) this.switchTo(next);
    return this.cur;
  }

  isHealthy(server: string): boolean {
    const h = this.health.get(server);
    return !h || h.retryAt <= this.now();
  }

  /** A request to `server` failed at the connection level: back it off, move on if it was current. */
  markFailed(server: string): void {
    if (!this.list.includes(server)) return;
    const h = this.health.get(server) ?? { failures: 0, retryAt: 0 };
    h.failures++;
    h.retryAt = this.now() + Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** (h.failures - 1));
    this.health.set(server, h);
    if (server === this.cur) {
      const next = this.pickAfter(server);
      if (next !== this.cur) this.switchTo(next);
    }
  }

  /** `server` answered (any HTTP status): it is healthy. */
  markOk(server: string): void {
    this.health.delete(server);
  }

  /**
   * Replaces the learned servers (e.g. from the `kubernetes` endpoints). The configured server
   * stays first. If the current server left the list, the next request goes to another one.
   */
  setServers(learned: readonly string[]): void {
    const next = dedupe([this.list[0]!, ...learned.map((s) => serverOrigin(s)).filter((s): s is string => s !== undefined)]);
    if (next.length === this.list.length && next.every((s, i) => s === this.list[i])) return;
    this.list = next;
    for (const s of [...this.health.keys()]) if (!next.includes(s)) this.health.delete(s);
    if (!next.includes(this.cur)) this.switchTo(this.pickAfter(this.cur));
    this.opts.onServersChanged?.(next);
  }

  /**
   * The first healthy server after `from` in list order (wrapping), `from` itself if it is the
   * only healthy one, else the server whose back-off ends first.
   */
  private pickAfter(from: string): string {
    const start = this.list.indexOf(from);
    for (let i = 1; i <= this.list.length; i++) {
      const s = this.list[(start + i + this.list.length) % this.list.length]!;
      if (this.isHealthy(s)) return s;
    }
    let best = this.list[0]!;
    for (const s of this.list) if ((this.health.get(s)?.retryAt ?? 0) < (this.health.get(best)?.retryAt ?? 0)) best = s;
    return best;
  }

  private switchTo(to: string): void {
    const from = this.cur;
    this.cur = to;
    if (from !== to) this.opts.onSwitch?.(from, to);
  }
}

/** The servers (`https://ip:port`) an Endpoints object lists: every address × every port. Pure. */
export function serversFromEndpoints(ep: { subsets?: ReadonlyArray<{ addresses?: ReadonlyArray<{ ip: string }>; ports?: ReadonlyArray<{ port: number; name?: string }> }> }): string[] {
  const out: string[] = [];
  for (const ss of ep.subsets ?? []) {
    const ports = (ss.ports ?? []).filter((p) => !p.name || p.name === 'https');
    for (const a of ss.addresses ?? []) for (const p of ports) out.push(`https://${a.ip.includes(':') ? `[${a.ip}]` : a.ip}:${p.port}`);
  }
  return dedupe(out);
}

function dedupe(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
