// `k8ts start | status | stop | delete`: a local cluster in the background, like minikube.
//
//   start   preflight ─▶ `k8ts server` detached (own session; <data-dir>/server.log, server.pid)
//           ─▶ progress: API server ready ─▶ node registered ─▶ node Ready ─▶ DNS answering
//           ─▶ Ingress listening ─▶ summary (API URL, kubeconfig, nodes, DNS, Ingress, join line)
//   status  running or not, pid, API reachable, nodes; exit 0 only when running and reachable
//   stop    SIGTERM (SIGKILL after --timeout) ─▶ stop the node's pods (src/runtime/oci/cleanup.ts),
//           whether or not a server ran: one killed with -9 leaves its pods running
//   delete  stop ─▶ node network (when no other k8ts node shares this network namespace)
//           ─▶ remove the data dir ─▶ remove what `k8ts kubeconfig --merge` added
//
// The server is found through <data-dir>/server.pid, or by its command line (a foreground
// `k8ts server --data-dir DIR` counts too). Everything of the cluster lives in the data dir, so
// `k8ts start` after `k8ts stop` brings every object back and the kubelet recreates the pods.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { mkdirPrivate, openAppendNoFollow, writePrivateFile } from '../util/secure-fs.js';
import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CliError } from './errors.js';
import { describeLoops, parseLoopMetrics } from './loops-status.js';
import { defaultDataDirOf, optionsSet, resolveArgs, resolveDataDir } from './config.js';
import { PACKAGE_ROOT } from './kubectl.js';
import { DEFAULT_CONTEXT, removeFromUserKubeconfig } from './kubeconfig.js';
import type { Endpoints, Lease, Node, Service } from '../api/types/index.js';
import { NAMESPACE_NODE_LEASE, NAMESPACE_SYSTEM } from '../api/well-known.js';
import { loadKubeconfigTransport } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest-client.js';
import { R } from '../client/index.js';
import { defaultNodeIP } from '../util/node-ip.js';

const out = (line = ''): void => void process.stdout.write(line + '\n');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const startHelp = `Usage: k8ts start [--timeout SECONDS] [server flags]

Starts the cluster in the background ('k8ts server', detached, in its own session; output in
<data-dir>/server.log, pid in <data-dir>/server.pid), shows its progress — API server ready, node
registered, node Ready, cluster DNS answering, Ingress listening — and prints how to reach it.
When it is already running, says so and prints the same summary.

Every flag of 'k8ts server' (below) works here, also from K8TS_<FLAG> environment variables or
the config file (--config, <data-dir>/config.yaml, /etc/k8ts/config.yaml). Without flags, the flags
of the previous 'k8ts start' of the same data dir are used again.

Examples:
  k8ts start                                  # real containers (root), data in /var/lib/k8ts
  k8ts start --runtime simulated --simulated-nodes 3 --data-dir /tmp/sim

Flags:
  --timeout SECONDS          how long to wait for the cluster to come up (default 120)
`;

/** The start help with the server's flags appended. */
export function fullStartHelp(serverHelp: string): string {
  const from = serverHelp.indexOf('Flags:\n');
  if (from < 0) return startHelp + '\n' + serverHelp;
  let to = serverHelp.indexOf('\nTo run it in the background');
  if (to < 0) to = serverHelp.length;
  return startHelp + serverHelp.slice(from + 'Flags:\n'.length, to).trimEnd() + '\n';
}

export const statusHelp = `Usage: k8ts status [--data-dir DIR | --config FILE]

Says whether the cluster of the data dir runs (pid), whether its API server answers, and its
nodes. Exit code: 0 running and reachable, 1 stopped or not created, 2 running but the API
server does not answer (yet).

Flags:
  --data-dir DIR      the cluster's data dir (default: $K8TS_DATA_DIR, else data-dir of the config
                      file, else /var/lib/k8ts as root and ~/.k8ts otherwise)
  --config FILE       the config file to read data-dir from (default as for k8ts server)
  -h, --help          show this help
`;

