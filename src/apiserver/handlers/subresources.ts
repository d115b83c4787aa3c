// Subresources with their own representation: scale, binding, eviction, serviceaccount
// token, and the streaming routes that proxy to a node's kubelet.
import type { Binding, KObject, Pod, TokenRequestSpec } from '../../api/types/index.js';
import { isPlainObject } from '../../api/types/index.js';
import { badRequest, conflict, invalid, fieldErr, tooManyRequests, serviceUnavailable, successStatus } from '../../api/status.js';
import { readBody } from '../http-util.js';
import { decodeObjectBody, parseJsonBody } from '../negotiate.js';
import { applyPatchDocument, labelSelectorString, type PatchType } from '../api-hooks.js';
import { clone } from '../../util/json.js';
import { bindPod } from '../../api/registry/index.js';
import { rfc3339 } from '../../util/time.js';
import { writeEncoded, type ResourceRequest } from './shared.js';
import { customScaleOf, setCustomReplicas } from '../crd/scale.js';

/** A subresource body must carry its own kind (or none); another kind is a 400, as upstream. */
function expectKind(body: Record<string, unknown>, kind: string, group: string, version: string): void {
  const k = body.kind;
  if (k !== undefined && k !== '' && k !== kind) {
    const av = group ? `${group}/${version}` : version;
    throw badRequest(`${String(k)} in version "${version}" cannot be handled as a ${kind}: expected kind ${kind} (${av}), got ${JSON.stringify(k)}`);
  }
}

// ---- scale (autoscaling/v1 Scale) ----

function scaleOf(obj: Readonly<KObject>, r?: ResourceRequest): KObject {
  const paths = r?.def.custom?.scale;
  if (paths) return customScaleOf(obj, paths);
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: unknown };
  const status = (obj.status ?? {}) as { replicas?: number };
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: labelSelectorString(spec.selector) },
  };
}

export function handleScaleGet(r: ResourceRequest): void {
  writeEncoded(r.res, r.accept, 200, scaleOf(r.rs.get(r.info.namespace, r.info.name!).obj, r));
}

