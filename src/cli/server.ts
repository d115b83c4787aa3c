// `k8ts server`: everything in one process, in the foreground. The main loop runs the API server
// and storage, supervises the other loops (src/server/) and, unless --node-loop separate, runs
// the local node (kubelet, runtime, proxy, DNS, Ingress; or simulated nodes). The controller
// manager and the scheduler always run on a loop of their own.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { setMaxListeners } from 'node:events';
import { openStore, storeReady } from '../storage/index.js';
import { startApiServer, adminKubeconfig, cidrRange, parseLevelVersion, type PodSecurityConfig, type ApiLimits, type AuditOptions } from '../apiserver/index.js';
import { RestClient } from '../client/rest-client.js';
import { LoopSupervisor, type ControllersLoopOptions, type NodeLoopOptions } from '../server/index.js';
import { logger } from '../util/log.js';
import { logOptions, logHelp, parseLogFlags, applyLogFlags } from './log-flags.js';
import { collectProcessMetrics } from '../util/metrics.js';
import { defaultNodeIP } from '../util/node-ip.js';
import { CONTROLLER_NAMES } from '../controllers/names.js';
import { CliError } from './errors.js';
import { onShutdownSignals } from './shutdown.js';
import { defaultDataDirOf, resolveArgs } from './config.js';
import { resolveEncryption } from './encryption.js';
import { createPrivateFile, ensurePrivateDir, mkdirPrivate, privateDataFileProblems, writePrivateFile } from '../util/secure-fs.js';
import { preflight, writeDataVersion, type PreflightPort } from './preflight.js';

