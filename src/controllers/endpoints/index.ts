// The Endpoints controller (upstream pkg/controller/endpoint): keeps, for every service
// with a selector, an Endpoints object of the same name listing the selected pods' IPs.
// Services without a selector (and ExternalName services) are left alone: their Endpoints
// belong to the user, and `default/kubernetes` to the API server.
import type { Endpoints, Pod, Service } from '../../api/types/index.js';
import { isAlreadyExists, isNotFound, isStatusError } from '../../api/status.js';
import { logger } from '../../util/log.js';
import { labelSelectorFromSet, matchesLabels } from '../../api/selectors/index.js';
import { Controller, enqueueObject, isRealUpdate, enqueueSelf } from '../../client/controller.js';
import {
  type ControllerContext, type ControllerRegistration, isDeletedFinalStateUnknown, splitKey,
  type EventHandler, type Lister, R, type ApiClient,
} from '../../client/index.js';
import { desiredEndpoints } from './desired.js';
import { hasManagedEndpoints, serviceSpec } from './pod-endpoints.js';

export * from './pod-endpoints.js';
export {
  desiredEndpoints, desiredSubsets, repackSubsets, truncateSubsets, MAX_ENDPOINTS_CAPACITY,
  ANNOTATION_OVER_CAPACITY,
} from './desired.js';

export const CONTROLLER_NAME = 'endpoint-controller';
const log = logger(CONTROLLER_NAME);

/** Creating in a namespace that is being deleted is refused (403, cause NamespaceTerminating). */
export function isNamespaceTerminating(err: unknown): boolean {
  return isStatusError(err) && err.code === 403 && !!err.status.details?.causes?.some((c) => c.reason === 'NamespaceTerminating');
}

/** Services in the pod's namespace whose selector matches `labels`. */
export function servicesSelecting(services: Lister<Service>, namespace: string | undefined, labels: Readonly<Record<string, string>> | undefined): Readonly<Service>[] {
  if (!namespace) return [];
  return services.list(namespace, (svc) => {
    if (!hasManagedEndpoints(svc)) return false;
    return matchesLabels(labelSelectorFromSet(serviceSpec(svc).selector ?? undefined), labels ?? {});
  });
}

/**
 * Pod handler of the endpoints controllers: a pod change enqueues every Service selecting the
 * pod (before and after a label change).
 */
export function enqueueSelectingServices(c: Controller, services: Lister<Service>): EventHandler<Pod> {
  const enqueue = (pod: Readonly<Pod>): void => {
    for (const svc of servicesSelecting(services, pod.metadata.namespace, pod.metadata.labels)) enqueueObject(c, svc);
  };
  return {
    onAdd: enqueue,
    onUpdate: (o, n) => {
      if (!isRealUpdate(o, n)) return;
      enqueue(n);
      if (o.metadata.labels !== n.metadata.labels) enqueue(o);
    },
    onDelete: (p) => enqueue(isDeletedFinalStateUnknown<Pod>(p) ? p.obj : p),
  };
}

export class EndpointsController {
  readonly controller: Controller;
  private readonly client: ApiClient;
  private readonly services: Lister<Service>;
  private readonly pods: Lister<Pod>;
  private readonly endpoints: Lister<Endpoints>;

  constructor(ctx: ControllerContext, opts: { workers?: number } = {}) {
    this.client = ctx.client;
    const svcInf = ctx.informers.informerFor<Service>(R.services);
    const podInf = ctx.informers.informerFor<Pod>(R.pods);
    const epInf = ctx.informers.informerFor<Endpoints>(R.endpoints);
    this.services = svcInf.lister;
    this.pods = podInf.lister;
    this.endpoints = epInf.lister;
    this.controller = new Controller({
      name: CONTROLLER_NAME, workers: opts.workers ?? 5, signal: ctx.signal, clock: ctx.clock,
      waitFor: [svcInf, podInf, epInf],
      reconcile: (key) => this.reconcile(key),
    });
    const c = this.controller;
    svcInf.addEventHandler(enqueueSelf(c));
    podInf.addEventHandler(enqueueSelectingServices(c, this.services));
    // A deleted or edited Endpoints of a managed service is put back.
    epInf.addEventHandler({
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) enqueueObject(c, n); },
      onDelete: (o) => enqueueObject(c, o),
    });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(namespace, name);
    if (!svc) {
      // The service is gone: so is its Endpoints (whoever created it).
      if (!this.endpoints.get(namespace, name)) return;
      try {
        await this.client.delete(R.endpoints, namespace, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (!hasManagedEndpoints(svc)) return;
    const selector = labelSelectorFromSet(serviceSpec(svc).selector ?? undefined);
    const pods = this.pods.list(namespace, (p) => matchesLabels(selector, p.metadata.labels ?? {}));
    const current = this.endpoints.get(namespace, name);
    const next = desiredEndpoints(svc, pods, current);
    if (!next) return;
    if (current) {
      await this.client.update(R.endpoints, namespace, next);
      return;
    }
    try {
      await this.client.create(R.endpoints, namespace, next);
    } catch (err) {
      // Namespace gone or terminating: nothing to publish.
      if (isNotFound(err) || isNamespaceTerminating(err)) return;
      // AlreadyExists: our cache has not shown it yet (an Endpoints left from before a
      // restart, or written by someone else meanwhile). Not a failure: look again once the
      // cache caught up, then it is an update. Upstream retries it the same way.
      if (isAlreadyExists(err)) {
        log.v(4, `endpoints ${key} exist but are not in the cache yet; looking again`);
        this.controller.requeueRateLimited(key);
        return;
      }
      throw err;
    }
  }
}

export const registration: ControllerRegistration = {
  name: 'endpoints',
  register(ctx) {
    new EndpointsController(ctx).controller.run();
  },
};
