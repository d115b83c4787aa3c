// Pod network through the standard CNI plugins (bridge + host-local + portmap + loopback from
// /usr/lib/cni), executed the way libcni does it:
//   ADD: plugins in order; each gets the conflist's cniVersion and name, the previous plugin's
//        result as prevResult, and runtimeConfig for the capabilities it declares (portMappings).
//   DEL: plugins in reverse order with the cached ADD result as prevResult (cache on disk, so
//        DEL works after an agent restart).
// Plugins answer JSON on stdout; errors are `{"code","msg"}` with a non-zero exit.
import { access, mkdir, readFile, readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { PortMapping } from '../types.js';
import { Ipv4Cidr, formatCidr, gatewayOf, parseCidr } from './cidr.js';
import { RuntimeCommandError, isEnoent, isRecord, linkExists, readJson, run, writeFileAtomic } from './exec.js';
import type { PodNetwork, PodNetworkOptions, PodNetworkRequest, PodNetworkResult } from './types.js';

export interface CniNetworkOptions extends PodNetworkOptions {
  /** Plugin directory (Debian: /usr/lib/cni). */
  binDir?: string;
}

interface CniCache {
  sandboxId: string;
  netnsPath: string;
  portMappings: PortMapping[];
  result: Record<string, unknown>;
}

function isCniCache(v: unknown): v is CniCache {
  return isRecord(v) && typeof v.sandboxId === 'string' && typeof v.netnsPath === 'string' && isRecord(v.result) && Array.isArray(v.portMappings);
}

export class CniNetwork implements PodNetwork {
  readonly mode = 'cni' as const;
  readonly bridge: string;
  readonly networkName: string;
  private readonly binDir: string;
  private readonly cidr: Ipv4Cidr;
  readonly conflist: { cniVersion: string; name: string; plugins: Array<Record<string, unknown>> };

  constructor(private readonly opts: CniNetworkOptions) {
    const prefix = opts.namePrefix ?? 'k8ts';
    this.bridge = opts.bridge ?? `${prefix}-cni0`;
    this.networkName = `${prefix}-net`;
    this.binDir = opts.binDir ?? '/usr/lib/cni';
    this.cidr = parseCidr(opts.podCidr);
    this.conflist = {
      cniVersion: '1.0.0',
      name: this.networkName,
      plugins: [
        {
          type: 'bridge',
          bridge: this.bridge,
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: join(opts.stateDir, 'ipam'),
            ranges: [[{ subnet: formatCidr(this.cidr), gateway: gatewayOf(this.cidr) }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true }, snat: true },
        { type: 'loopback' },
      ],
    };
  }

  async init(): Promise<void> {
    await mkdir(join(this.opts.stateDir, 'cache'), { recursive: true });
    await writeFileAtomic(join(this.opts.stateDir, `${this.networkName}.conflist`), JSON.stringify(this.conflist, null, 2));
  }

  async setup(req: PodNetworkRequest): Promise<PodNetworkResult> {
    await this.init();
    const mappings = req.portMappings.filter((p) => p.hostPort > 0);
    const cache: CniCache = { sandboxId: req.sandboxId, netnsPath: req.netnsPath, portMappings: mappings, result: {} };
    await writeFileAtomic(this.cachePath(req.sandboxId), JSON.stringify(cache));
    let prev: Record<string, unknown> | undefined;
    try {
      for (const plugin of this.conflist.plugins) {
        prev = await this.exec('ADD', plugin, req.sandboxId, req.netnsPath, mappings, prev, req);
      }
    } catch (e) {
      await this.teardown(req.sandboxId).catch(() => undefined);
      throw e;
    }
    cache.result = prev ?? {};
    await writeFileAtomic(this.cachePath(req.sandboxId), JSON.stringify(cache));
    const ip = firstIp(cache.result);
    return { ip, gateway: gatewayOf(this.cidr) };
  }

  async teardown(sandboxId: string): Promise<void> {
    const raw = await readJson(this.cachePath(sandboxId));
    if (!isCniCache(raw)) return;
    // The netns may already be gone: plugins then clean up what they can (host-local, iptables).
    const netns = await access(raw.netnsPath).then(
      () => raw.netnsPath,
      () => '',
    );
    const prev = Object.keys(raw.result).length ? raw.result : undefined;
    let firstError: unknown;
    for (const plugin of [...this.conflist.plugins].reverse()) {
      try {
        await this.exec('DEL', plugin, sandboxId, netns, raw.portMappings, prev);
      } catch (e) {
        firstError ??= e;
      }
    }
    if (firstError) throw firstError;
    await unlink(this.cachePath(sandboxId)).catch((e) => (isEnoent(e) ? undefined : Promise.reject(e)));
  }

  async status(sandboxId: string): Promise<PodNetworkResult | undefined> {
    const raw = await readJson(this.cachePath(sandboxId));
    if (!isCniCache(raw) || !Object.keys(raw.result).length) return undefined;
    return { ip: firstIp(raw.result), gateway: gatewayOf(this.cidr) };
  }

  /** host-local's reservations: `<dataDir>/<network name>/<ip>` holding the container id. */
  async allocations(): Promise<Map<string, string>> {
    const dir = join(this.opts.stateDir, 'ipam', this.networkName);
    const out = new Map<string, string>();
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(f)) continue;
      const owner = (await readFile(join(dir, f), 'utf8').catch(() => '')).split(/\s/)[0] ?? '';
      out.set(f, owner);
    }
    return out;
  }

  /**
   * Removes the bridge and portmap's shared chains (CNI-HOSTPORT-*), which CNI DEL leaves behind.
   * Only for tests and node decommissioning.
   */
  async destroy(): Promise<void> {
    if (await linkExists(this.bridge)) await run('ip', ['link', 'del', this.bridge]);
    const rules = await run('iptables', ['-t', 'nat', '-S'], { allowFailure: true });
    for (const line of rules.stdout.split('\n')) {
      const m = /^-A (PREROUTING|OUTPUT|POSTROUTING) (.*-j CNI-HOSTPORT-\S+.*)$/.exec(line);
      if (m) await run('sh', ['-c', `iptables -t nat -D ${m[1]} ${m[2]}`], { allowFailure: true });
    }
    for (const chain of ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ']) {
      await run('iptables', ['-t', 'nat', '-F', chain], { allowFailure: true });
    }
    for (const chain of ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ']) {
      await run('iptables', ['-t', 'nat', '-X', chain], { allowFailure: true });
    }
    await rm(join(this.opts.stateDir, 'cache'), { recursive: true, force: true });
  }

  private async exec(
    command: 'ADD' | 'DEL',
    plugin: Record<string, unknown>,
    sandboxId: string,
    netnsPath: string,
    mappings: PortMapping[],
    prevResult: Record<string, unknown> | undefined,
    req?: PodNetworkRequest,
  ): Promise<Record<string, unknown>> {
    const conf: Record<string, unknown> = { ...plugin, cniVersion: this.conflist.cniVersion, name: this.conflist.name };
    if (prevResult) conf.prevResult = prevResult;
    const caps = isRecord(plugin.capabilities) ? plugin.capabilities : {};
    if (caps.portMappings) {
      conf.runtimeConfig = {
        portMappings: mappings.map((m) => ({
          hostPort: m.hostPort,
          containerPort: m.containerPort,
          protocol: m.protocol.toLowerCase(),
          ...(m.hostIP ? { hostIP: m.hostIP } : {}),
        })),
      };
    }
    const type = String(plugin.type);
    const args = req?.podName ? `IgnoreUnknown=1;K8S_POD_NAMESPACE=${req.podNamespace ?? ''};K8S_POD_NAME=${req.podName};K8S_POD_INFRA_CONTAINER_ID=${sandboxId}` : '';
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: command,
      CNI_CONTAINERID: sandboxId,
      CNI_NETNS: netnsPath,
      CNI_IFNAME: 'eth0',
      CNI_PATH: this.binDir,
      ...(args ? { CNI_ARGS: args } : {}),
    };
    const r = await run(join(this.binDir, type), [], { input: JSON.stringify(conf), env, allowFailure: true });
    if (r.code !== 0) {
      let msg = r.stderr || r.stdout;
      try {
        const j = JSON.parse(r.stdout) as unknown;
        if (isRecord(j)) msg = `${String(j.msg)}${j.details ? `: ${String(j.details)}` : ''} (code ${String(j.code)})`;
      } catch {
        /* not JSON */
      }
      throw new RuntimeCommandError(`CNI ${command} ${type}`, r.code, msg);
    }
    if (command === 'DEL' || !r.stdout.trim()) return prevResult ?? {};
    const out = JSON.parse(r.stdout) as unknown;
    return isRecord(out) ? out : {};
  }

  private cachePath(sandboxId: string): string {
    return join(this.opts.stateDir, 'cache', `${sandboxId}.json`);
  }
}

function firstIp(result: Record<string, unknown>): string {
  const ips = Array.isArray(result.ips) ? result.ips : [];
  for (const e of ips) if (isRecord(e) && typeof e.address === 'string') return e.address.split('/')[0] ?? '';
  return '';
}