export const stopHelp = `Usage: k8ts stop [--data-dir DIR | --config FILE] [--timeout SECONDS]

Stops the cluster of the data dir: SIGTERM to the server (SIGKILL after --timeout, default 30),
then the node's pods — every runc container of <data-dir>/runtime with its conmon, the mounts
under the data dir, the pods' network namespaces, veths and cgroups — so nothing of the cluster
keeps running. The pods are removed also when no server runs (one killed with -9 leaves them
running), and stop says what it removed. The state stays: 'k8ts start' brings every object back and the pods are recreated.
The node's bridge (k8ts0) and nft tables stay too (they run nothing; the next start rewrites them).

Flags:
  --data-dir DIR      the cluster's data dir (default: $K8TS_DATA_DIR, else data-dir of the config
                      file, else /var/lib/k8ts as root and ~/.k8ts otherwise)
  --config FILE       the config file to read data-dir from (default as for k8ts server)
  --timeout SECONDS   how long the server gets to exit before SIGKILL (default 30)
  -h, --help          show this help
`;

export const deleteHelp = `Usage: k8ts delete [--data-dir DIR | --config FILE]

Stops the cluster (as k8ts stop) and deletes it: the data dir with every object and image, the
node's bridge and nft tables when no other k8ts node runs in this network namespace, and the
cluster, user and context that 'k8ts kubeconfig --merge' added to your kubeconfig.

Flags:
  --data-dir DIR      the cluster's data dir (default: $K8TS_DATA_DIR, else data-dir of the config
                      file, else /var/lib/k8ts as root and ~/.k8ts otherwise)
  --config FILE       the config file to read data-dir from (default as for k8ts server)
  -h, --help          show this help
`;

// ───────────────────────────── files and processes ─────────────────────────────

const pidFile = (dataDir: string): string => join(dataDir, 'server.pid');
const logFile = (dataDir: string): string => join(dataDir, 'server.log');
const startArgsFile = (dataDir: string): string => join(dataDir, 'start-args.json');

/** The entry point to run `k8ts server` with: bin/k8ts of this package. */
function k8tsEntry(): string {
  const bin = join(PACKAGE_ROOT, 'bin', 'k8ts');
  return existsSync(bin) ? bin : join(PACKAGE_ROOT, 'dist', 'src', 'cmd', 'main.js');
}

function cmdline(pid: number): string[] | undefined {
  try {
    const a = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (a[a.length - 1] === '') a.pop();
    return a;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The arguments after `server` (or another of `commands`) when argv is a `k8ts server` process, else undefined. */
export function serverArgsOf(argv: string[], commands: readonly string[] = ['server']): string[] | undefined {
  const i = argv.findIndex((a) => commands.includes(a));
  if (i < 1) return undefined;
  if (!argv.slice(0, i).some((a) => /(^|\/)bin\/k8ts$|(^|\/)cmd\/main\.js$|(^|\/)k8ts$/.test(a))) return undefined;
  return argv.slice(i + 1);
}

function dataDirOfArgs(args: string[], cwd: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--data-dir') v = args[++i];
    else if (args[i].startsWith('--data-dir=')) v = args[i].slice('--data-dir='.length);
  }
  return v === undefined ? undefined : resolve(cwd, v);
}

function isServerOf(pid: number, dataDir: string): boolean {
  const argv = cmdline(pid);
  const args = argv && serverArgsOf(argv);
  if (!args || !alive(pid)) return false;
  let cwd = '/';
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    /* not ours to read: absolute --data-dir still matches */
  }
  return (dataDirOfArgs(args, cwd) ?? defaultDataDirOf()) === dataDir;
}

/**
 * Every other `k8ts server` or `k8ts agent` process of dataDir (a second server started by hand, an
 * agent given the same data dir): each would recreate the pods that stop removes.
 */
