// Objects the API server itself keeps present (upstream's bootstrap controller): the
// system namespaces and the `kubernetes` Service with the first service IP.
import type { KObject } from '../api/types/index.js';
import { isAlreadyExists } from '../api/status.js';
import type { RequestContext } from './context.js';
import type { ApiServerCore } from './core.js';
import { LABEL_SERVICE_NAME, SYSTEM_NAMESPACES } from '../api/well-known.js';


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

/**
 * Points the `kubernetes` Service at this API server (upstream's endpoint reconciler, for one
 * server): Endpoints and an EndpointSlice with the advertised address and the real port, so
 * pods reach the API at https://kubernetes.default through the service proxy.
 */
/** Sets the `kubernetes` Endpoints and EndpointSlice to these API server addresses (sorted by the caller), all on `port`. */
export async function reconcileKubernetesEndpoints(core: ApiServerCore, ctx: RequestContext, address: string | readonly string[], port: number): Promise<void> {
  const addresses = typeof address === 'string' ? [address] : [...address];
  const endpoints = core.store('', 'endpoints');
  const subsets = addresses.length ? [{ addresses: addresses.map((ip) => ({ ip })), ports: [{ name: 'https', port, protocol: 'TCP' }] }] : [];
  const curEp = endpoints.tryGet('default', 'kubernetes');
  const labels = { 'endpointslice.kubernetes.io/skip-mirror': 'true' };
  if (!curEp) await createIgnoringExists(() => endpoints.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', labels }, subsets }, ctx));
  else if (JSON.stringify(curEp.obj.subsets) !== JSON.stringify(subsets)) await endpoints.update('default', 'kubernetes', (cur) => ({ ...cur, subsets }) as KObject, ctx);
  const slices = core.store('discovery.k8s.io', 'endpointslices');
  const slice = {
    addressType: 'IPv4',
    endpoints: addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
  const curSlice = slices.tryGet('default', 'kubernetes');
  if (!curSlice)
    await createIgnoringExists(() =>
      slices.create({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'kubernetes', namespace: 'default', labels: { [LABEL_SERVICE_NAME]: 'kubernetes' } }, ...slice }, ctx),
    );
  else if (JSON.stringify(curSlice.obj.endpoints) !== JSON.stringify(slice.endpoints) || JSON.stringify(curSlice.obj.ports) !== JSON.stringify(slice.ports)) await slices.update('default', 'kubernetes', (cur) => ({ ...cur, ...slice }) as KObject, ctx);
}

async function createIgnoringExists(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}
