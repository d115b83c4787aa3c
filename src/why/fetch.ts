// The thin I/O layer: reads the subject and what its chain needs through the API with the
// user's credentials, then hands plain objects to the pure diagnosis. Lists the user may not
// read are skipped and named (RBAC decides what `why` can see); the subject itself must be
// readable, else the answer is a one-line WhyInputError.
import type { EndpointSlice, Event, Ingress, KList, KObject, PersistentVolume, Pod, ReplicaSet, Service, StorageClass } from '../api/types/index.js';
import { isForbidden, isNotFound, isStatusError } from '../api/status.js';
import { formatLabelSelector } from '../api/selectors/index.js';
import { LABEL_SERVICE_NAME } from '../api/well-known.js';
import { R, type ListOptions, type ResourceRef } from '../client/index.js';
import { logsWanted, logKey, LOG_TAIL_LINES, type LogRequest } from './pod.js';
import { ingressServices } from './network.js';
import { WhyInputError, type WhyTarget } from './resolve.js';
import { resourcePath, toError } from '../client/rest-client.js';
import { diagnose } from './diagnose.js';
import type { WhyFacts, WhyKind, WhySubject } from './types.js';

/** What the fetch layer needs from a client: the REST client implements it; tests fake it. */
export interface WhySource {
  get<T extends KObject>(res: ResourceRef, namespace: string | undefined, name: string): Promise<T>;
  list<T extends KObject>(res: ResourceRef, namespace?: string, opts?: ListOptions): Promise<KList<T>>;
  /** The last `lines` lines a container printed (its previous instance when `previous`). */
  logTail(r: LogRequest, lines: number): Promise<string>;
}

const REF: Record<WhyKind, ResourceRef> = {
  pod: R.pods, deployment: R.deployments, replicaset: R.replicasets, statefulset: R.statefulsets, daemonset: R.daemonsets,
  job: R.jobs, service: R.services, ingress: R.ingresses, persistentvolumeclaim: R.persistentvolumeclaims, node: R.nodes,
};

