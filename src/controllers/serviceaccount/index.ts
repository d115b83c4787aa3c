// ServiceAccounts (upstream serviceaccounts-controller and root-ca-cert-publisher): every
// active namespace has a `default` ServiceAccount and, when the cluster CA is known, a
// `kube-root-ca.crt` ConfigMap holding it. Both are recreated if deleted; the ConfigMap is
// put back if edited. Namespaces being deleted are left alone. Keys are namespace names.
import type { KObject, Namespace } from '../../api/types/index.js';
import { isAlreadyExists, isNotFound, isStatusError } from '../../api/status.js';
import { deepEqual } from '../../util/json.js';
import { Controller, isRealUpdate } from '../../client/controller.js';
import {
  type ControllerContext, type ControllerRegistration, isDeletedFinalStateUnknown, type Lister, R,
  type ApiClient,
} from '../../client/index.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const ROOT_CA_KEY = 'ca.crt';
export const ANNOTATION_DESCRIPTION = 'kubernetes.io/description';
export const ROOT_CA_DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface ServiceAccountOptions {
  /** PEM of the API server's CA, published as `kube-root-ca.crt`; without it no ConfigMap is published. */
  caPem?: string;
  workers?: number;
}

/** The ConfigMap to write, or undefined when `current` already carries the CA and description. */
export function desiredRootCA(namespace: string, caPem: string, current: Readonly<KObject> | undefined): KObject | undefined {
  const data = { [ROOT_CA_KEY]: caPem };
  if (current && deepEqual(current.data, data) && current.metadata.annotations?.[ANNOTATION_DESCRIPTION]) return undefined;
  const metadata: KObject['metadata'] = current
    ? { ...current.metadata, annotations: { ...(current.metadata.annotations ?? {}), [ANNOTATION_DESCRIPTION]: ROOT_CA_DESCRIPTION }, managedFields: undefined }
    : { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [ANNOTATION_DESCRIPTION]: ROOT_CA_DESCRIPTION } };
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data };
}

/** Creating in a terminating or vanished namespace is expected during deletion. */
function isNamespaceGoingAway(err: unknown): boolean {
  return isNotFound(err) || (isStatusError(err) && err.code === 403 && !!err.status.details?.causes?.some((c) => c.reason === 'NamespaceTerminating'));
}

export class ServiceAccountsController {
  readonly controller: Controller;
  private readonly client: ApiClient;
  private readonly namespaces: Lister<Namespace>;
  private readonly serviceAccounts: Lister;
  private readonly configMaps?: Lister;

  constructor(ctx: ControllerContext, private readonly opts: ServiceAccountOptions = {}) {
    this.client = ctx.client;
    const nsInf = ctx.informers.informerFor<Namespace>(R.namespaces);
    const saInf = ctx.informers.informerFor(R.serviceaccounts);
    this.namespaces = nsInf.lister;
    this.serviceAccounts = saInf.lister;
    this.controller = new Controller({
      name: 'serviceaccount', workers: opts.workers ?? 3, signal: ctx.signal, clock: ctx.clock,
      waitFor: opts.caPem ? [nsInf, saInf, ctx.informers.informerFor(R.configmaps)] : [nsInf, saInf],
      reconcile: (key) => this.reconcile(key),
    });
    const c = this.controller;
    const byNamespace = (o: Readonly<KObject> | { obj: Readonly<KObject> }): void => {
      const obj = isDeletedFinalStateUnknown<KObject>(o) ? o.obj : (o as Readonly<KObject>);
      if (obj.metadata.namespace) c.enqueue(obj.metadata.namespace);
    };
    nsInf.addEventHandler({
      onAdd: (ns) => c.enqueue(ns.metadata.name ?? ''),
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) c.enqueue(n.metadata.name ?? ''); },
    });
    saInf.addEventHandler({
      onDelete: (o) => {
        const obj = isDeletedFinalStateUnknown<KObject>(o) ? o.obj : o;
        if (obj.metadata.name === DEFAULT_SERVICE_ACCOUNT) byNamespace(obj);
      },
    });
    if (opts.caPem) {
      const cmInf = ctx.informers.informerFor(R.configmaps);
      this.configMaps = cmInf.lister;
      const mine = (o: Readonly<KObject>): boolean => o.metadata.name === ROOT_CA_CONFIGMAP;
      cmInf.addEventHandler({
        onUpdate: (o, n) => { if (isRealUpdate(o, n) && mine(n)) byNamespace(n); },
        onDelete: (o) => { const obj = isDeletedFinalStateUnknown<KObject>(o) ? o.obj : o; if (mine(obj)) byNamespace(obj); },
      });
    }
  }

  async reconcile(namespace: string): Promise<void> {
    const ns = this.namespaces.get(undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    if (ns.status?.phase === 'Terminating') return;
    if (!this.serviceAccounts.get(namespace, DEFAULT_SERVICE_ACCOUNT)) {
      await this.create(R.serviceaccounts, namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } });
    }
    if (this.opts.caPem && this.configMaps) {
      const current = this.configMaps.get(namespace, ROOT_CA_CONFIGMAP);
      const next = desiredRootCA(namespace, this.opts.caPem, current);
      if (!next) return;
      if (current) await this.client.update(R.configmaps, namespace, next);
      else await this.create(R.configmaps, namespace, next);
    }
  }

  private async create(res: typeof R.configmaps, namespace: string, obj: KObject): Promise<void> {
    try {
      await this.client.create(res, namespace, obj);
    } catch (err) {
      if (isAlreadyExists(err) || isNamespaceGoingAway(err)) return;
      throw err;
    }
  }
}

/** The registration with the cluster CA to publish. */
export function serviceAccountRegistration(opts: ServiceAccountOptions): ControllerRegistration {
  return {
    name: 'serviceaccount',
    register(ctx) {
      new ServiceAccountsController(ctx, opts).controller.run();
    },
  };
}
