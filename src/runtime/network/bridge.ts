// Direct bridge + veth pod network (no CNI): the same result as the CNI bridge plugin, with
// one `sh` running two `ip -batch` per pod instead of four plugin executions (runtime.md §4b).
//
//   host: bridge <p>0 (gateway = first address of the pod CIDR, route_localnet=1)
//         └─ veth <p>v<hash> (hairpin on) ══ eth0 in the pod netns (address, default route)
//   nft:  table ip <p>-nat       egress masquerade (ip saddr <cidr> oifname != bridge), and the
//                                martian drop: to 127/8 from any interface but lo unless DNAT'ed
//         table ip <p>-hostport  hostPort DNAT (hostport-nft.ts)
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { PortMapping } from '../types.js';
import { Ipv4Cidr, formatCidr, gatewayOf, parseCidr } from './cidr.js';
import { Mutex, RuntimeError, isEnoent, isRecord, linkExists, readJson, run, setSysctl, writeFileAtomic } from './exec.js';
import { HostPortEntry, renderHostPortTable, renderNatTable } from './hostport-nft.js';
import { HostIpam } from './ipam.js';
import type { PodNetwork, PodNetworkOptions, PodNetworkRequest, PodNetworkResult } from './types.js';
import { ERR_RUNTIME_INVALID } from '../../util/error-codes.js';

interface PodState {
  sandboxId: string;
  netnsPath: string;
  ip: string;
  veth: string;
  portMappings: PortMapping[];
}

function isPodState(v: unknown): v is PodState {
  return isRecord(v) && typeof v.sandboxId === 'string' && typeof v.ip === 'string' && typeof v.veth === 'string' && Array.isArray(v.portMappings);
}

export class DirectBridgeNetwork implements PodNetwork {
  readonly mode = 'bridge' as const;
  readonly bridge: string;
  readonly prefix: string;
  private readonly cidr: Ipv4Cidr;
  private readonly ipam: HostIpam;
  private readonly hostportMutex = new Mutex();
  private initialized: Promise<void> | undefined;

  constructor(private readonly opts: PodNetworkOptions) {
    this.prefix = opts.namePrefix ?? 'k8ts';
    this.bridge = opts.bridge ?? `${this.prefix}0`;
    this.cidr = parseCidr(opts.podCidr);
    this.ipam = new HostIpam(join(opts.stateDir, 'ipam'), this.cidr);
  }

  get natTable(): string {
    return `${this.prefix}-nat`;
  }
  get hostportTable(): string {
    return `${this.prefix}-hostport`;
  }

  init(): Promise<void> {
    this.initialized ??= this.doInit().catch((e) => {
      this.initialized = undefined;
      throw e;
    });
    return this.initialized;
  }

  private async doInit(): Promise<void> {
    await mkdir(join(this.opts.stateDir, 'pods'), { recursive: true });
    const gw = gatewayOf(this.cidr);
    const exists = await linkExists(this.bridge);
    if (!exists) {
      await run('ip', ['-batch', '-'], {
        input: [`link add ${this.bridge} type bridge`, `addr add ${gw}/${this.cidr.prefix} dev ${this.bridge}`, `link set ${this.bridge} up`].join('\n') + '\n',
      }).catch(async (e) => {
        // Lost a race with another initializer: fine if the bridge is there now.
        if (!(await linkExists(this.bridge))) throw e;
      });
    } else {
      await run('ip', ['addr', 'replace', `${gw}/${this.cidr.prefix}`, 'dev', this.bridge]);
      await run('ip', ['link', 'set', this.bridge, 'up']);
    }
    await setSysctl('net.ipv4.ip_forward', '1');
    await setSysctl('net.bridge.bridge-nf-call-iptables', '1').catch(() => undefined);
    await setSysctl(`net/ipv4/conf/${this.bridge}/route_localnet`, '1');
    await run('nft', ['-f', '-'], { input: renderNatTable(this.natTable, formatCidr(this.cidr), this.bridge, this.opts.clusterCidr) });
    await this.syncHostPorts();
  }

  vethName(sandboxId: string): string {
    return `${this.prefix}v${createHash('sha256').update(sandboxId).digest('hex').slice(0, 8)}`.slice(0, 15);
  }