export const serverHelp = `Usage: k8ts server [flags]

Runs the control plane and the local node in the foreground: API server, controller manager,
scheduler, and the node agent (kubelet with runc, service proxy, DNS, Ingress) — or, with
--runtime simulated, a set of simulated nodes.

Flags:
  --data-dir DIR             state, certificates and kubeconfig, created 0700; refused when another user
                             owns it or others can write it (default /var/lib/k8ts as root, else
                             $XDG_DATA_HOME/k8ts or ~/.local/share/k8ts; ~/.k8ts when it exists)
  --port PORT                HTTPS port of the API server (default 6443)
  --bind-address ADDR        address to listen on (default 0.0.0.0)
  --write-kubeconfig FILE    write the admin kubeconfig here too (default <data-dir>/kubeconfig.yaml)
  --datastore KIND           sqlite (default), memory, or etcd://HOST:PORT[,HOST:PORT...][?prefix=/P]
                             (etcds://... for TLS, with the three --etcd-*file flags below)
  --etcd-cafile FILE         CA bundle that signed the etcd members' serving certificates
  --etcd-certfile FILE       client certificate for etcd
  --etcd-keyfile FILE        its private key
  --cluster-init             run an embedded etcd member (data in <data-dir>/etcd, TLS from the cluster
                             CA) as the datastore: the first server of a replicated control plane
  --server URL               with --token: join the cluster of the server at URL as one more server
                             (its etcd adds this one as a member; first start only)
  --token TOKEN              the server token, from <data-dir>/server-token on a server
  --etcd-client-port PORT    the embedded member's client port (default 2379)
  --etcd-peer-port PORT      the embedded member's peer port (default 2380)
  --advertise-address ADDR   address this API server publishes in the \`kubernetes\` Service's
                             endpoints, next to the other servers' (default with --runtime oci: the
                             bind address, else the node IP; with --runtime simulated: none)
  --runtime KIND             oci (default: real containers with runc; needs root) or simulated
  --simulated-nodes N        with --runtime simulated: how many nodes (default 1)
  --node-name NAME           this node's name (default: the host name)
  --node-ip ADDR             this node's address (default: the first non-loopback IPv4 address)
  --kubelet-port PORT        the kubelet's streaming port (default 10250)
  --cluster-cidr CIDR        pod network (default 10.42.0.0/16; this node gets the first /24)
  --pod-network MODE         bridge (default: direct bridge and veth pairs) or cni (the CNI plugins)
  --ingress-http-port PORT   the Ingress controller's HTTP port (default 80)
  --ingress-https-port PORT  the Ingress controller's HTTPS port (default 443)
  --disable LIST             components to leave out, comma separated: controllers, scheduler,
                             agent, or single controllers (${'<name>'} from: ${'see --help'})
  --service-cidr CIDR        Service IP range (default 10.43.0.0/16)
  --service-node-port-range  NodePort range (default 30000-32767)
  --node-monitor-grace-period SECONDS
                             how long a node may miss heartbeats before it is NotReady (default 40)
  --leader-elect-lease-duration, --leader-elect-renew-deadline, --leader-elect-retry-period D
                             leader election of the controller manager and scheduler among servers
                             (default 15s, 10s, 2s: a dead leader's controllers move to another
                             server 13-15 s after its last renewal)
  --tls-san NAME             extra name or IP for the serving certificate (repeatable)
  --encryption-provider-config FILE
                             EncryptionConfiguration (apiserver.config.k8s.io/v1) for encryption at
                             rest: aescbc, aesgcm, secretbox, identity (default: <data-dir>/
                             encryption-config.json, which k8ts writes for a new cluster: Secrets
                             encrypted with aescbc under a random key)
  --pod-security-enforce L   PodSecurity level refused in namespaces without their own
                             pod-security.kubernetes.io/enforce label: privileged, baseline
                             (default) or restricted, optionally with a version (baseline:v1.32)
  --pod-security-warn L      level that only warns (default restricted)
  --pod-security-audit L     level that is logged at -v 2 (default privileged)
  --pod-security-exempt-namespaces LIST
                             namespaces PodSecurity skips, comma separated (default kube-system)
  --pod-security-exempt-users LIST
                             user names PodSecurity skips, comma separated (default none)
  --service-account-max-token-expiration SECONDS
                             longest lifetime a TokenRequest gets; longer requests are cut to it
                             (at least 3600; default: no limit but upstream's 2^32 s; requests
                             under 600 s are refused)
  --default-watch-cache-size N  fixed number of events kept per resource for resuming watches
                             (default: the last 75 s, at least 1024, at most 102400)
  --request-timeout D        longest a request that is not a watch or stream may take before it
                             gets 504 Timeout (default 60s; Go duration like 90s, 2m, or seconds)
  --min-request-timeout S    a watch without timeoutSeconds ends after a random time between S and
                             2·S seconds, so clients spread their re-watches (default 1800)
  --max-requests-inflight N  read-only requests in flight at once; more get 429 with Retry-After
                             (default 400; 0 = no limit; watches and streams do not count;
                             system:masters is never limited)
  --max-mutating-requests-inflight N
                             mutating requests in flight at once (default 200; 0 = no limit)
  --max-watches-per-user N   open watches one user may hold; more get 429 (default 250; 0 = no limit)
  --max-watches N            open watches in all (default 5000; 0 = no limit)
  --max-connections N        open connections to the API port; more are closed (default 10000)
  --audit-policy-file FILE   audit.k8s.io/v1 Policy: which requests are logged at which level
                             (None, Metadata, Request, RequestResponse); no audit log without it
  --audit-log-path PATH      where audit events go as JSON lines ('-' = standard output;
                             default <data-dir>/audit.log when a policy is given)
  --audit-log-maxsize MB     rotate the audit log at this size (default 100)
  --audit-log-maxbackup N    rotated audit logs to keep (default 0 = all)
  --audit-log-maxage DAYS    days to keep rotated audit logs (default 0 = no limit)
  --history-retention DURATION
                             how long the object history (history.k8ts.io, 'k8ts history') keeps
                             revisions: 24h (default), 90m, 3600s; 0 turns the history off
  --history-max-bytes N      bound on the history's stored size, bytes or with Ki/Mi/Gi (default 64Mi);
                             the oldest revisions go first
  --history-exclude LIST     resources the history leaves out, comma separated, as <resource>.<group>
                             (default leases.coordination.k8s.io: node heartbeats would flood it;
                             events are never kept)
  --node-loop WHERE          the local node (kubelet, runtime, proxy, DNS, Ingress): shared (default,
                             on the API server's event loop) or separate (a loop of its own: API load
                             never delays it and it never delays the API; about 15 MB more memory)
${logHelp(29)}  --config FILE              flags as YAML (keys = long flag names; default <data-dir>/config.yaml,
                             else /etc/k8ts/config.yaml when present)
  -h, --help                 show this help

Every flag can also come from the environment as K8TS_<FLAG> (K8TS_DATA_DIR, K8TS_RUNTIME, …) or
from the config file; precedence: flags > environment > config file > defaults.

Files in the data dir:
  kubeconfig.yaml            the admin kubeconfig (kubectl uses it as is)
  encryption-config.json     the encryption at rest configuration k8ts made for this cluster (0600;
                             keep a copy: without it the Secrets cannot be read)
  registries.yaml            registry mirrors and credentials, k3s's format (also /etc/k8ts/registries.yaml)
  manifests/                 *.yaml, *.yml, *.json applied at start and again when they change
                             (server-side apply, field manager k8ts-deploy; X.skip disables X)

To run it in the background with progress and a summary, use 'k8ts start'.
`;

/** The data dir when no flag, environment or config file names one (src/cli/config.ts). */
export function defaultDataDir(): string {
  return defaultDataDirOf();
}

