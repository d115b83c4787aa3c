// Objects the API server itself keeps present (upstream's bootstrap controller): the
// system namespaces and the `kubernetes` Service with the first service IP.
import type { KObject } from '../api/types.js';
import { isAlreadyExists } from '../api/status.js';
import type { RequestContext } from './context.js';
import type { ApiServerCore } from './core.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function bootstrapObjects(core: ApiServerCore, ctx: RequestContext, kubernetesServiceIP: string): Promise<void> {
  const namespaces = core.store('', 'namespaces');
  for (const name of SYSTEM_NAMESPACES) {
    if (namespaces.tryGet(undefined, name)) continue;
    await createIgnoringExists(() => namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, ctx));
  }
  const services = core.store('', 'services');
  if (!services.tryGet('default', 'kubernetes')) {
    const svc: KObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: kubernetesServiceIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None' },
    };
    await createIgnoringExists(() => services.create(svc, ctx));
  }
}

async function createIgnoringExists(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}