function otherNodeProcessesOf(dataDir: string, except: number | undefined): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    const pid = Number(p);
    if (!(pid > 0) || pid === process.pid || pid === except) continue;
    const argv = cmdline(pid);
    if (!argv || !alive(pid)) continue;
    const args = serverArgsOf(argv, ['server', 'agent']);
    if (!args) continue;
    let cwd = '/';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      /* absolute --data-dir still matches */
    }
    if ((dataDirOfArgs(args, cwd) ?? defaultDataDirOf()) === dataDir) out.push(pid);
  }
  return out;
}

/** The running server of dataDir: from the pid file, else by scanning the processes. */
export function findServer(dataDir: string): { pid: number; args: string[]; fromPidFile: boolean } | undefined {
  let recorded = 0;
  try {
    recorded = Number(readFileSync(pidFile(dataDir), 'utf8').trim());
  } catch {
    /* no pid file */
  }
  if (recorded > 0 && isServerOf(recorded, dataDir)) return { pid: recorded, args: serverArgsOf(cmdline(recorded) ?? []) ?? [], fromPidFile: true };
  for (const p of readdirSync('/proc')) {
    const pid = Number(p);
    if (!(pid > 0) || pid === process.pid) continue;
    if (isServerOf(pid, dataDir)) return { pid, args: serverArgsOf(cmdline(pid) ?? []) ?? [], fromPidFile: false };
  }
  return undefined;
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ───────────────────────────── the API, through the admin kubeconfig ─────────────────────────────

/** The admin kubeconfig's server and a REST client on it (2 s per request); close the client when done. */
interface ApiAccess {
  server: string;
  client: RestClient;
}

function readAccess(dataDir: string): ApiAccess | undefined {
  try {
    const transport = loadKubeconfigTransport(join(dataDir, 'kubeconfig.yaml'));
    return { server: transport.server, client: new RestClient({ transport, userAgent: 'k8ts-cli', timeoutMs: 2000 }) };
  } catch {
    return undefined;
  }
}

/**
 * GET of a non-resource path (/readyz, /metrics): status and text, whatever the status. A
 * connection error rejects with the socket's own error (the REST client wraps it as `cause`),
 * which is what `k8ts status` prints.
 */
async function apiGetText(a: ApiAccess, path: string): Promise<{ status: number; text: string }> {
  try {
    const r = await a.client.request('GET', path);
    return { status: r.status, text: r.body.toString('utf8') };
  } catch (e) {
    throw (e as Error).cause instanceof Error ? (e as Error).cause : e;
  }
}

interface NodeInfo {
  name: string;
  ready: boolean;
  ip?: string;
  /** When the Ready condition was last posted (ms). */
  heartbeat: number;
}

async function listNodes(a: ApiAccess): Promise<NodeInfo[]> {
  const list = await a.client.list<Node>(R.nodes);
  return list.items.map((n) => {
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
    return {
      name: n.metadata.name ?? '',
      ready: ready?.status === 'True',
      ip: n.status?.addresses?.find((x) => x.type === 'InternalIP')?.address,
      heartbeat: Date.parse(ready?.lastHeartbeatTime ?? '') || 0,
    };
  });
}

/** When the node's kubelet last renewed its Lease (ms), 0 when unknown. */
async function leaseRenewed(a: ApiAccess, node: string): Promise<number> {
  const lease = await a.client.get<Lease>(R.leases, NAMESPACE_NODE_LEASE, node).catch(() => undefined);
  return Date.parse(lease?.spec?.renewTime ?? '') || 0;
}

async function dnsAddresses(a: ApiAccess): Promise<string[]> {
  const svc = await a.client.get<Service>(R.services, NAMESPACE_SYSTEM, 'kube-dns').catch(() => undefined);
  const ep = await a.client.get<Endpoints>(R.endpoints, NAMESPACE_SYSTEM, 'kube-dns').catch(() => undefined);
  const ips = [svc?.spec?.clusterIP, ...(ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((x) => x.ip))];
  return [...new Set(ips.filter((x): x is string => !!x && x !== 'None'))];
}

async function dnsAnswers(server: string): Promise<boolean> {
  const r = new Resolver({ timeout: 800, tries: 1 });
  r.setServers([server]);
  try {
    return (await r.resolve4('kubernetes.default.svc.cluster.local')).length > 0;
  } catch {
    return false;
  }
}

function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host, port, timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('timeout', () => {
      s.destroy();
      done(false);
    });
    s.once('error', () => done(false));
  });
}

