// The EndpointSlice controller (upstream pkg/controller/endpointslice): keeps the
// discovery.k8s.io/v1 EndpointSlices of every service with a selector. Slices carry the
// `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by` labels and a
// controller ownerReference to the service, so the garbage collector removes them with it.
import type { EndpointSlice, Node, Pod, Service } from '../../api/types/index.js';
import { isNotFound } from '../../api/status.js';
import { labelSelectorFromSet, matchesLabels } from '../../api/selectors/index.js';
import { Controller, isRealUpdate, enqueueSelf } from '../../client/controller.js';
import {
  type Clock, type ControllerContext, type ControllerRegistration, isDeletedFinalStateUnknown,
  splitKey, type Lister, R, type ApiClient,
} from '../../client/index.js';
import { enqueueSelectingServices, hasManagedEndpoints, isNamespaceTerminating, lastChangeTriggerTime, serviceSpec } from '../endpoints/index.js';
import { CONTROLLER_NAME, desiredEndpointGroups, reconcileSlices } from './desired.js';
import { LABEL_ENDPOINTSLICE_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_TOPOLOGY_ZONE } from '../../api/well-known.js';

export * from './desired.js';

const SLICES_BY_SERVICE = 'endpointslice/by-service';
/** How long to wait for our own created slices to show up in the cache before giving up on them. */
const CREATE_EXPECTATION_TIMEOUT_MS = 10_000;

function managedServiceKey(slice: Readonly<EndpointSlice>): string | undefined {
  const labels = slice.metadata.labels ?? {};
  if (labels[LABEL_ENDPOINTSLICE_MANAGED_BY] !== CONTROLLER_NAME || !labels[LABEL_SERVICE_NAME]) return undefined;
  return `${slice.metadata.namespace}/${labels[LABEL_SERVICE_NAME]}`;
}

export class EndpointSliceController {
  readonly controller: Controller;
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly services: Lister<Service>;
  private readonly pods: Lister<Pod>;
  private readonly slices: Lister<EndpointSlice>;
  private readonly nodes: Lister<Node>;
  /** Slices we created that the cache has not shown yet, per service key (name → created at). */
  private readonly expectedCreates = new Map<string, Map<string, number>>();

  constructor(ctx: ControllerContext, opts: { workers?: number } = {}) {
    this.client = ctx.client;
    this.clock = ctx.clock;
    const svcInf = ctx.informers.informerFor<Service>(R.services);
    const podInf = ctx.informers.informerFor<Pod>(R.pods);
    const sliceInf = ctx.informers.informerFor<EndpointSlice>(R.endpointslices);
    const nodeInf = ctx.informers.informerFor<Node>(R.nodes);
    sliceInf.addIndexer(SLICES_BY_SERVICE, (s) => { const k = managedServiceKey(s); return k ? [k] : []; });
    this.services = svcInf.lister;
    this.pods = podInf.lister;
    this.slices = sliceInf.lister;
    this.nodes = nodeInf.lister;
    this.controller = new Controller({
      name: 'endpointslice', workers: opts.workers ?? 5, signal: ctx.signal, clock: ctx.clock,
      waitFor: [svcInf, podInf, sliceInf, nodeInf],
      reconcile: (key) => this.reconcile(key),
    });
    const c = this.controller;
    svcInf.addEventHandler(enqueueSelf(c));
    podInf.addEventHandler(enqueueSelectingServices(c, this.services));
    const onSlice = (s: Readonly<EndpointSlice>): void => { const k = managedServiceKey(s); if (k) c.enqueue(k); };
    sliceInf.addEventHandler({
      onAdd: onSlice,
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) onSlice(n); },
      onDelete: (s) => {
        const obj = isDeletedFinalStateUnknown<EndpointSlice>(s) ? s.obj : s;
        const k = managedServiceKey(obj);
        if (k) this.expectedCreates.get(k)?.delete(obj.metadata.name ?? '');
        onSlice(obj);
      },
    });
  }

  /** True while slices we created are still missing from the cache (acting now would duplicate them). */
  private awaitingCreates(key: string): boolean {
    const expected = this.expectedCreates.get(key);
    if (!expected) return false;
    const { namespace } = splitKey(key);
    const now = this.clock.now();
    for (const [name, at] of expected) {
      if (this.slices.get(namespace, name) || now - at > CREATE_EXPECTATION_TIMEOUT_MS) expected.delete(name);
    }
    if (expected.size === 0) this.expectedCreates.delete(key);
    return expected.size > 0;
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(namespace, name);
    // Deleted services: their slices go with them through the garbage collector.
    if (!svc || svc.metadata.deletionTimestamp || !hasManagedEndpoints(svc)) return;
    if (this.awaitingCreates(key)) {
      this.controller.enqueueAfter(key, 100);
      return;
    }
    const selector = labelSelectorFromSet(serviceSpec(svc).selector ?? undefined);
    const pods = this.pods.list(namespace, (p) => matchesLabels(selector, p.metadata.labels ?? {}));
    const zoneOf = (node: string): string | undefined => this.nodes.get(undefined, node)?.metadata.labels?.[LABEL_TOPOLOGY_ZONE];
    const groups = desiredEndpointGroups(svc, pods, zoneOf);
    const existing = this.slices.byIndex(SLICES_BY_SERVICE, key)
      .filter((s) => s.metadata.ownerReferences?.some((r) => r.uid === svc.metadata.uid) ?? false);
    const plan = reconcileSlices(svc, groups, existing, lastChangeTriggerTime(svc, pods));
    // Slices owned by an older incarnation of the service are stale too.
    for (const s of this.slices.byIndex(SLICES_BY_SERVICE, key)) if (!existing.includes(s)) plan.delete.push(s);
    for (const s of plan.update) await this.client.update(R.endpointslices, namespace, s);
    for (const s of plan.create) {
      try {
        const created = await this.client.create(R.endpointslices, namespace, s);
        let expected = this.expectedCreates.get(key);
        if (!expected) this.expectedCreates.set(key, (expected = new Map()));
        expected.set(created.metadata.name ?? '', this.clock.now());
      } catch (err) {
        if (isNotFound(err) || isNamespaceTerminating(err)) return;
        throw err;
      }
    }
    for (const s of plan.delete) {
      try {
        await this.client.delete(R.endpointslices, namespace, s.metadata.name ?? '', { preconditions: { uid: s.metadata.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

export const registration: ControllerRegistration = {
  name: 'endpointslice',
  register(ctx) {
    new EndpointSliceController(ctx).controller.run();
  },
};
