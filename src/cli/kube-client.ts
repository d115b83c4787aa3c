// A REST client from a kubeconfig, for CLI verbs that talk to a running server (token):
// --kubeconfig FILE, else <--data-dir>/kubeconfig.yaml, else $KUBECONFIG, else the default data dir's.
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CliError } from './errors.js';
import { defaultDataDir } from './server.js';
import { RestClient } from '../client/rest-client.js';

interface Kubeconfig {
  clusters: Array<{ cluster: { server: string; 'certificate-authority-data'?: string } }>;
  users: Array<{ user: { 'client-certificate-data'?: string; 'client-key-data'?: string; token?: string } }>;
}

export interface KubeconfigClient {
  client: RestClient;
  server: string;
  /** The cluster CA (PEM) the kubeconfig trusts, when it names one. */
  caPem?: string;
}

export function kubeconfigClient(o: { kubeconfig?: string; dataDir?: string }, userAgent = 'k8ts-cli'): KubeconfigClient {
  const kcPath = o.kubeconfig ?? (o.dataDir ? join(o.dataDir, 'kubeconfig.yaml') : (process.env.KUBECONFIG ?? join(defaultDataDir(), 'kubeconfig.yaml')));
  if (!existsSync(kcPath)) throw new CliError(`no kubeconfig at ${kcPath}: start a server first (k8ts server), or pass --kubeconfig`);
  const kc = parseYaml(readFileSync(kcPath, 'utf8')) as Kubeconfig;
  const b64 = (s?: string): string | undefined => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);
  const server = kc.clusters[0].cluster.server;
  const caPem = b64(kc.clusters[0].cluster['certificate-authority-data']);
  const user = kc.users[0].user;
  const client = new RestClient({
    transport: { kind: 'https', server, ca: caPem, cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']), token: user.token },
    userAgent,
  });
  return { client, server, caPem };
}