export async function fetchFacts(src: WhySource, target: WhyTarget, namespace: string): Promise<{ subject: WhySubject; facts: WhyFacts }> {
  const ref = REF[target.kind];
  const ns = ref.namespaced ? namespace : undefined;
  let object: KObject;
  try {
    object = await src.get(ref, ns, target.name);
  } catch (e) {
    const where = ns ? ` in namespace ${ns}` : '';
    if (isNotFound(e)) throw new WhyInputError(`${target.kind} "${target.name}" not found${where}`);
    if (isForbidden(e)) throw new WhyInputError(`you may not read ${ref.resource}${where}: ${(e as Error).message}`);
    throw e;
  }
  const subject = { kind: target.kind, object } as WhySubject;
  const unreadable: string[] = [];
  const list = async <T extends KObject>(r: ResourceRef, what: string, opts?: ListOptions, listNs = ns): Promise<T[]> => {
    try {
      return (await src.list<T>(r, listNs, opts)).items;
    } catch (e) {
      if (isForbidden(e)) {
        unreadable.push(what);
        return [];
      }
      throw e;
    }
  };
  const selectorOf = (o: KObject): ListOptions | undefined => {
    const sel = formatLabelSelector((o as { spec?: { selector?: never } }).spec?.selector);
    return sel === '<none>' || sel === '<error>' ? undefined : { labelSelector: sel };
  };
  let pods: Pod[] = [];
  let replicaSets: ReplicaSet[] = [];
  let services: Service[] = [];
  let endpointSlices: EndpointSlice[] = [];
  let persistentVolumes: PersistentVolume[] = [];
  let storageClasses: StorageClass[] = [];
  switch (target.kind) {
    case 'pod':
      pods = [object as Pod];
      break;
    case 'deployment': {
      const opts = selectorOf(object);
      [replicaSets, pods] = await Promise.all([list<ReplicaSet>(R.replicasets, 'replicasets', opts), list<Pod>(R.pods, 'pods', opts)]);
      break;
    }
    case 'replicaset': case 'statefulset': case 'daemonset': case 'job':
      pods = await list<Pod>(R.pods, 'pods', selectorOf(object));
      break;
    case 'service':
      [pods, endpointSlices] = await Promise.all([list<Pod>(R.pods, 'pods'), list<EndpointSlice>(R.endpointslices, 'endpointslices', { labelSelector: `${LABEL_SERVICE_NAME}=${target.name}` })]);
      break;
    case 'ingress': {
      const wanted = new Set(ingressServices(object as Ingress));
      [services, pods, endpointSlices] = await Promise.all([list<Service>(R.services, 'services'), list<Pod>(R.pods, 'pods'), list<EndpointSlice>(R.endpointslices, 'endpointslices')]);
      endpointSlices = endpointSlices.filter((s) => wanted.has(s.metadata.labels?.[LABEL_SERVICE_NAME] ?? ''));
      break;
    }
    case 'persistentvolumeclaim':
      [persistentVolumes, storageClasses] = await Promise.all([list<PersistentVolume>(R.persistentvolumes, 'persistentvolumes', undefined, undefined), list<StorageClass>(R.storageclasses, 'storageclasses', undefined, undefined)]);
      break;
    case 'node':
      pods = await list<Pod>(R.pods, 'pods (all namespaces)', { fieldSelector: `spec.nodeName=${target.name}` }, undefined);
      break;
    default: {
      const never: never = target.kind;
      throw new Error(`unhandled kind ${String(never)}`);
    }
  }
  const objects: WhyFacts = { pods, events: [], replicaSets, services, endpointSlices, nodes: [], persistentVolumes, storageClasses, logs: new Map(), unreadable };
  // Events and logs are only evidence: a healthy answer needs neither, and on a big namespace the
  // events are the largest read (thousands of Scheduled/Pulled/Started), so they come second.
  if (diagnose(subject, objects).healthy) return { subject, facts: objects };
  // A pod's own events in full; for a workload or a Service the Warnings of the namespace (every
  // cause the diagnosis reads — FailedScheduling, Failed, Unhealthy, FailedCreate — is a Warning).
  const events = !ref.namespaced
    ? []
    : await list<Event>(R.events, 'events', { fieldSelector: target.kind === 'pod' ? `involvedObject.name=${target.name}` : 'type=Warning' });
  const logs = new Map<string, string>();
  for (const r of logsWanted(pods)) {
    try {
      logs.set(logKey(r.pod, r.container), await src.logTail(r, LOG_TAIL_LINES));
    } catch (e) {
      // A log that is gone (rotated, node away) only means less evidence; a refusal is named.
      if (isForbidden(e)) {
        if (!unreadable.includes('pods/log')) unreadable.push('pods/log');
      } else if (!isStatusError(e)) throw e;
    }
  }
  const facts: WhyFacts = { ...objects, events, logs };
  return { subject, facts };
}

/** The REST client as a WhySource: pod logs through GET pods/log?tailLines. */
export function restSource(client: RestLike): WhySource {
  return {
    get: (res, ns, name) => client.get(res, ns, name),
    list: (res, ns, opts) => client.list(res, ns, opts),
    async logTail(r, lines) {
      const q = new URLSearchParams({ container: r.container, tailLines: String(lines), ...(r.previous ? { previous: 'true' } : {}) });
      const resp = await client.request('GET', `${resourcePath(R.pods, r.namespace, r.pod, 'log')}?${q}`);
      if (resp.status >= 200 && resp.status < 300) return resp.body.toString('utf8');
      throw toError(resp.status, resp.body);
    },
  };
}

/** The part of the REST client the source uses. */
export interface RestLike {
  get<T extends KObject>(res: ResourceRef, namespace: string | undefined, name: string): Promise<T>;
  list<T extends KObject>(res: ResourceRef, namespace?: string, opts?: ListOptions): Promise<KList<T>>;
  request(method: string, path: string): Promise<{ status: number; body: Buffer }>;
}