  async setup(req: PodNetworkRequest): Promise<PodNetworkResult> {
    await this.init();
    const nsName = netnsName(req.netnsPath);
    const ip = await this.ipam.allocate(req.sandboxId);
    const veth = this.vethName(req.sandboxId);
    const gw = gatewayOf(this.cidr);
    const state: PodState = { sandboxId: req.sandboxId, netnsPath: req.netnsPath, ip, veth, portMappings: req.portMappings.filter((p) => p.hostPort > 0) };
    // Persist first: a crash halfway is then cleaned up by teardown().
    await writeFileAtomic(this.statePath(req.sandboxId), JSON.stringify(state));
    try {
      // One process for both ends (each process spawned briefly blocks the agent's loop): the
      // host end on stdin, then the pod end inside the namespace from a here-document.
      const hostEnd = [
        `link add ${veth} type veth peer name eth0 netns ${nsName}`,
        `link set ${veth} master ${this.bridge}`,
        `link set ${veth} type bridge_slave hairpin on`,
        `link set ${veth} up`,
      ];
      const podEnd = ['link set lo up', `addr add ${ip}/${this.cidr.prefix} dev eth0`, 'link set eth0 up', `route add default via ${gw}`];
      await run('sh', ['-c', `ip -batch - && exec ip -n "$1" -batch - <<'K8TS_EOF'\n${podEnd.join('\n')}\nK8TS_EOF\n`, 'sh', nsName], { input: hostEnd.join('\n') + '\n' });
      if (state.portMappings.length) await this.syncHostPorts();
    } catch (e) {
      await this.teardown(req.sandboxId).catch(() => undefined);
      throw e;
    }
    return { ip, gateway: gw, hostInterface: veth };
  }

  async teardown(sandboxId: string): Promise<void> {
    const raw = await readJson(this.statePath(sandboxId));
    const state = isPodState(raw) ? raw : undefined;
    // Deleting the host end removes the pair; already gone when the netns was deleted first.
    // No state file: setup never made a link (it persists the state first) or an earlier
    // teardown finished, so no process is spawned (a sandbox is torn down at stop and remove).
    if (state) await run('ip', ['link', 'del', state.veth], { allowFailure: true });
    await this.ipam.release(sandboxId);
    await unlink(this.statePath(sandboxId)).catch((e) => (isEnoent(e) ? undefined : Promise.reject(e)));
    if (state?.portMappings.length) await this.syncHostPorts();
  }

  async status(sandboxId: string): Promise<PodNetworkResult | undefined> {
    const raw = await readJson(this.statePath(sandboxId));
    if (!isPodState(raw)) return undefined;
    return { ip: raw.ip, gateway: gatewayOf(this.cidr), hostInterface: raw.veth };
  }

  allocations(): Promise<Map<string, string>> {
    return this.ipam.allocations();
  }

  async destroy(): Promise<void> {
    await run('nft', ['-f', '-'], { input: `table ip ${this.natTable}\ndelete table ip ${this.natTable}\ntable ip ${this.hostportTable}\ndelete table ip ${this.hostportTable}\n` });
    if (await linkExists(this.bridge)) await run('ip', ['link', 'del', this.bridge]);
    this.initialized = undefined;
  }

  /** Rewrites the hostport table from every persisted pod state (atomic `nft -f`). */
  private syncHostPorts(): Promise<void> {
    return this.hostportMutex.run(async () => {
      const entries: HostPortEntry[] = [];
      const dir = join(this.opts.stateDir, 'pods');
      for (const f of await readdir(dir).catch(() => [] as string[])) {
        if (!f.endsWith('.json')) continue;
        const s = await readJson(join(dir, f));
        if (isPodState(s)) for (const m of s.portMappings) entries.push({ podIp: s.ip, mapping: m });
      }
      await run('nft', ['-f', '-'], { input: renderHostPortTable(this.hostportTable, formatCidr(this.cidr), entries) });
    });
  }

  private statePath(sandboxId: string): string {
    return join(this.opts.stateDir, 'pods', `${sandboxId}.json`);
  }
}

/** `ip` addresses namespaces by name: the basename of a /var/run/netns or /run/netns path. */
export function netnsName(netnsPath: string): string {
  if (!/^\/(var\/)?run\/netns\/[^/]+$/.test(netnsPath)) {
    throw new RuntimeError(ERR_RUNTIME_INVALID, `network namespace ${netnsPath} is not under /run/netns`);
  }
  return basename(netnsPath);
}