/** The ports a server with these flags listens on, for preflight. */
export function serverPorts(flags: ServerFlags, withAgent: boolean): PreflightPort[] {
  const host = flags.bindAddress;
  const ports: PreflightPort[] = [{ port: flags.port, flag: '--port', what: 'API server', host }];
  if (!withAgent) return ports;
  ports.push({ port: flags.kubeletPort, flag: '--kubelet-port', what: 'kubelet' });
  if (!flags.disabled.has('ingress')) {
    ports.push({ port: flags.ingressHttpPort, flag: '--ingress-http-port', what: 'Ingress HTTP' });
    ports.push({ port: flags.ingressHttpsPort, flag: '--ingress-https-port', what: 'Ingress HTTPS' });
  }
  return ports;
}

export interface ServerFlags {
  dataDir: string;
  port: number;
  bindAddress: string;
  writeKubeconfig?: string;
  datastore: string;
  /** TLS client files for an etcds:// datastore. */
  etcdTls: { caFile?: string; certFile?: string; keyFile?: string };
  /** Embedded etcd: start a new cluster, or join the server at `join.server`. */
  embeddedEtcd?: { join?: { server: string; token: string } };
  etcdClientPort: number;
  etcdPeerPort: number;
  advertiseAddress?: string;
  runtime: 'oci' | 'simulated';
  simulatedNodes: number;
  disabled: Set<string>;
  serviceCIDR: string;
  nodePortRange: { from: number; to: number };
  nodeMonitorGracePeriodS: number;
  /** Leader election of the controller manager and the scheduler among servers. */
  leaseTimings: { leaseDurationSeconds: number; renewDeadlineSeconds: number; retryPeriodSeconds: number };
  nodeName?: string;
  nodeIP?: string;
  kubeletPort: number;
  clusterCIDR: string;
  podNetwork: 'bridge' | 'cni';
  ingressHttpPort: number;
  ingressHttpsPort: number;
  tlsSANs?: string[];
  /** --encryption-provider-config; undefined: the data dir's own (src/cli/encryption.ts). */
  encryptionProviderConfig?: string;
  watchCacheSize?: number;
  maxTokenExpirationSeconds?: number;
  logFormat: 'text' | 'json';
  verbosity: number;
  /** Where the local node (kubelet, proxy, DNS, Ingress; or the simulated nodes) runs. */
  nodeLoop: 'shared' | 'separate';
  /** The cluster's PodSecurity default and exemptions. */
  podSecurity: PodSecurityConfig;
  /** Request, watch and connection limits given on the command line (the rest: upstream's defaults). */
  limits: Partial<ApiLimits>;
  /** The audit log, when --audit-policy-file is given. */
  audit?: AuditOptions;
  /** Object history: undefined when --history-retention 0. */
  history?: { retentionMs: number; maxBytes: number; exclude: string[] };
}

/** A Go duration (`90s`, `1m30s`, `500ms`) or plain seconds, in milliseconds. */
/** The three leader-election durations, checked against each other as upstream does. */
export function parseLeaseTimings(lease: string, renew: string, retry: string): ServerFlags['leaseTimings'] {
  const l = parseDurationFlag('--leader-elect-lease-duration', lease) / 1000;
  const r = parseDurationFlag('--leader-elect-renew-deadline', renew) / 1000;
  const p = parseDurationFlag('--leader-elect-retry-period', retry) / 1000;
  if (!Number.isInteger(l) || l < 1) throw new CliError(`--leader-elect-lease-duration must be a whole number of seconds (the Lease stores seconds), got "${lease}"`);
  if (!(p > 0)) throw new CliError(`--leader-elect-retry-period must be longer than 0, got "${retry}"`);
  if (!(r < l)) throw new CliError(`--leader-elect-renew-deadline (${renew}) must be shorter than --leader-elect-lease-duration (${lease})`);
  if (!(p < r)) throw new CliError(`--leader-elect-retry-period (${retry}) must be shorter than --leader-elect-renew-deadline (${renew})`);
  return { leaseDurationSeconds: l, renewDeadlineSeconds: r, retryPeriodSeconds: p };
}

export function parseDurationFlag(flag: string, v: string): number {
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  const rest = v.replace(/(\d+(?:\.\d+)?)(ms|s|m|h)/g, (_, n: string, u: string) => {
    ms += Number(n) * unit[u];
    return '';
  });
  if (rest !== '' || v === '') throw new CliError(`${flag} must be a duration like 60s, 2m or 1m30s, got "${v}"`);
  return ms;
}

