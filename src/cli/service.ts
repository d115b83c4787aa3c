// `k8ts service NAME --url`: URLs that reach a Service from the host, like `minikube service
// --url`: `http://<node address>:<nodePort>` for NodePort services, the load-balancer address
// for LoadBalancer services.
import { parseArgs } from 'node:util';
import { CliError } from './errors.js';
import { kubeconfigClient } from './kube-client.js';
import { R } from '../client/index.js';
import { isNotFound } from '../api/status.js';
import type { Node, Service, ServiceSpec } from '../api/types/index.js';

export const serviceHelp = `Usage: k8ts service NAME --url [-n NAMESPACE] [--data-dir DIR | --kubeconfig FILE]

Prints the URLs that reach a NodePort or LoadBalancer Service from this host.
`;

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
  const { client, server } = kubeconfigClient({ kubeconfig: values.kubeconfig, dataDir: values['data-dir'] });
  try {
    const name = positionals[0];
    let svc: Service;
    try {
      svc = await client.get<Service>(R.services, values.namespace, name);
    } catch (e) {
      if (isNotFound(e)) throw new CliError(`service ${values.namespace}/${name} not found`);
      throw new CliError(`cannot reach the API server at ${server}: ${(e as Error).message}`);
    }
    const spec: ServiceSpec = svc.spec ?? {};
    const lb = (svc.status?.loadBalancer?.ingress ?? [])[0];
    const urls: string[] = [];
    if (spec.type === 'LoadBalancer' && lb && (lb.ip || lb.hostname)) {
      for (const p of spec.ports ?? []) urls.push(`http://${lb.ip ?? lb.hostname}:${p.port}`);
    } else if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      const nodes = await client.list<Node>(R.nodes);
      const addr = nodes.items
        .flatMap((n) => n.status?.addresses ?? [])
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
