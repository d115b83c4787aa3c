// Reading kubeconfig files (client-go clientcmd, the parts k8ts uses): parse the YAML, pick
// the context (the given one, else current-context, else the first entries of a file that
// names none, which is how our own single-cluster admin kubeconfig reads), and turn its
// cluster and user into the REST client's transport. Certificate and key files named by path
// are read relative to the kubeconfig's folder, as kubectl does. Writing and merging
// kubeconfigs stays with the CLI (src/cli/kubeconfig.ts), which keeps comments and order.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Transport } from './rest-client.js';

export interface KubeconfigCluster {
  server?: string;
  'certificate-authority-data'?: string;
  'certificate-authority'?: string;
  'insecure-skip-tls-verify'?: boolean;
  [k: string]: unknown;
}

export interface KubeconfigUser {
  'client-certificate-data'?: string;
  'client-certificate'?: string;
  'client-key-data'?: string;
  'client-key'?: string;
  token?: string;
  [k: string]: unknown;
}

export interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
  [k: string]: unknown;
}

export interface Kubeconfig {
  clusters?: Array<{ name?: string; cluster?: KubeconfigCluster }>;
  users?: Array<{ name?: string; user?: KubeconfigUser }>;
  contexts?: Array<{ name?: string; context?: KubeconfigContext }>;
  'current-context'?: string;
  [k: string]: unknown;
}

export class KubeconfigError extends Error {
  readonly code = 'K8TS_KUBECONFIG_INVALID';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KubeconfigError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The kubeconfig in `text`; throws KubeconfigError when it is not YAML or not a mapping. */
export function parseKubeconfig(text: string): Kubeconfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new KubeconfigError(`the kubeconfig is not valid YAML: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  if (doc === null || doc === undefined) return {};
  if (!isRecord(doc)) throw new KubeconfigError('the kubeconfig is not a YAML mapping');
  for (const section of ['clusters', 'users', 'contexts'] as const) {
    if (doc[section] !== undefined && doc[section] !== null && !Array.isArray(doc[section])) throw new KubeconfigError(`the kubeconfig's ${section} is not a list`);
  }
  return doc as Kubeconfig;
}

export interface SelectedContext {
  /** The context's name; undefined when the file names no context and its first entries were used. */
  contextName?: string;
  clusterName?: string;
  cluster: KubeconfigCluster;
  userName?: string;
  user: KubeconfigUser;
  namespace?: string;
}

/**
 * The cluster and user of context `name`, else of current-context; a file without contexts (or
 * without a current one) gives its first cluster and user. Throws KubeconfigError when the
 * named context, or the cluster it names, is missing. A missing user reads as no credentials.
 */
export function selectContext(kc: Readonly<Kubeconfig>, name?: string): SelectedContext {
  const wanted = name ?? kc['current-context'];
  if (wanted) {
    const ctx = kc.contexts?.find((c) => c?.name === wanted)?.context;
    if (!ctx) throw new KubeconfigError(`context "${wanted}" is not in the kubeconfig`);
    const cluster = kc.clusters?.find((c) => c?.name === ctx.cluster)?.cluster;
    if (!cluster) throw new KubeconfigError(`cluster "${ctx.cluster ?? ''}" of context "${wanted}" is not in the kubeconfig`);
    const user = kc.users?.find((u) => u?.name === ctx.user)?.user ?? {};
    return { contextName: wanted, clusterName: ctx.cluster, cluster, userName: ctx.user, user, namespace: ctx.namespace };
  }
  const first = kc.clusters?.[0];
  if (!first?.cluster) throw new KubeconfigError('the kubeconfig has no cluster');
  const u = kc.users?.[0];
  return { clusterName: first.name, cluster: first.cluster, userName: u?.name, user: u?.user ?? {} };
}

export interface TransportOptions {
  /** Context to use instead of current-context. */
  context?: string;
  /** Folder that relative certificate paths are read from (the kubeconfig's folder). */
  baseDir?: string;
}

/** The REST client transport for a context of `kc` (see selectContext). */
export function transportFromKubeconfig(kc: Readonly<Kubeconfig>, o: TransportOptions = {}): Transport & { kind: 'https' } {
  const { cluster, user } = selectContext(kc, o.context);
  if (!cluster.server) throw new KubeconfigError('the kubeconfig\'s cluster has no server');
  const pem = (data: string | undefined, file: string | undefined, what: string): string | undefined => {
    if (data) return Buffer.from(data, 'base64').toString('utf8');
    if (!file) return undefined;
    const path = isAbsolute(file) || !o.baseDir ? file : resolve(o.baseDir, file);
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw new KubeconfigError(`cannot read the ${what} ${path}: ${(e as Error).message}`, { cause: e });
    }
  };
  return {
    kind: 'https',
    server: cluster.server,
    ca: pem(cluster['certificate-authority-data'], cluster['certificate-authority'], 'certificate authority'),
    cert: pem(user['client-certificate-data'], user['client-certificate'], 'client certificate'),
    key: pem(user['client-key-data'], user['client-key'], 'client key'),
    token: user.token || undefined,
    insecureSkipVerify: cluster['insecure-skip-tls-verify'] === true ? true : undefined,
  };
}

/** Reads the kubeconfig at `path` and returns the transport for its current (or given) context. */
export function loadKubeconfigTransport(path: string, context?: string): Transport & { kind: 'https' } {
  return transportFromKubeconfig(parseKubeconfig(readFileSync(path, 'utf8')), { context, baseDir: dirname(path) });
}
