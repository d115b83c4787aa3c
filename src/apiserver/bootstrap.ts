// Objects the API server itself keeps present (upstream's bootstrap controller): the
// system namespaces and the `kubernetes` Service with the first service IP.
import type { KObject } from '../api/types.js';
import { isAlreadyExists } from '../api/status.js';
import type { RequestContext } from './context.js';
import type { ApiServerCore } from './core.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Upstream's built-in priority classes for critical system pods. */
const SYSTEM_PRIORITY_CLASSES: Array<[string, number, string]> = [
  ['system-node-critical', 2000001000, 'Used for system critical pods that must not be moved from their current node.'],
  ['system-cluster-critical', 2000000000, 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.'],
];

export async function bootstrapObjects(core: ApiServerCore, ctx: RequestContext, kubernetesServiceIP: string): Promise<void> {
  const namespaces = core.store('', 'namespaces');
  for (const name of SYSTEM_NAMESPACES) {
    if (namespaces.tryGet(undefined, name)) continue;
    await createIgnoringExists(() => namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, ctx));
  }
  const priorityClasses = core.store('scheduling.k8s.io', 'priorityclasses');
  for (const [name, value, description] of SYSTEM_PRIORITY_CLASSES) {
    if (priorityClasses.tryGet(undefined, name)) continue;
    await createIgnoringExists(() =>
      priorityClasses.create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, description, preemptionPolicy: 'PreemptLowerPriority' }, ctx),
    );
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