export async function handleScaleWrite(r: ResourceRequest, patchType?: PatchType): Promise<void> {
  const raw = await readBody(r.req);
  const name = r.info.name!;
  const { obj } = await r.rs.update(
    r.info.namespace,
    name,
    (cur) => {
      const scale = scaleOf(cur, r);
      let next: KObject;
      if (patchType) {
        const patch = parseJsonBody(raw);
        next = applyPatchDocument({ group: 'autoscaling', version: 'v1', kind: 'Scale' }, patchType, clone(scale), patch);
      } else {
        next = decodeObjectBody(raw, r.req.headers['content-type']) as KObject;
        expectKind(next, 'Scale', 'autoscaling', 'v1');
      }
      const replicas = (next.spec as { replicas?: unknown } | undefined)?.replicas;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
        throw invalid('Scale', 'autoscaling', name, [fieldErr.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
      const rv = next.metadata?.resourceVersion;
      if (rv && rv !== cur.metadata.resourceVersion) throw conflict(r.rs.gr, name);
      const out = clone(cur);
      const paths = r.def.custom?.scale;
      if (paths) setCustomReplicas(out, paths.specReplicasPath, replicas);
      else (out.spec as { replicas: number }).replicas = replicas;
      return out;
    },
    r.ctx,
  );
  writeEncoded(r.res, r.accept, 200, scaleOf(obj, r));
}

// ---- pods/binding ----

export async function handleBinding(r: ResourceRequest): Promise<void> {
  const body = decodeObjectBody(await readBody(r.req), r.req.headers['content-type']);
  expectKind(body, 'Binding', '', 'v1');
  const binding: Readonly<Partial<Binding>> = body;
  const target = binding.target;
  const podName = r.info.name!;
  const bindingName = binding.metadata?.name;
  if (bindingName && bindingName !== podName) throw badRequest(`the name of the object (${bindingName}) does not match the name on the URL (${podName})`);
  if (!target?.name) throw invalid('Binding', '', podName, [fieldErr.required('target.name')]);
  if (target.kind && target.kind !== 'Node') throw invalid('Binding', '', podName, [fieldErr.notSupported('target.kind', target.kind, ['Node'])]);
  await r.rs.update(
    r.info.namespace,
    podName,
    (cur) => bindPod(cur, target.name!, r.ctx.now, r.rs.gr),
    r.ctx,
    { subresource: 'binding' },
  );
  writeEncoded(r.res, r.accept, 201, successStatus());
}

// ---- pods/eviction (policy/v1 Eviction) ----

export async function handleEviction(r: ResourceRequest): Promise<void> {
  const body = decodeObjectBody(await readBody(r.req), r.req.headers['content-type']);
  expectKind(body, 'Eviction', 'policy', 'v1');
  const podName = r.info.name!;
  const pod: Readonly<Pod> = r.rs.get(r.info.namespace, podName).obj;
  r.core.admitWrite(r, 'CREATE', body as KObject, pod);
  const phase = pod.status?.phase;
  // Terminal or not-yet-running pods are not protected by disruption budgets.
  if (phase === 'Running' && !pod.metadata.deletionTimestamp) {
    const blocked = r.core.disruptionBlocked(pod);
    if (blocked) throw tooManyRequests(`Cannot evict pod as it would violate the pod's disruption budget.`, 10);
  }
  const opts = isPlainObject(body.deleteOptions) ? (body.deleteOptions as Record<string, unknown>) : {};
  await r.rs.delete(r.info.namespace, podName, { gracePeriodSeconds: opts.gracePeriodSeconds as number | undefined, preconditions: opts.preconditions as never }, r.ctx);
  writeEncoded(r.res, r.accept, 201, successStatus());
}

// ---- serviceaccounts/token (authentication.k8s.io/v1 TokenRequest) ----

export async function handleTokenRequest(r: ResourceRequest): Promise<void> {
  const body = decodeObjectBody(await readBody(r.req), r.req.headers['content-type']);
  expectKind(body, 'TokenRequest', 'authentication.k8s.io', 'v1');
  const sa = r.rs.get(r.info.namespace, r.info.name!).obj;
  r.core.admitWrite(r, 'CREATE', body as KObject);
  const spec: Partial<TokenRequestSpec> = isPlainObject(body.spec) ? body.spec : {};
  const requested = spec.expirationSeconds ?? 3600;
  if (!Number.isInteger(requested) || requested < 600) throw invalid('TokenRequest', 'authentication.k8s.io', r.info.name!, [fieldErr.invalid('spec.expirationSeconds', requested, 'may not specify a duration less than 10 minutes')]);
  if (requested > 2 ** 32) throw invalid('TokenRequest', 'authentication.k8s.io', r.info.name!, [fieldErr.invalid('spec.expirationSeconds', requested, 'may not specify a duration larger than 2^32 seconds')]);
  // As upstream, a request beyond the server's maximum gets the maximum (not an error).
  const max = r.core.maxTokenExpirationSeconds;
  const expiration = max && requested > max ? max : requested;
  const now = Math.floor(r.ctx.now.getTime() / 1000);
  const audiences = spec.audiences?.length ? spec.audiences : [r.core.tokens.issuer];
  let bound: { name: string; uid: string } | undefined;
  const ref = spec.boundObjectRef;
  if (ref) {
    if (ref.kind !== 'Pod') throw badRequest(`cannot bind token for object of kind ${JSON.stringify(ref.kind ?? '')}: k8ts binds tokens to Pods only`);
    if (!ref.name) throw invalid('TokenRequest', 'authentication.k8s.io', r.info.name!, [fieldErr.required('spec.boundObjectRef.name')]);
    // The pod must exist now, with the uid the caller expects: the token dies with it.
    const pod = r.core.store('', 'pods').get(r.info.namespace, ref.name).obj;
    if (ref.uid && ref.uid !== pod.metadata.uid)
      throw conflict({ group: '', resource: 'pods' }, ref.name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    bound = { name: ref.name, uid: pod.metadata.uid ?? '' };
  }
  const token = r.core.tokens.issue({ namespace: r.info.namespace!, name: r.info.name!, uid: sa.metadata.uid ?? '', audiences, expiresAt: now + expiration, pod: bound }, now);
  writeEncoded(r.res, r.accept, 201, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: r.info.name, namespace: r.info.namespace, creationTimestamp: null },
    spec: { audiences, expirationSeconds: expiration, boundObjectRef: ref && bound ? { ...ref, uid: bound.uid } : null },
    status: { token, expirationTimestamp: rfc3339((now + expiration) * 1000) },
  });
}

// ---- streaming routes (log, exec, attach, portforward, proxy) ----

export async function handleNodeStream(r: ResourceRequest): Promise<void> {
  if (r.def.kind === 'Node') {
    // nodes/NAME/proxy/PATH: to that node's kubelet.
    const node = r.rs.get(undefined, r.info.name!).obj;
    if (!(await r.core.proxyToKubelet(r, node, node.metadata.name!))) throw serviceUnavailable(`no kubelet is serving node "${r.info.name}"; the proxy request cannot be forwarded`);
    return;
  }
  const pod: Readonly<Pod> = r.rs.get(r.info.namespace, r.info.name!).obj;
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${r.info.name} does not have a host assigned`);
  const handled = await r.core.proxyToKubelet(r, pod, nodeName);
  if (!handled) throw serviceUnavailable(`no kubelet is serving node "${nodeName}"; the ${r.info.subresource} request cannot be proxied`);
}