// ───────────────────────────── start ─────────────────────────────

type ServerModule = typeof import('./server.js');
type Flags = Exclude<ReturnType<ServerModule['parseServerFlags']>, 'help'>;

/** What a cluster with these flags runs, for the progress steps and the summary. */
function expectations(flags: Flags): { agent: boolean; nodes: number; nodeName?: string; dns: boolean; ingress: boolean } {
  if (flags.disabled.has('agent')) return { agent: false, nodes: 0, dns: false, ingress: false };
  if (flags.runtime === 'simulated') return { agent: false, nodes: flags.simulatedNodes, dns: false, ingress: false };
  return { agent: true, nodes: 1, nodeName: (flags.nodeName ?? hostname()).toLowerCase(), dns: !flags.disabled.has('dns'), ingress: !flags.disabled.has('ingress') };
}

function localNodes(flags: Flags, nodes: NodeInfo[]): NodeInfo[] {
  const e = expectations(flags);
  if (e.nodeName) return nodes.filter((n) => n.name === e.nodeName);
  if (flags.runtime === 'simulated') return nodes.filter((n) => n.name.startsWith('k8ts-sim-'));
  return nodes;
}

/** Takes `--timeout` out of a start argv (it is not a server flag). */
function splitStartArgs(argv: string[]): { args: string[]; timeoutS: number } {
  const args: string[] = [];
  let timeout: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (argv[i] === '--timeout') timeout = argv[++i];
    else if (argv[i].startsWith('--timeout=')) timeout = argv[i].slice('--timeout='.length);
    else args.push(argv[i]);
  }
  const timeoutS = timeout === undefined ? 120 : Number(timeout);
  if (!(timeoutS > 0)) throw new CliError(`--timeout must be a number of seconds, got "${timeout}"`);
  return { args, timeoutS };
}

const PATH_FLAGS = ['data-dir', 'config', 'write-kubeconfig', 'encryption-provider-config'];

/** The argv with path-valued flags made absolute (the server runs in /) and without --data-dir. */
function absolutize(argv: string[]): string[] {
  const outArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (m && PATH_FLAGS.includes(m[1])) {
      const v = m[2] ?? argv[++i];
      if (m[1] !== 'data-dir') outArgs.push(`--${m[1]}`, resolve(v));
      continue;
    }
    outArgs.push(argv[i]);
  }
  return outArgs;
}

function readStartArgs(dataDir: string): string[] | undefined {
  try {
    const v = JSON.parse(readFileSync(startArgsFile(dataDir), 'utf8')) as { args?: unknown };
    return Array.isArray(v.args) && v.args.every((x) => typeof x === 'string') ? (v.args as string[]) : undefined;
  } catch {
    return undefined;
  }
}

