// A REST client from a kubeconfig, for CLI verbs that talk to a running server (token):
// --kubeconfig FILE, else <--data-dir>/kubeconfig.yaml, else $KUBECONFIG, else the default data dir's.
// The kubeconfig is read by the one reader, client/kubeconfig.ts (current-context, file paths).
import { delimiter, join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { CliError } from './errors.js';
import { defaultDataDir } from './server.js';
import { RestClient } from '../client/rest-client.js';
import { loadKubeconfigTransport, parseKubeconfig, selectContext } from '../client/kubeconfig.js';

export interface KubeconfigClient {
  client: RestClient;
  server: string;
  /** The cluster CA (PEM) the kubeconfig trusts, when it names one. */
  caPem?: string;
  /** The kubeconfig file used. */
  path: string;
  /** The current context's namespace, which kubectl defaults to; "default" when it names none. */
  namespace: string;
}

export function kubeconfigClient(o: { kubeconfig?: string; dataDir?: string }, userAgent = 'k8ts-cli'): KubeconfigClient {
  const kcPath = o.kubeconfig ?? (o.dataDir ? join(o.dataDir, 'kubeconfig.yaml') : (process.env.KUBECONFIG?.split(delimiter).find(Boolean) ?? join(defaultDataDir(), 'kubeconfig.yaml')));
  if (!existsSync(kcPath)) throw new CliError(`no kubeconfig at ${kcPath}: start a server first (k8ts server), or pass --kubeconfig`);
  let transport;
  try {
    transport = loadKubeconfigTransport(kcPath);
  } catch (e) {
    throw new CliError(`cannot use the kubeconfig ${kcPath}: ${(e as Error).message}`);
  }
  return { client: new RestClient({ transport, userAgent }), server: transport.server, caPem: transport.ca, path: kcPath, namespace: contextNamespace(kcPath) };
}

function contextNamespace(path: string): string {
  try {
    return selectContext(parseKubeconfig(readFileSync(path, 'utf8'))).namespace || 'default';
  } catch {
    return 'default'; // the transport above read it already; a context without a namespace is the common case
  }
}