/** `67108864`, `64Mi`, `512Ki`, `1Gi` → bytes; undefined when malformed. */
export function parseBytes(v: string): number | undefined {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 'Ki' ? 1024 : m[2] === 'Mi' ? 1024 ** 2 : m[2] === 'Gi' ? 1024 ** 3 : 1);
}

function positiveInt(flag: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${flag} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

/** The flags of `k8ts server` (and `k8ts start`); also the keys of its config file (src/cli/config.ts). */
export const serverOptions = {
  'data-dir': { type: 'string' },
  port: { type: 'string', default: '6443' },
  'bind-address': { type: 'string', default: '0.0.0.0' },
  'write-kubeconfig': { type: 'string' },
  datastore: { type: 'string', default: 'sqlite' },
  'etcd-cafile': { type: 'string' },
  'etcd-certfile': { type: 'string' },
  'etcd-keyfile': { type: 'string' },
  'cluster-init': { type: 'boolean' },
  server: { type: 'string' },
  token: { type: 'string' },
  'etcd-client-port': { type: 'string', default: '2379' },
  'etcd-peer-port': { type: 'string', default: '2380' },
  'advertise-address': { type: 'string' },
  'service-cidr': { type: 'string', default: '10.43.0.0/16' },
  'service-node-port-range': { type: 'string', default: '30000-32767' },
  'tls-san': { type: 'string', multiple: true },
  'encryption-provider-config': { type: 'string' },
  'default-watch-cache-size': { type: 'string' },
  'service-account-max-token-expiration': { type: 'string' },
  'node-monitor-grace-period': { type: 'string', default: '40' },
  'leader-elect-lease-duration': { type: 'string', default: '15s' },
  'leader-elect-renew-deadline': { type: 'string', default: '10s' },
  'leader-elect-retry-period': { type: 'string', default: '2s' },
  runtime: { type: 'string', default: 'oci' },
  'node-name': { type: 'string' },
  'node-ip': { type: 'string' },
  'kubelet-port': { type: 'string', default: '10250' },
  'cluster-cidr': { type: 'string', default: '10.42.0.0/16' },
  'pod-network': { type: 'string', default: 'bridge' },
  'ingress-http-port': { type: 'string', default: '80' },
  'ingress-https-port': { type: 'string', default: '443' },
  'simulated-nodes': { type: 'string' },
  disable: { type: 'string', multiple: true },
  'node-loop': { type: 'string', default: 'shared' },
  'pod-security-enforce': { type: 'string', default: 'baseline' },
  'pod-security-warn': { type: 'string', default: 'restricted' },
  'pod-security-audit': { type: 'string', default: 'privileged' },
  'pod-security-exempt-namespaces': { type: 'string', default: 'kube-system' },
  'pod-security-exempt-users': { type: 'string', default: '' },
  'request-timeout': { type: 'string' },
  'min-request-timeout': { type: 'string' },
  'max-requests-inflight': { type: 'string' },
  'max-mutating-requests-inflight': { type: 'string' },
  'max-watches-per-user': { type: 'string' },
  'max-watches': { type: 'string' },
  'max-connections': { type: 'string' },
  'audit-policy-file': { type: 'string' },
  'audit-log-path': { type: 'string' },
  'audit-log-maxsize': { type: 'string' },
  'audit-log-maxbackup': { type: 'string' },
  'audit-log-maxage': { type: 'string' },
  'history-retention': { type: 'string', default: '24h' },
  'history-max-bytes': { type: 'string', default: '64Mi' },
  'history-exclude': { type: 'string', default: 'leases.coordination.k8s.io' },
  ...logOptions,
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseServerFlags(argv: string[]): ServerFlags | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: serverOptions,
    strict: true,
  });
  if (values.help) return 'help';
  const nodeLoop = values['node-loop'];
  if (nodeLoop !== 'shared' && nodeLoop !== 'separate') throw new CliError(`--node-loop must be shared or separate, got "${nodeLoop}"`);
  const { logFormat, verbosity } = parseLogFlags(values);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a number between 0 and 65535, got "${values.port}"`);
  const m = /^(\d+)-(\d+)$/.exec(values['service-node-port-range']!);
  if (!m || Number(m[1]) > Number(m[2])) throw new CliError(`--service-node-port-range must look like 30000-32767, got "${values['service-node-port-range']}"`);
  if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(values['service-cidr']!)) throw new CliError(`--service-cidr must be an IPv4 CIDR like 10.43.0.0/16, got "${values['service-cidr']}"`);
  const runtime = values.runtime;
  if (runtime !== 'oci' && runtime !== 'simulated') throw new CliError(`--runtime must be oci or simulated, got "${runtime}"`);
  if (values['simulated-nodes'] !== undefined && runtime !== 'simulated') throw new CliError('--simulated-nodes needs --runtime simulated');
  if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(values['cluster-cidr']!) || Number(values['cluster-cidr']!.split('/')[1]) > 24) throw new CliError(`--cluster-cidr must be an IPv4 CIDR of /24 or larger, like 10.42.0.0/16, got "${values['cluster-cidr']}"`);
  if (values['node-ip'] !== undefined && !/^\d+\.\d+\.\d+\.\d+$/.test(values['node-ip'])) throw new CliError(`--node-ip must be an IPv4 address, got "${values['node-ip']}"`);
  const podNetwork = values['pod-network'];
  if (podNetwork !== 'bridge' && podNetwork !== 'cni') throw new CliError(`--pod-network must be bridge or cni, got "${podNetwork}"`);
  const list = (v: string | undefined): string[] => (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  let podSecurity: PodSecurityConfig;
  try {
    podSecurity = {
      defaults: {
        enforce: parseLevelVersion(values['pod-security-enforce']!, '--pod-security-enforce'),
        warn: parseLevelVersion(values['pod-security-warn']!, '--pod-security-warn'),
        audit: parseLevelVersion(values['pod-security-audit']!, '--pod-security-audit'),
      },
      exemptions: { namespaces: list(values['pod-security-exempt-namespaces']), usernames: list(values['pod-security-exempt-users']), runtimeClasses: [] },
    };
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  if (values.server !== undefined && values.token === undefined) throw new CliError('--server needs --token (the server token from <data-dir>/server-token on that server)');
  if (values.token !== undefined && values.server === undefined) throw new CliError('--token needs --server URL (the server whose cluster to join)');
  if (values.server !== undefined && values['cluster-init']) throw new CliError('--cluster-init starts a new cluster and --server joins one: use one of them');
  const embedded = values['cluster-init'] || values.server !== undefined;
  if (embedded && values.datastore !== 'sqlite') throw new CliError(`--cluster-init and --server run an embedded etcd as the datastore: leave out --datastore ${values.datastore}`);
  if (values['advertise-address'] !== undefined && !/^\d+\.\d+\.\d+\.\d+$/.test(values['advertise-address'])) throw new CliError(`--advertise-address must be an IPv4 address, got "${values['advertise-address']}"`);
  const limits: Partial<ApiLimits> = {};
  if (values['request-timeout'] !== undefined) limits.requestTimeoutMs = parseDurationFlag('--request-timeout', values['request-timeout']);
  const setInt = (key: keyof ApiLimits, flag: string, v: string | undefined): void => {
    const n = positiveInt(flag, v, 0);
    if (n !== undefined) limits[key] = n;
  };
  setInt('minRequestTimeoutS', '--min-request-timeout', values['min-request-timeout']);
  setInt('maxRequestsInflight', '--max-requests-inflight', values['max-requests-inflight']);
  setInt('maxMutatingRequestsInflight', '--max-mutating-requests-inflight', values['max-mutating-requests-inflight']);
  setInt('maxWatchesPerUser', '--max-watches-per-user', values['max-watches-per-user']);
  setInt('maxWatches', '--max-watches', values['max-watches']);
  setInt('maxConnections', '--max-connections', values['max-connections']);
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const auditFlags = ['audit-log-path', 'audit-log-maxsize', 'audit-log-maxbackup', 'audit-log-maxage'] as const;
  if (!values['audit-policy-file'] && auditFlags.some((f) => values[f] !== undefined)) throw new CliError('--audit-log-* needs --audit-policy-file (which requests to log, at which level)');
  const audit: AuditOptions | undefined = values['audit-policy-file']
    ? {
        policyFile: values['audit-policy-file'],
        logPath: values['audit-log-path'] ?? join(dataDir, 'audit.log'),
        maxSizeMB: positiveInt('--audit-log-maxsize', values['audit-log-maxsize'], 0),
        maxBackups: positiveInt('--audit-log-maxbackup', values['audit-log-maxbackup'], 0),
        maxAgeDays: positiveInt('--audit-log-maxage', values['audit-log-maxage'], 0),
      }
    : undefined;
  const retentionMs = parseDurationFlag('--history-retention', values['history-retention']!);
  const maxBytes = parseBytes(values['history-max-bytes']!);
  if (!maxBytes) throw new CliError(`--history-max-bytes must be a size like 64Mi or 1048576, got "${values['history-max-bytes']}"`);
  const history = retentionMs > 0 ? { retentionMs, maxBytes, exclude: list(values['history-exclude']) } : undefined;
  const disabled = new Set((values.disable ?? []).flatMap((d) => d.split(',')).map((d) => d.trim()).filter(Boolean));
  const known = new Set(['controllers', 'scheduler', 'agent', 'proxy', 'dns', 'ingress', 'servicelb', ...CONTROLLER_NAMES]);
  for (const d of disabled) if (!known.has(d)) throw new CliError(`--disable: unknown component "${d}"; known: ${[...known].join(', ')}`);
  return {
    dataDir,
    port,
    bindAddress: values['bind-address']!,
    writeKubeconfig: values['write-kubeconfig'],
    datastore: values.datastore!,
    etcdTls: { caFile: values['etcd-cafile'], certFile: values['etcd-certfile'], keyFile: values['etcd-keyfile'] },
    ...(embedded ? { embeddedEtcd: values.server !== undefined ? { join: { server: values.server, token: values.token! } } : {} } : {}),
    etcdClientPort: positiveInt('--etcd-client-port', values['etcd-client-port'])!,
    etcdPeerPort: positiveInt('--etcd-peer-port', values['etcd-peer-port'])!,
    advertiseAddress: values['advertise-address'],
    runtime,
    simulatedNodes: positiveInt('--simulated-nodes', values['simulated-nodes'], 0) ?? 1,
    disabled,
    serviceCIDR: values['service-cidr']!,
    nodePortRange: { from: Number(m[1]), to: Number(m[2]) },
    nodeMonitorGracePeriodS: positiveInt('--node-monitor-grace-period', values['node-monitor-grace-period'])!,
    leaseTimings: parseLeaseTimings(values['leader-elect-lease-duration']!, values['leader-elect-renew-deadline']!, values['leader-elect-retry-period']!),
    nodeName: values['node-name'],
    nodeIP: values['node-ip'],
    kubeletPort: positiveInt('--kubelet-port', values['kubelet-port'], 0)!,
    clusterCIDR: values['cluster-cidr']!,
    podNetwork,
    ingressHttpPort: positiveInt('--ingress-http-port', values['ingress-http-port'], 0)!,
    ingressHttpsPort: positiveInt('--ingress-https-port', values['ingress-https-port'], 0)!,
    tlsSANs: values['tls-san'],
    encryptionProviderConfig: values['encryption-provider-config'],
    watchCacheSize: positiveInt('--default-watch-cache-size', values['default-watch-cache-size']),
    maxTokenExpirationSeconds: positiveInt('--service-account-max-token-expiration', values['service-account-max-token-expiration'], 3600),
    logFormat,
    verbosity,
    nodeLoop,
    podSecurity,
    limits,
    audit,
    history,
  };
}

export async function runServer(argv: string[]): Promise<void> {
  // Long-lived signals and emitters are shared by many components (informers, queues, pod workers).
  setMaxListeners(200);
  const flags = parseServerFlags(resolveArgs(argv, serverOptions, process.env, { command: 'k8ts server' }));
  if (flags === 'help') {
    process.stdout.write(serverHelp.replace('<name> from: see --help', `one of ${CONTROLLER_NAMES.join(', ')}`));
    return;
  }
  applyLogFlags(flags);
  const t0 = performance.now();
  const serverLog = logger('server');
  const log = (msg: string): void => serverLog.info(msg);
  const withAgent = flags.runtime === 'oci' && !flags.disabled.has('agent');
  const problems = await preflight({ runtime: withAgent ? 'oci' : 'simulated', dataDir: flags.dataDir, ports: serverPorts(flags, withAgent) });
  if (problems.length) throw new CliError(problems.join('\nk8ts: '));
  try {
    if (ensurePrivateDir(flags.dataDir)) log(`the data dir ${flags.dataDir} was readable by others; it is 0700 now`);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const stateDb = join(flags.dataDir, 'state.db');
  const newCluster = !existsSync(join(flags.dataDir, 'VERSION')) && !existsSync(stateDb);
  writeDataVersion(flags.dataDir);
  // Keys, tokens and the datastore: 0600 and this user's, never symlinks. SQLite gives its -wal and
  // -shm files the database file's mode, so a new state.db is made 0600 before SQLite opens it.
  const fileProblems = privateDataFileProblems(flags.dataDir);
  if (fileProblems.length) throw new CliError(fileProblems.join('\nk8ts: '));
  // Embedded etcd (--cluster-init / --server): the member runs before the store opens on it.
  let etcd: import('../etcd/index.js').EmbeddedEtcd | undefined;
  // A data dir that holds an embedded member runs it again, whatever the flags (as k3s does).
  if (!flags.embeddedEtcd && flags.datastore === 'sqlite' && existsSync(join(flags.dataDir, 'etcd', 'member.json'))) {
    log(`${flags.dataDir} holds an embedded etcd member: running it as the datastore`);
    flags.embeddedEtcd = {};
  }
  if (flags.embeddedEtcd) {
    const { startEmbeddedEtcd } = await import('../etcd/index.js');
    try {
      etcd = await startEmbeddedEtcd({
        dataDir: flags.dataDir,
        nodeName: (flags.nodeName ?? hostname()).toLowerCase(),
        advertiseIP: flags.nodeIP ?? (flags.bindAddress !== '0.0.0.0' ? flags.bindAddress : defaultNodeIP()),
        clientPort: flags.etcdClientPort,
        peerPort: flags.etcdPeerPort,
        ...flags.embeddedEtcd,
      });
    } catch (e) {
      throw new CliError((e as Error).message.split('\n')[0]!);
    }
    log(`etcd member ${etcd.identity.name} running (client ${etcd.identity.clientURL}, peer ${etcd.identity.peerURL})`);
  }
  const datastore = etcd?.datastore ?? flags.datastore;
  if (datastore === 'sqlite' && !existsSync(stateDb)) createPrivateFile(stateDb);
  let store;
  try {
    store = openStore(datastore, flags.dataDir, { etcdTls: etcd?.tls ?? flags.etcdTls });
  } catch (e) {
    throw new CliError(`cannot open the ${flags.datastore} datastore in ${flags.dataDir}: ${(e as Error).message}`);
  }
  try {
    await storeReady(store);
  } catch (e) {
    await store.close();
    await etcd?.stop();
    throw new CliError((e as Error).message);
  }
  const encryption = await resolveEncryption({ flag: flags.encryptionProviderConfig, dataDir: flags.dataDir, datastore, newCluster }).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  if (encryption.config) {
    for (const line of encryption.config.describe()) log(`encryption at rest (${encryption.path}${encryption.generated ? ', new' : ''}): ${line}`);
  } else log(`encryption at rest is off: values are stored as they are (--encryption-provider-config FILE turns it on)`);
  const loopbackSocket = join(flags.dataDir, 'apiserver.sock');
  // Watches the other loops (below); /metrics serves every loop's metrics through it.
  const supervisor = new LoopSupervisor();
  collectProcessMetrics();
  let api;
  try {
    api = await startApiServer({
      store,
      dataDir: flags.dataDir,
      port: flags.port,
      bindAddress: flags.bindAddress,
      serviceCIDR: flags.serviceCIDR,
      nodePortRange: flags.nodePortRange,
      tlsSANs: flags.tlsSANs,
      watchCacheSize: flags.watchCacheSize,
      maxTokenExpirationSeconds: flags.maxTokenExpirationSeconds,
      loopbackSocket,
      metrics: () => supervisor.metrics(),
      admission: { podSecurity: flags.podSecurity },
      encryption: encryption.config,
      limits: flags.limits,
      audit: flags.audit,
      history: flags.history ?? false,
      // Pods reach the API through the `kubernetes` Service at this address.
      advertiseAddress: flags.advertiseAddress ?? (flags.runtime === 'oci' ? (flags.bindAddress !== '0.0.0.0' ? flags.bindAddress : flags.nodeIP ?? defaultNodeIP()) : undefined),
      // Agents join with the token in <data-dir>/node-token (k8ts agent --server URL --token …).
      ...(etcd ? { serverJoin: { credential: etcd.serverCredential, join: etcd.addServer } } : {}),
      join: flags.runtime === 'oci' ? { clusterCIDR: flags.clusterCIDR, serviceCIDR: flags.serviceCIDR, clusterDNS: cidrRange('serviceips', flags.serviceCIDR).nth(10), serverNodeName: withAgent ? (flags.nodeName ?? hostname()).toLowerCase() : undefined } : undefined,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    await etcd?.stop();
    if (err.code === 'EADDRINUSE') throw new CliError(`port ${flags.port} is already in use: stop the other server or pick another port with --port`);
    if ((e as { code?: string }).code === 'ERR_AUDIT_POLICY') throw new CliError((e as Error).message);
    if (flags.audit && err.path === flags.audit.logPath) throw new CliError(`cannot write the audit log ${flags.audit.logPath}: ${err.message} (--audit-log-path)`);
    if (err.code === 'EACCES') throw new CliError(`no permission to listen on port ${flags.port}: run as root or use a port above 1024`);
    throw e;
  }
  const kubeconfig = adminKubeconfig(api.url, api.pki);
  const kcPaths = [join(flags.dataDir, 'kubeconfig.yaml')];
  if (flags.writeKubeconfig) kcPaths.push(flags.writeKubeconfig);
  for (const p of kcPaths) {
    mkdirPrivate(dirname(p));
    writePrivateFile(p, kubeconfig);
  }
  log(`API server listening on ${api.url} (ready in ${Math.round(performance.now() - t0)} ms)`);

  // The controller manager and the scheduler run on a loop of their own (src/server/): one that
  // spins or crashes never stops the API server, the node, DNS or the Ingress. The node runs on
  // this loop unless --node-loop separate. Every part meets the API server on the loopback socket.
  const loop = (name: string): string => new URL(`../server/loops/${name}.js`, import.meta.url).href;
  const disabled = [...flags.disabled];
  const clusterDNS = cidrRange('serviceips', flags.serviceCIDR).nth(10);
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const client = new RestClient({ transport: { kind: 'unix', socketPath: loopbackSocket }, userAgent: 'k8ts-server' });
  const shutdown = async (): Promise<void> => {
    abort.abort();
    await supervisor.stop();
    client.close();
    await api.close();
    await store.close();
    await etcd?.stop();
  };
  try {
    if (!flags.disabled.has('controllers') || !flags.disabled.has('scheduler')) {
      const options: ControllersLoopOptions = {
        loopbackSocket,
        identity: `${hostname()}_${process.pid}`,
        disabled,
        clusterCIDR: flags.clusterCIDR,
        caPem: api.pki.ca.cert,
        nodeMonitorGracePeriodMs: flags.nodeMonitorGracePeriodS * 1000,
        leaseTimings: flags.leaseTimings,
        storageRoot: join(flags.dataDir, 'storage'),
      };
      await supervisor.start({ name: 'controllers', module: loop('controllers'), options });
    }
    if (flags.runtime === 'simulated' && !flags.disabled.has('agent') && flags.simulatedNodes > 0) {
      const options: NodeLoopOptions = { kind: 'simulated', loopbackSocket, count: flags.simulatedNodes };
      const spec = { name: 'node', module: loop('node'), options };
      await (flags.nodeLoop === 'separate' ? supervisor.start(spec) : supervisor.startInline(spec));
      log(`${flags.simulatedNodes} simulated node(s) registered`);
    } else if (withAgent) {
      const base = flags.clusterCIDR.split('/')[0].split('.');
      const options: NodeLoopOptions = {
        kind: 'oci',
        loopbackSocket,
        dataDir: flags.dataDir,
        pki: api.pki,
        nodeName: flags.nodeName,
        nodeIP: flags.nodeIP,
        podCIDR: `${base[0]}.${base[1]}.0.0/24`,
        clusterCIDR: flags.clusterCIDR,
        clusterDNS,
        kubeletPort: flags.kubeletPort,
        networkMode: flags.podNetwork,
        disabled,
        ingressHttpPort: flags.ingressHttpPort,
        ingressHttpsPort: flags.ingressHttpsPort,
      };
      const spec = { name: 'node', module: loop('node'), options };
      const node = (flags.nodeLoop === 'separate' ? await supervisor.start(spec) : await supervisor.startInline(spec)) as { nodeName: string; nodeIP: string; gatewayIP: string; kubeletPort: number };
      log(`node ${node.nodeName} (${node.nodeIP}) runs pods with runc; kubelet on port ${node.kubeletPort}`);
    }
  } catch (e) {
    await shutdown().catch(() => undefined);
    const msg = (e as Error).message;
    if (/EADDRINUSE/.test(msg)) throw new CliError(`${msg.split('\n')[0]}: a port is already in use (--kubelet-port, --ingress-http-port, --ingress-https-port pick others)`);
    throw new CliError(msg.split('\n')[0]);
  }
  const { startAutoDeploy } = await import('./auto-deploy.js');
  startAutoDeploy({ client, dir: join(flags.dataDir, 'manifests'), signal: abort.signal, log });
  log(`kubeconfig written to ${kcPaths.join(', ')}`);
  if (api.joinToken) {
    // The API server reaches every node's kubelet (logs, exec, port-forward), local or joined.
    const { createKubeletProxy, installUpgradeRouting } = await import('../apiserver/kubelet-proxy/index.js');
    const { ensureKubeletClientCert } = await import('../pki/kubelet-client-cert.js');
    const kc = await ensureKubeletClientCert(flags.dataDir, api.pki.ca);
    api.core.kubeletProxy = createKubeletProxy({ core: api.core, clientCert: kc.cert, clientKey: kc.key, caCert: api.pki.kubeletCa.cert + api.pki.ca.cert, kubeletPort: flags.kubeletPort }); // kubelet CA; the cluster CA for agents that joined before it existed
    installUpgradeRouting(api.server, api.core);
    log(`agents join with: k8ts agent --server https://${flags.nodeIP ?? defaultNodeIP()}:${api.port} --token $(cat ${join(flags.dataDir, 'node-token')})`);
  }

  if (etcd) log(`servers join with: k8ts server --server ${api.url} --token $(cat ${join(flags.dataDir, 'server-token')})`);
  onShutdownSignals(log, shutdown);
}