export async function runStart(argv: string[]): Promise<void> {
  const server: ServerModule = await import('./server.js');
  const { args: cliArgs, timeoutS } = splitStartArgs(argv);
  const help = fullStartHelp(server.serverHelp.replace('<name> from: see --help', 'see k8ts server --help'));
  if (cliArgs.includes('-h') || cliArgs.includes('--help')) return void process.stdout.write(help);
  let resolved = resolveArgs(cliArgs, server.serverOptions, process.env, { command: 'k8ts start' });
  const parsed = server.parseServerFlags(resolved);
  if (parsed === 'help') return void process.stdout.write(help);
  let flags: Flags = parsed;
  const dataDir = resolve(flags.dataDir);

  // The flags of the previous start fill in what the command line, environment and file leave out.
  const explicit = absolutize(cliArgs);
  const previous = readStartArgs(dataDir);
  let remembered = explicit;
  if (previous?.length) {
    const have = optionsSet(resolved, server.serverOptions);
    const extra: string[] = [];
    for (let i = 0; i < previous.length; i++) {
      const m = /^--([a-z-]+)$/.exec(previous[i]);
      if (!m) continue;
      const opt = (server.serverOptions as Record<string, { type: string }>)[m[1]];
      if (!opt) continue;
      const pair = opt.type === 'boolean' ? [previous[i]] : [previous[i], previous[i + 1]];
      if (opt.type !== 'boolean') i++;
      if (!have.has(m[1])) extra.push(...pair);
    }
    if (extra.length) {
      out(`Using the flags of the previous start: ${extra.join(' ')}`);
      resolved = [...resolved, ...extra];
      remembered = [...explicit, ...extra];
      flags = server.parseServerFlags(resolved) as Flags;
    }
  }

  const running = findServer(dataDir);
  if (running) {
    out(`k8ts is already running in ${dataDir} (pid ${running.pid}${running.fromPidFile ? '' : ', not started by k8ts start'})`);
    let runningFlags: Flags = flags;
    try {
      const f = server.parseServerFlags(running.args);
      if (f !== 'help') runningFlags = f;
    } catch {
      /* its command line is not ours to parse: use the given flags */
    }
    await printSummary(dataDir, runningFlags, running.pid);
    return;
  }

  const { preflight } = await import('./preflight.js');
  const withAgent = flags.runtime === 'oci' && !flags.disabled.has('agent');
  const problems = await preflight({ runtime: withAgent ? 'oci' : 'simulated', dataDir, ports: server.serverPorts(flags, withAgent) });
  if (problems.length) throw new CliError(problems.join('\nk8ts: '));

  mkdirPrivate(dataDir);
  const log = logFile(dataDir);
  if (existsSync(log)) renameSync(log, `${log}.1`);
  const fd = openAppendNoFollow(log);
  const serverArgv = [...absolutize(resolved), '--data-dir', dataDir];
  const child = spawn(process.execPath, [k8tsEntry(), 'server', ...serverArgv], { detached: true, stdio: ['ignore', fd, fd], cwd: '/', env: process.env });
  closeSync(fd);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.once('exit', (code, signal) => (exited = { code, signal }));
  child.once('error', () => (exited = { code: null, signal: null }));
  const pid = child.pid!;
  writePrivateFile(pidFile(dataDir), `${pid}\n`);
  out(`Starting k8ts (pid ${pid}, data dir ${dataDir}, log ${log})`);

  const t0 = Date.now();
  const deadline = t0 + timeoutS * 1000;
  const secs = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    const since = Date.now();
    let announced = false;
    for (;;) {
      if (exited) {
        rmSync(pidFile(dataDir), { force: true });
        process.stderr.write(`k8ts: the server exited (${exited.signal ?? `code ${exited.code}`}) while starting; the last lines of ${log}:\n${tail(log)}\n`);
        throw new CliError(`the server did not start: see ${log}`);
      }
      const v = await probe().catch(() => undefined);
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) {
        process.stderr.write(`k8ts: the last lines of ${log}:\n${tail(log)}\n`);
        throw new CliError(`timed out after ${timeoutS} s waiting for ${what}; the server is still running (pid ${pid}): see ${log}, or stop it with k8ts stop`);
      }
      if (!announced && Date.now() - since > 3000) {
        out(`  … waiting for ${what}`);
        announced = true;
      }
      await sleep(200);
    }
  };

  const e = expectations(flags);
  let access: ApiAccess | undefined;
  let dnsAt: string | undefined;
  try {
    await waitFor('the API server', async () => {
      const a = readAccess(dataDir);
      if (!a) return undefined;
      const r = await apiGetText(a, '/readyz').catch(() => undefined);
      if (r?.status !== 200) {
        a.client.close();
        return undefined;
      }
      access = a;
      return true;
    });
    out(`  ✓ API server ready at ${access!.server} (${secs()})`);
    if (e.nodes > 0) {
      const label = e.nodeName ? `node ${e.nodeName}` : e.nodes === 1 ? 'node k8ts-sim-0' : `${e.nodes} nodes`;
      await waitFor(`${label} to register`, async () => localNodes(flags, await listNodes(access!)).length >= e.nodes || undefined);
      out(`  ✓ ${label} registered (${secs()})`);
      // Ready as posted by this run's kubelet: the stored condition may be left from before a stop.
      const since = t0 - 2000;
      await waitFor(`${label} to be Ready`, async () => {
        const nodes = localNodes(flags, await listNodes(access!));
        if (nodes.length < e.nodes || !nodes.every((n) => n.ready)) return undefined;
        for (const n of nodes) if (n.heartbeat < since && (await leaseRenewed(access!, n.name)) < since) return undefined;
        return true;
      });
      out(`  ✓ ${label} Ready (${secs()})`);
    }
    if (e.dns) {
      dnsAt = await waitFor('cluster DNS to answer', async () => {
        for (const ip of await dnsAddresses(access!)) if (await dnsAnswers(ip)) return ip;
        return undefined;
      });
      out(`  ✓ DNS answering at ${dnsAt} (${secs()})`);
    }
    if (e.ingress) {
      const url = await waitFor('the Ingress controller to listen', async () => {
        const node = localNodes(flags, await listNodes(access!))[0];
        const ip = node?.ip ?? flags.nodeIP ?? '127.0.0.1';
        return (await tcpOpen(ip, flags.ingressHttpPort)) ? ingressUrl(ip, flags.ingressHttpPort) : undefined;
      });
      out(`  ✓ Ingress listening on ${url} (${secs()})`);
    }
  } finally {
    access?.client.close();
  }
  child.unref();
  writePrivateFile(startArgsFile(dataDir), JSON.stringify({ args: remembered }) + '\n');
  out();
  await printSummary(dataDir, flags, pid, dnsAt);
}

