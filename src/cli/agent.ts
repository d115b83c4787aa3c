// `k8ts agent --server URL --token TOKEN`: joins this machine to a cluster as a node. Reads top
// to bottom like k3s's agent: preflight → credentials (join once, then reuse) → Node with a pod
// CIDR from the server's nodeipam → node agent (runtime, pod network, routes, kubelet) → proxy.
import { existsSync, readFileSync } from 'node:fs';
import { ensurePrivateDir, privateDataFileProblems, writePrivateFile } from '../util/secure-fs.js';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { randomBytes, X509Certificate } from 'node:crypto';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { setMaxListeners } from 'node:events';
import type { Endpoints, Node, Status } from '../api/types/index.js';
import { isAlreadyExists, isNotFound } from '../api/status.js';
import { type ApiClient, R } from '../client/index.js';
import { RestClient, ServerPool, serversFromEndpoints } from '../client/rest-client.js';
import { caHashOf, parseJoinToken, JOIN_PATH, RENEW_PATH, type JoinResponse } from '../pki/index.js';
import { defaultNodeIP } from '../util/node-ip.js';
import { CliError } from './errors.js';
import { resolveArgs } from './config.js';
import { onShutdownSignals } from './shutdown.js';
import { logger } from '../util/log.js';
import { logOptions, logHelp, parseLogFlags, applyLogFlags, type LogFlags } from './log-flags.js';
import { LABEL_HOSTNAME, LABEL_OS, TAINT_NODE_NOT_READY } from '../api/well-known.js';

export const agentHelp = `Usage: k8ts agent --server URL --token TOKEN [flags]

Joins this machine to a k8ts cluster as a node: runs pods with runc, routes the pod network
to the other nodes, and the service proxy. The server prints the token at start; it is also
in the server's <data-dir>/node-token. With several servers, the agent learns them all (the
\`kubernetes\` endpoints, kept in <data-dir>/servers.json) and switches to another when the one
it talks to stops answering.

Flags:
  --server URL             the API server, e.g. https://192.168.1.10:6443 (env K8TS_URL)
  --token TOKEN            the join token (env K8TS_TOKEN)
  --data-dir DIR           the node's state (default /var/lib/k8ts-agent)
  --node-name NAME         this node's name (default: the host name)
  --node-ip ADDR           this node's address, reachable from the other nodes
                           (default: the first non-loopback IPv4 address)
  --kubelet-port PORT      the kubelet's port, reached by the API server (default 10250)
  --pod-network MODE       bridge (default) or cni
  --disable proxy          leave out the service proxy
  --config FILE            YAML file with the same keys as the flags
${logHelp(27)}  -h, --help               show this help
`;

const OPTIONS = {
  server: { type: 'string' },
  token: { type: 'string' },
  'data-dir': { type: 'string', default: '/var/lib/k8ts-agent' },
  'node-name': { type: 'string' },
  'node-ip': { type: 'string' },
  'kubelet-port': { type: 'string', default: '10250' },
  'pod-network': { type: 'string', default: 'bridge' },
  disable: { type: 'string', multiple: true },
  config: { type: 'string' },
  ...logOptions,
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

export interface AgentFlags {
  server: string;
  token: string;
  dataDir: string;
  nodeName: string;
  nodeIP?: string;
  kubeletPort: number;
  podNetwork: 'bridge' | 'cni';
  disabled: Set<string>;
  log: LogFlags;
}

export async function parseAgentFlags(argv: string[]): Promise<AgentFlags | 'help'> {
  const args = resolveArgs(argv, OPTIONS, process.env, { command: 'k8ts agent' });
  const { values } = parseArgs({ args, options: OPTIONS, strict: true });
  if (values.help) return 'help';
  const { server, token } = values;
  if (!server) throw new CliError('--server is required: the URL of the API server, e.g. --server https://192.168.1.10:6443');
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new CliError(`--server must be a URL like https://192.168.1.10:6443, got "${server}"`);
  }
  if (url.protocol !== 'https:') throw new CliError(`--server must be an https:// URL, got "${server}"`);
  if (!token) throw new CliError("--token is required: the server prints it at start; it is in the server's <data-dir>/node-token");
  if (!parseJoinToken(token)) throw new CliError('--token is not a k8ts join token: copy it whole from the server\'s <data-dir>/node-token');
  const nodeIP = values['node-ip'];
  if (nodeIP !== undefined && !/^\d+\.\d+\.\d+\.\d+$/.test(nodeIP)) throw new CliError(`--node-ip must be an IPv4 address, got "${nodeIP}"`);
  const kubeletPort = Number(values['kubelet-port']);
  if (!Number.isInteger(kubeletPort) || kubeletPort < 0 || kubeletPort > 65535) throw new CliError(`--kubelet-port must be a port number, got "${values['kubelet-port']}"`);
  const podNetwork = values['pod-network'];
  if (podNetwork !== 'bridge' && podNetwork !== 'cni') throw new CliError(`--pod-network must be bridge or cni, got "${podNetwork}"`);
  const disabled = new Set((values.disable ?? []).flatMap((d) => d.split(',')).map((d) => d.trim()).filter(Boolean));
  for (const d of disabled) if (d !== 'proxy') throw new CliError(`--disable: an agent can only leave out "proxy", got "${d}"`);
  return {
    server: url.origin,
    token,
    dataDir: values['data-dir']!,
    nodeName: (values['node-name'] ?? hostname()).toLowerCase(),
    nodeIP,
    kubeletPort,
    podNetwork,
    disabled,
    log: parseLogFlags(values),
  };
}

