// Network namespaces as machines, for multi-node tests and benchmarks on one host: a "lan"
// namespace holds a bridge; each host namespace has an eth0 (veth) on it with an address of
// 192.168.77.0/24. Nothing is added to the root namespace. Processes run in a host with
// `nsenter --net` only, so they share the machine's mount namespace (mounts, /run/netns) as
// separate machines' agents would share nothing — but cleanup stays simple.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Host {
  name: string;
  /** Network namespace name (`/run/netns/<ns>`). */
  ns: string;
  ip: string;
}

export interface Hosts {
  lan: string;
  hosts: Host[];
  /** Runs a command in a host's network namespace, synchronously; killed after opts.timeoutMs (default 60 s). */
  run(host: Host, cmd: string, args: string[], opts?: { input?: string; timeoutMs?: number }): { status: number | null; stdout: string; stderr: string };
  /** Starts a long-running process in a host's network namespace. */
  spawn(host: Host, cmd: string, args: string[], opts?: SpawnOptions): ChildProcess;
  /** Deletes the namespaces (and with them the links, routes and nft tables inside). */
  destroy(): void;
}

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

/** Why the hosts cannot be made here, or undefined. */
export function hostsSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  if (!existsSync('/usr/bin/nsenter')) return 'nsenter (util-linux) is missing';
  return undefined;
}

/** Creates `count` hosts named `<prefix>-h0`…, at 192.168.77.10, .11, … */
export function createHosts(prefix: string, count: number): Hosts {
  const lan = `${prefix}-lan`;
  const hosts: Host[] = [];
  const made: string[] = [];
  const destroy = (): void => {
    for (const ns of [...made].reverse()) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    made.length = 0;
  };
  try {
    for (const ns of [lan, ...Array.from({ length: count }, (_, i) => `${prefix}-h${i}`)]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    ip(['netns', 'add', lan]);
    made.push(lan);
    ip(['-n', lan, 'link', 'set', 'lo', 'up']);
    ip(['-n', lan, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', lan, 'link', 'set', 'br0', 'up']);
    // The LAN's "router" (it routes nowhere): hosts have a default route as machines do, which
    // Service ClusterIPs need for connections the host itself opens.
    ip(['-n', lan, 'addr', 'add', '192.168.77.1/24', 'dev', 'br0']);
    for (let i = 0; i < count; i++) {
      const h: Host = { name: `${prefix}-h${i}`, ns: `${prefix}-h${i}`, ip: `192.168.77.${10 + i}` };
      ip(['netns', 'add', h.ns]);
      made.push(h.ns);
      ip(['-n', lan, 'link', 'add', `h${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns]);
      ip(['-n', lan, 'link', 'set', `h${i}`, 'master', 'br0', 'up']);
      ip(['-n', h.ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0']);
      ip(['-n', h.ns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', h.ns, 'route', 'add', 'default', 'via', '192.168.77.1']);
      hosts.push(h);
    }
  } catch (e) {
    destroy();
    throw e;
  }
  return {
    lan,
    hosts,
    run: (host, cmd, args, opts = {}) => {
      const timeoutMs = opts.timeoutMs ?? 60_000;
      const r = spawnSync('nsenter', [`--net=/run/netns/${host.ns}`, '--', cmd, ...args], { encoding: 'utf8', input: opts.input, timeout: timeoutMs, killSignal: 'SIGKILL' });
      // A command killed at its limit says so (status null), so the assertion that fails names the wait.
      const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' ? `\n[killed: ${cmd} ${args.join(' ')} did not finish within ${timeoutMs} ms in ${host.name}]` : '';
      return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + timedOut };
    },
    spawn: (host, cmd, args, opts = {}) => spawn('nsenter', [`--net=/run/netns/${host.ns}`, '--', cmd, ...args], opts),
    destroy,
  };
}