function ingressUrl(ip: string, port: number): string {
  return `http://${ip}${port === 80 ? '' : `:${port}`}/`;
}

async function printSummary(dataDir: string, flags: Flags, pid: number, dnsAt?: string): Promise<void> {
  const access = readAccess(dataDir);
  try {
    await summarize(access, dataDir, flags, pid, dnsAt);
  } finally {
    access?.client.close();
  }
}

async function summarize(access: ApiAccess | undefined, dataDir: string, flags: Flags, pid: number, dnsAt?: string): Promise<void> {
  const e = expectations(flags);
  let nodes: NodeInfo[] = [];
  try {
    if (access) nodes = await listNodes(access);
  } catch {
    /* shown as "unknown" below */
  }
  const local = localNodes(flags, nodes)[0];
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const rows: Array<[string, string]> = [
    ['API server', access?.server ?? '(no kubeconfig yet)'],
    ['kubeconfig', `${kubeconfig} (context ${DEFAULT_CONTEXT})`],
    ['nodes', nodes.length ? nodes.map((n) => `${n.name} ${n.ready ? 'Ready' : 'NotReady'}`).join(', ') : e.nodes ? 'none yet' : 'none (the agent is disabled)'],
  ];
  if (e.dns) {
    let dns = dnsAt;
    if (!dns && access) dns = (await dnsAddresses(access).catch(() => [] as string[]))[0];
    rows.push(['DNS', `${dns ?? 'unknown'} (cluster.local)`]);
  }
  if (e.ingress) rows.push(['Ingress', ingressUrl(local?.ip ?? flags.nodeIP ?? '127.0.0.1', flags.ingressHttpPort)]);
  rows.push(['log', logFile(dataDir)]);
  out(`k8ts is running (pid ${pid})`);
  for (const [k, v] of rows) out(`  ${(k + ':').padEnd(12)} ${v}`);
  out();
  out(`Use it with:  k8ts kubectl get pods -A   (or: export KUBECONFIG=${kubeconfig}; or: k8ts kubeconfig --merge)`);
  const token = join(dataDir, 'node-token');
  if (existsSync(token)) {
    const bind = flags.bindAddress;
    const host = bind && bind !== '0.0.0.0' && bind !== '::' ? bind : (local?.ip && local.ip !== '127.0.0.1' ? local.ip : flags.nodeIP ?? defaultNodeIP());
    out(`Agents join with:  k8ts agent --server https://${host}:${flags.port} --token $(cat ${token})`);
  }
}