/** The join answer, kept in the data dir with the server and node it was for. */
interface Credentials extends JoinResponse {
  server: string;
  nodeName: string;
}

/**
 * One request to the server before the agent has credentials (the CA download, the join), on
 * the REST client. Connection errors reject with the socket's own error, not the client's
 * wrapping, so the message names what went wrong.
 */
async function joinRequest(server: string, method: string, path: string, o: { ca?: string; insecure?: boolean; bearer?: string; body?: unknown; cert?: string; key?: string }): Promise<{ status: number; body: string }> {
  const client = new RestClient({ transport: { kind: 'https', server, ca: o.ca, cert: o.cert, key: o.key, token: o.bearer, insecureSkipVerify: o.insecure }, userAgent: 'k8ts-agent', timeoutMs: 10_000 });
  try {
    const r = await client.request(method, path, o.body);
    return { status: r.status, body: r.body.toString('utf8') };
  } catch (e) {
    throw (e as Error).cause instanceof Error ? (e as Error).cause : e;
  } finally {
    client.close();
  }
}

/** The message of a Status body, else the body. */
function statusMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body;
  }
}

/**
 * Joins the cluster: pins the CA by the token's hash (a token without one is refused: the agent
 * never trusts a CA it cannot check), then trades the token for node credentials. The node
 * password proves on a later join that this is the node that first took the name.
 */
export async function joinCluster(server: string, token: string, nodeName: string, nodeIP: string, nodePassword: string): Promise<Credentials> {
  const t = parseJoinToken(token)!;
  if (!t.caHash) throw new CliError("--token has no CA hash, so the server's CA cannot be checked: use the full token (K10<hash>::…) from the server's <data-dir>/node-token or `k8ts token create`");
  const unreachable = (e: Error): never => {
    throw new CliError(`cannot reach the server at ${server}: ${e.message} — check --server and that the server runs`);
  };
  const ca = await joinRequest(server, 'GET', '/cacerts', { insecure: true }).catch(unreachable);
  if (ca.status !== 200 || !ca.body.includes('BEGIN CERTIFICATE')) throw new CliError(`${server} did not hand out a cluster CA (HTTP ${ca.status}): is it a k8ts server?`);
  if (caHashOf(ca.body) !== t.caHash) throw new CliError(`the server at ${server} presents a CA that does not match the token: wrong server, or a token from another cluster`);
  const res = await joinRequest(server, 'POST', JOIN_PATH, { ca: ca.body, bearer: t.credential, body: { nodeName, nodeIP, nodePassword } }).catch(unreachable);
  if (res.status === 401) {
    const msg = statusMessage(res.body);
    throw new CliError(`the server refused the join token${msg && msg !== 'Unauthorized' ? ` (${msg})` : ''}: copy it again from the server's <data-dir>/node-token, or make a new one with k8ts token create`);
  }
  if (res.status !== 200) throw new CliError(`joining failed (HTTP ${res.status}): ${statusMessage(res.body)}`);
  const j = JSON.parse(res.body) as JoinResponse;
  return { server, nodeName, ...j };
}

/** Reads `<dataDir>/node-password`, creating it on first use (mode 0600). */
function ensureNodePassword(dataDir: string): string {
  const path = join(dataDir, 'node-password');
  if (existsSync(path)) {
    const p = readFileSync(path, 'utf8').trim();
    if (p.length >= 16) return p;
  }
  const p = randomBytes(24).toString('hex');
  writePrivateFile(path, p + '\n');
  return p;
}

/** Validity of a certificate, in ms since the epoch. */
function validity(pem: string): { from: number; to: number } {
  const c = new X509Certificate(pem);
  return { from: Date.parse(c.validFrom), to: Date.parse(c.validTo) };
}

/** When to renew: once 70 % of the lifetime has passed (upstream's kubelet picks 70–90 %). */
export function renewalTime(pem: string): number {
  const v = validity(pem);
  return v.from + 0.7 * (v.to - v.from);
}

