// `k8ts service NAME --url`: URLs that reach a Service from the host, like `minikube service
// --url`: `http://<node address>:<nodePort>` for NodePort services, the load-balancer address
// for LoadBalancer services.
import { join } from 'node:path';
import { readFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { CliError } from './errors.js';
import { defaultDataDir } from './server.js';
import { RestClient } from '../client/rest-client.js';
import { R } from '../client/resources.js';
import { isNotFound } from '../api/status.js';

export const serviceHelp = `Usage: k8ts service NAME --url [-n NAMESPACE] [--data-dir DIR | --kubeconfig FILE]

Prints the URLs that reach a NodePort or LoadBalancer Service from this host.
`;

interface Kubeconfig {
  clusters: Array<{ cluster: { server: string; 'certificate-authority-data'?: string } }>;
  users: Array<{ user: { 'client-certificate-data'?: string; 'client-key-data'?: string; token?: string } }>;
}

export async function runService(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { url: { type: 'boolean' }, namespace: { type: 'string', short: 'n', default: 'default' }, 'data-dir': { type: 'string' }, kubeconfig: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals.length !== 1) {
    process.stdout.write(serviceHelp);
    if (!values.help) throw new CliError('k8ts service needs exactly one service name');
    return;
  }
  const kcPath = values.kubeconfig ?? (values['data-dir'] ? join(values['data-dir'], 'kubeconfig.yaml') : (process.env.KUBECONFIG ?? join(defaultDataDir(), 'kubeconfig.yaml')));
  if (!existsSync(kcPath)) throw new CliError(`no kubeconfig at ${kcPath}: start a server first (k8ts server), or pass --kubeconfig`);
  const kc = parseYaml(readFileSync(kcPath, 'utf8')) as Kubeconfig;
  const b64 = (s?: string): string | undefined => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);
  const client = new RestClient({
    transport: { kind: 'https', server: kc.clusters[0].cluster.server, ca: b64(kc.clusters[0].cluster['certificate-authority-data']), cert: b64(kc.users[0].user['client-certificate-data']), key: b64(kc.users[0].user['client-key-data']), token: kc.users[0].user.token },
    userAgent: 'k8ts-cli',
  });
  try {
    const name = positionals[0];
    let svc;
    try {
      svc = await client.get(R.services, values.namespace, name);
    } catch (e) {
      if (isNotFound(e)) throw new CliError(`service ${values.namespace}/${name} not found`);
      throw new CliError(`cannot reach the API server at ${kc.clusters[0].cluster.server}: ${(e as Error).message}`);
    }
    const spec = svc.spec as { type?: string; ports?: Array<{ port: number; nodePort?: number }> };
    const lb = ((svc.status as { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } } | undefined)?.loadBalancer?.ingress ?? [])[0];
    const urls: string[] = [];
    if (spec.type === 'LoadBalancer' && lb && (lb.ip || lb.hostname)) {
      for (const p of spec.ports ?? []) urls.push(`http://${lb.ip ?? lb.hostname}:${p.port}`);
    } else if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      const nodes = await client.list(R.nodes);
      const addr = nodes.items
        .flatMap((n) => (n.status as { addresses?: Array<{ type: string; address: string }> } | undefined)?.addresses ?? [])
        .find((a) => a.type === 'InternalIP')?.address;
      if (!addr) throw new CliError('no node has an InternalIP address yet');
      for (const p of spec.ports ?? []) if (p.nodePort) urls.push(`http://${addr}:${p.nodePort}`);
    } else {
      throw new CliError(`service ${values.namespace}/${name} has no node port (type ${spec.type ?? 'ClusterIP'}): expose it with --type=NodePort, or use kubectl port-forward svc/${name}`);
    }
    process.stdout.write(urls.join('\n') + '\n');
  } finally {
    client.close();
  }
}