// ───────────────────────────── status ─────────────────────────────

export async function runStatus(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return void process.stdout.write(statusHelp);
  const dataDir = resolveDataDir(values['data-dir'], process.env, values.config);
  if (!existsSync(dataDir)) {
    out(`k8ts: Not created (no data dir ${dataDir}; create a cluster with k8ts start)`);
    process.exitCode = 1;
    return;
  }
  const srv = findServer(dataDir);
  if (!srv) {
    const stale = existsSync(pidFile(dataDir));
    out(`k8ts: Stopped (data dir ${dataDir}${stale ? `; the server exited without k8ts stop, see ${logFile(dataDir)}` : ''}; start it with k8ts start)`);
    if (existsSync(join(dataDir, 'runtime'))) {
      const { conmonPids } = await import('../runtime/oci/cleanup.js');
      const left = conmonPids([join(dataDir, 'runtime')]).length;
      if (left) out(`  ${left} container(s) of its pods still run without it: k8ts stop removes them`);
    }
    process.exitCode = 1;
    return;
  }
  out(`k8ts: Running (pid ${srv.pid}${srv.fromPidFile ? '' : ', not started by k8ts start'})`);
  out(`  data dir:    ${dataDir}`);
  const access = readAccess(dataDir);
  if (!access) {
    const kc = join(dataDir, 'kubeconfig.yaml');
    out(existsSync(kc) ? `  API server:  cannot read ${kc}: run k8ts status as the user that started the cluster` : '  API server:  no kubeconfig yet (starting?)');
    process.exitCode = 2;
    return;
  }
  try {
    await reportApi(access);
  } finally {
    access.client.close();
  }
}

/** The API server, nodes and loops lines of `k8ts status`. */
async function reportApi(access: ApiAccess): Promise<void> {
  try {
    const r = await apiGetText(access, '/readyz');
    if (r.status !== 200) throw new Error(`/readyz answered ${r.status}`);
    out(`  API server:  ${access.server} (ready)`);
  } catch (e) {
    out(`  API server:  ${access.server} not answering: ${(e as Error).message}`);
    process.exitCode = 2;
    return;
  }
  try {
    const nodes = await listNodes(access);
    out(`  nodes:       ${nodes.length ? nodes.map((n) => `${n.name} ${n.ready ? 'Ready' : 'NotReady'}`).join(', ') : 'none'}`);
  } catch (e) {
    out(`  nodes:       unknown (${(e as Error).message})`);
  }
  try {
    const m = await apiGetText(access, '/metrics');
    out(`  loops:       ${describeLoops(parseLoopMetrics(m.text))}`);
  } catch (e) {
    out(`  loops:       unknown (${(e as Error).message})`);
  }
}

// ───────────────────────────── stop, delete ─────────────────────────────

async function terminate(pid: number, timeoutS: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPERM') throw new CliError(`no permission to stop the server (pid ${pid}): run k8ts stop as the user that started it (root for real containers)`);
  }
  const deadline = Date.now() + timeoutS * 1000;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) {
    out(`  pid ${pid} did not exit within ${timeoutS} s: SIGKILL`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
    for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
  }
}

/**
 * Stops the server of dataDir (if any) and then, whether or not one ran, the node's pods from the
 * data dir alone: a server killed with -9 (OOM, power) leaves its containers, conmons, pod network
 * namespaces, veths, mounts and cgroups behind. `removed` says what was removed, if anything.
 */