/** Trades the node's current client certificate for a fresh one (the server's CA stays pinned). */
export async function renewClientCert(cred: Credentials, server = cred.server): Promise<Credentials> {
  const res = await joinRequest(server, 'POST', RENEW_PATH, { ca: cred.caCert, cert: cred.clientCert, key: cred.clientKey, body: {} });
  if (res.status !== 200) throw new Error(`renewing the client certificate failed (HTTP ${res.status}): ${statusMessage(res.body)}`);
  const r = JSON.parse(res.body) as { clientCert: string; clientKey: string; clientCertNotAfter?: string };
  return { ...cred, clientCert: r.clientCert, clientKey: r.clientKey, clientCertNotAfter: r.clientCertNotAfter };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How often the agent reads the `kubernetes` endpoints to learn the API servers. */
const SERVER_REFRESH_MS = 15_000;

/** The servers kept in `<dataDir>/servers.json` (learned from the `kubernetes` endpoints), or none. */
export function readKnownServers(path: string): string[] {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as { servers?: unknown };
    return Array.isArray(v.servers) ? v.servers.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Keeps the pool's list of servers current: reads the `kubernetes` Service's Endpoints (every
 * live API server) now and every SERVER_REFRESH_MS, through the pool itself, until `signal`.
 */
function refreshServers(client: ApiClient, pool: ServerPool, signal: AbortSignal, warn: (msg: string) => void): void {
  let timer: NodeJS.Timeout | undefined;
  let warned = false;
  const tick = (): void => {
    client
      .get<Endpoints>(R.endpoints, 'default', 'kubernetes')
      .then((ep) => {
        warned = false;
        pool.setServers(serversFromEndpoints(ep));
      })
      .catch((e: unknown) => {
        if (!warned) warn(`cannot read the API servers from endpoints default/kubernetes: ${(e as Error).message}; keeping ${pool.servers().join(', ')}`);
        warned = true;
      })
      .finally(() => {
        if (signal.aborted) return;
        timer = setTimeout(tick, SERVER_REFRESH_MS);
        timer.unref();
      });
  };
  signal.addEventListener('abort', () => clearTimeout(timer));
  tick();
}

/**
 * Makes sure the Node exists and waits until nodeipam gave it a pod CIDR. A new Node starts
 * tainted not-ready, so nothing is scheduled before the kubelet reports in.
 */
export async function awaitPodCidr(client: ApiClient, nodeName: string, signal: AbortSignal, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let created = false;
  while (!signal.aborted) {
    let node: Node | undefined;
    try {
      node = await client.get<Node>(R.nodes, undefined, nodeName);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const cidr = node?.spec?.podCIDR;
    if (cidr) return cidr;
    if (!node && !created) {
      await client
        .create(R.nodes, undefined, {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: nodeName, labels: { [LABEL_HOSTNAME]: nodeName, [LABEL_OS]: 'linux' } },
          spec: { taints: [{ key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' }] },
        })
        .catch((e: unknown) => {
          if (!isAlreadyExists(e)) throw e;
        });
      created = true;
    }
    if (Date.now() > deadline) throw new CliError(`node ${nodeName} got no pod CIDR from the server within ${timeoutMs / 1000} s: is the server's nodeipam controller disabled, or its cluster CIDR exhausted?`);
    await sleep(100);
  }
  throw new CliError('interrupted');
}

export async function runAgent(argv: string[]): Promise<void> {
  setMaxListeners(200);
  const flags = await parseAgentFlags(argv);
  if (flags === 'help') {
    process.stdout.write(agentHelp);
    return;
  }
  applyLogFlags(flags.log);
  const agentLog = logger('agent');
  const log = (msg: string): void => agentLog.info(msg);
  const t0 = performance.now();
  const { agentPreflight, startNodeAgent } = await import('../kubelet/agent.js');
  const problems = agentPreflight();
  if (problems.length) throw new CliError(problems.join('\nk8ts: '));
  const nodeIP = flags.nodeIP ?? defaultNodeIP();
  try {
    ensurePrivateDir(flags.dataDir);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const fileProblems = privateDataFileProblems(flags.dataDir);
  if (fileProblems.length) throw new CliError(fileProblems.join('\nk8ts: '));

  // Credentials: joined once, kept in the data dir; a different server or node name joins again.
  const credPath = join(flags.dataDir, 'agent-credentials.json');
  let cred: Credentials | undefined;
  if (existsSync(credPath)) {
    try {
      const c = JSON.parse(readFileSync(credPath, 'utf8')) as Credentials;
      if (c.server === flags.server && c.nodeName === flags.nodeName) cred = c;
    } catch {
      /* unreadable: join again */
    }
  }
  const save = (c: Credentials): void => writePrivateFile(credPath, JSON.stringify(c, null, 2));
  // Kept credentials whose client certificate has expired cannot renew it: join again.
  if (cred && validity(cred.clientCert).to <= Date.now()) {
    log(`the client certificate of node ${flags.nodeName} expired; joining again with the token`);
    cred = undefined;
  }
  const joinedNow = !cred;
  if (!cred) {
    cred = await joinCluster(flags.server, flags.token, flags.nodeName, nodeIP, ensureNodePassword(flags.dataDir));
    save(cred);
    log(`joined ${flags.server} as node ${flags.nodeName}`);
  } else if (renewalTime(cred.clientCert) <= Date.now()) {
    try {
      cred = await renewClientCert(cred);
      save(cred);
      log(`renewed the client certificate of node ${flags.nodeName}`);
    } catch (e) {
      agentLog.warn(`${(e as Error).message}; going on with the current certificate`);
    }
  }

  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const { SharedInformerFactory } = await import('../client/informers/index.js');
  const { ClientEventRecorder } = await import('../client/events/index.js');
  // Every API server (k3s's client-side load balancer): the joined one, the ones learned from
  // the `kubernetes` endpoints (kept in the data dir for the next start); a request that cannot
  // reach the current server moves the pool to the next one.
  const serversPath = join(flags.dataDir, 'servers.json');
  const pool = new ServerPool([flags.server, ...(joinedNow ? (cred.servers ?? []) : readKnownServers(serversPath))], {
    onServersChanged: (servers) => writePrivateFile(serversPath, JSON.stringify({ servers }, null, 2)),
    onSwitch: (from, to) => agentLog.warn(`API server ${from} does not answer; switching to ${to}`),
  });
  if (joinedNow) writePrivateFile(serversPath, JSON.stringify({ servers: pool.servers() }, null, 2));
  const client = new RestClient({ transport: { kind: 'https', server: flags.server, ca: cred.caCert, cert: cred.clientCert, key: cred.clientKey, pool }, userAgent: `k8ts-agent/${flags.nodeName}` });
  refreshServers(client, pool, abort.signal, (m) => agentLog.warn(m));
  // Client-certificate rotation: renewed at 70 % of its lifetime, retried every minute on failure.
  let renewTimer: NodeJS.Timeout | undefined;
  const scheduleRenewal = (delayMs: number): void => {
    renewTimer = setTimeout(() => {
      renewClientCert(cred!, pool.current())
        .then((next) => {
          cred = next;
          save(next);
          client.setClientCertificate(next.clientCert, next.clientKey);
          log(`renewed the client certificate of node ${flags.nodeName} (valid until ${new Date(validity(next.clientCert).to).toISOString()})`);
          scheduleRenewal(renewalTime(next.clientCert) - Date.now());
        })
        .catch((e: unknown) => {
          agentLog.warn(`${(e as Error).message}; trying again in a minute`);
          scheduleRenewal(60_000);
        });
    }, Math.min(Math.max(delayMs, 1000), 2 ** 31 - 1));
    renewTimer.unref();
  };
  scheduleRenewal(renewalTime(cred.clientCert) - Date.now());
  abort.signal.addEventListener('abort', () => clearTimeout(renewTimer));
  const podCIDR = await awaitPodCidr(client, flags.nodeName, abort.signal);
  const informers = new SharedInformerFactory(client);
  const agent = await startNodeAgent({
    client,
    informers,
    recorder: new ClientEventRecorder(client, 'kubelet'),
    dataDir: flags.dataDir,
    nodeName: flags.nodeName,
    nodeIP,
    podCIDR,
    clusterCIDR: cred.clusterCIDR,
    clusterDNS: cred.clusterDNS,
    kubeletPort: flags.kubeletPort,
    networkMode: flags.podNetwork,
    serving: { cert: cred.servingCert, key: cred.servingKey },
    clientCA: cred.caCert,
    controlPlane: false,
    signal: abort.signal,
    log,
  });
  const closers: Array<() => Promise<void>> = [() => agent.close()];
  if (!flags.disabled.has('proxy')) {
    const { startServiceProxy } = await import('../proxy/index.js');
    const proxy = startServiceProxy({ informers, nodeName: agent.nodeName, nodeIPs: [agent.nodeIP], clusterCIDR: cred.clusterCIDR, signal: abort.signal });
    closers.push(() => proxy.stop());
  }
  informers.start(abort.signal);
  log(`node ${agent.nodeName} (${agent.nodeIP}, pods ${podCIDR}) runs pods with runc; kubelet on port ${agent.kubeletPort} (ready in ${Math.round(performance.now() - t0)} ms)`);

  onShutdownSignals(log, async () => {
    abort.abort();
    for (const c of closers) await c().catch(() => undefined);
    client.close();
  });
}