export async function stopCluster(dataDir: string, timeoutS = 30): Promise<{ wasRunning: boolean; removed?: string }> {
  const srv = findServer(dataDir);
  if (srv) {
    out(`Stopping k8ts (pid ${srv.pid})`);
    await terminate(srv.pid, timeoutS);
    out('  ✓ server stopped');
  }
  for (const pid of otherNodeProcessesOf(dataDir, srv?.pid)) {
    out(`Stopping another k8ts process of ${dataDir} (pid ${pid}: ${(cmdline(pid) ?? []).slice(1).join(' ')})`);
    await terminate(pid, timeoutS);
  }
  rmSync(pidFile(dataDir), { force: true });
  let removed: string | undefined;
  if (existsSync(join(dataDir, 'runtime'))) {
    if (process.getuid?.() !== 0) throw new CliError(`the node's containers in ${dataDir}/runtime can only be stopped by root: run k8ts stop as root`);
    const { describeStopPods, stopAllPods } = await import('../runtime/oci/cleanup.js');
    const r = stopAllPods(dataDir);
    removed = describeStopPods(r);
    if (srv && removed) out(`  ✓ pods stopped: ${removed}`);
    if (r.leftoverMounts.length) process.stderr.write(`k8ts: still mounted (busy): ${r.leftoverMounts.join(', ')}\n`);
  }
  return { wasRunning: !!srv, removed };
}

export async function runStop(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, config: { type: 'string' }, timeout: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return void process.stdout.write(stopHelp);
  const timeoutS = values.timeout === undefined ? 30 : Number(values.timeout);
  if (!(timeoutS > 0)) throw new CliError(`--timeout must be a number of seconds, got "${values.timeout}"`);
  const dataDir = resolveDataDir(values['data-dir'], process.env, values.config);
  if (!existsSync(dataDir)) throw new CliError(`no cluster in ${dataDir}: nothing to stop`);
  const r = await stopCluster(dataDir, timeoutS);
  out(r.wasRunning ? 'k8ts stopped; k8ts start brings it back' : `k8ts was not running; ${r.removed ?? 'nothing of it was left'}`);
}

/** Files that only a k8ts data dir has: `k8ts delete` removes nothing else. */
const MARKERS = ['VERSION', 'kubeconfig.yaml', 'server.log', 'state.db', 'tls'];

export async function runDelete(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return void process.stdout.write(deleteHelp);
  const dataDir = resolveDataDir(values['data-dir'], process.env, values.config);
  if (!existsSync(dataDir)) {
    out(`no cluster in ${dataDir}: nothing to delete`);
    return;
  }
  if (resolve(dataDir) === '/' || !MARKERS.some((m) => existsSync(join(dataDir, m)))) {
    throw new CliError(`${dataDir} does not look like a k8ts data dir (none of ${MARKERS.join(', ')}): not deleting it`);
  }
  const ours = existsSync(join(dataDir, 'kubeconfig.yaml')) ? readFileSync(join(dataDir, 'kubeconfig.yaml'), 'utf8') : undefined;
  const hadRuntime = existsSync(join(dataDir, 'runtime'));
  const stopped = await stopCluster(dataDir);
  if (!stopped.wasRunning && stopped.removed) out(`  ✓ k8ts was not running; ${stopped.removed}`);
  const { mountsUnder, otherNodeInThisNetns, removeNodeNetwork } = await import('../runtime/oci/cleanup.js');
  if (hadRuntime) {
    if (otherNodeInThisNetns()) out('  the node network (bridge k8ts0, nft tables) stays: another k8ts node runs in this network namespace');
    else {
      removeNodeNetwork();
      out('  ✓ node network removed (bridge k8ts0, nft tables k8ts-nat, k8ts-hostport, k8ts-svc)');
    }
  }
  const busy = mountsUnder(dataDir);
  if (busy.length) throw new CliError(`cannot delete ${dataDir}: still mounted: ${busy.join(', ')}; unmount them and run k8ts delete again`);
  rmSync(dataDir, { recursive: true, force: true });
  out(`  ✓ data dir ${dataDir} removed`);
  if (ours) {
    try {
      const r = removeFromUserKubeconfig(ours);
      if (r.removed.length) out(`  ✓ removed ${r.removed.join(', ')} from ${r.file}`);
    } catch (e) {
      process.stderr.write(`k8ts: could not clean up your kubeconfig: ${(e as Error).message}\n`);
    }
  }
  out('k8ts deleted');
}
