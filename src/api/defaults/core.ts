// core/v1 defaulting for the non-Pod kinds (pkg/apis/core/v1/defaults.go, 1.32), plus the
// Service IP-family and Namespace finalizer fields that the registries fill on create.

import type { Obj } from './util.js';
import { child, eachObject, isAbsent, setDefault, setDefaultString, sub } from './util.js';
import { defaultTemplate } from './pod.js';

export function defaultService(o: Obj): void {
  const spec = child(o, 'spec');
  setDefaultString(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = child(spec, 'sessionAffinityConfig');
    const clientIP = child(cfg, 'clientIP');
    setDefault(clientIP, 'timeoutSeconds', 10800);
  }
  setDefaultString(spec, 'type', 'ClusterIP');
  eachObject(spec.ports, (p) => {
    setDefaultString(p, 'protocol', 'TCP');
    if (isAbsent(p.targetPort) || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  });
  const type = spec.type;
  if ((type === 'NodePort' || type === 'LoadBalancer')) setDefaultString(spec, 'externalTrafficPolicy', 'Cluster');
  if (type === 'ClusterIP' || type === 'NodePort' || type === 'LoadBalancer') setDefaultString(spec, 'internalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (type === 'ExternalName') return;
  // IP families (single-stack IPv4 cluster). A headless service without a selector may
  // resolve to any family, which upstream expresses as RequireDualStack.
  const headlessNoSelector = spec.clusterIP === 'None' && (isAbsent(spec.selector) || Object.keys(spec.selector as Obj).length === 0);
  setDefaultString(spec, 'ipFamilyPolicy', headlessNoSelector ? 'RequireDualStack' : 'SingleStack');
  if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
}

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function defaultNamespace(o: Obj): void {
  const meta = child(o, 'metadata');
  if (typeof meta.name === 'string' && meta.name !== '') child(meta, 'labels')[NAMESPACE_NAME_LABEL] = meta.name;
  const spec = child(o, 'spec');
  if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
  setDefaultString(child(o, 'status'), 'phase', 'Active');
}

/** Base64 of the UTF-8 bytes of `s` (no node: imports in src/api). */
function base64Utf8(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
  return btoa(bin);
}

/**
 * Secret: type Opaque; stringData is write-only and merged into data (its keys win), as
 * the upstream v1 conversion does, so stored secrets never carry stringData.
 */
export function defaultSecret(o: Obj): void {
  setDefaultString(o, 'type', 'Opaque');
  const sd = sub(o, 'stringData');
  if (sd) {
    const data = child(o, 'data');
    for (const [k, v] of Object.entries(sd)) if (typeof v === 'string') data[k] = base64Utf8(v);
    delete o.stringData;
  }
}

export function defaultNode(o: Obj): void {
  const status = sub(o, 'status');
  if (status && isAbsent(status.allocatable) && !isAbsent(status.capacity)) status.allocatable = { ...(status.capacity as Obj) };
}

export function defaultPersistentVolume(o: Obj): void {
  const spec = child(o, 'spec');
  setDefaultString(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setDefaultString(spec, 'volumeMode', 'Filesystem');
  setDefaultString(child(o, 'status'), 'phase', 'Pending');
}

export function defaultPvcSpec(spec: Obj): void {
  setDefaultString(spec, 'volumeMode', 'Filesystem');
}

export function defaultPersistentVolumeClaim(o: Obj): void {
  defaultPvcSpec(child(o, 'spec'));
  setDefaultString(child(o, 'status'), 'phase', 'Pending');
}

export function defaultReplicationController(o: Obj): void {
  const spec = child(o, 'spec');
  const tpl = sub(spec, 'template');
  const tplLabels = tpl && sub(sub(tpl, 'metadata'), 'labels');
  if (tplLabels && Object.keys(tplLabels).length > 0) {
    if (isAbsent(spec.selector) || Object.keys(spec.selector as Obj).length === 0) spec.selector = { ...tplLabels };
    const meta = child(o, 'metadata');
    if (isAbsent(meta.labels) || Object.keys(meta.labels as Obj).length === 0) meta.labels = { ...tplLabels };
  }
  setDefault(spec, 'replicas', 1);
  defaultTemplate(spec);
}

export function defaultEndpoints(o: Obj): void {
  eachObject(o.subsets, (s) => eachObject(s.ports, (p) => setDefaultString(p, 'protocol', 'TCP')));
}

function copyMissing(from: Obj | undefined, to: Obj): void {
  if (!from) return;
  for (const k of Object.keys(from)) if (to[k] === undefined) to[k] = from[k];
}

export function defaultLimitRange(o: Obj): void {
  const spec = sub(o, 'spec');
  if (!spec) return;
  eachObject(spec.limits, (item) => {
    if (item.type !== 'Container') return;
    // default ← max; defaultRequest ← default, then ← min. Empty maps stay omitted.
    const def: Obj = { ...(sub(item, 'default') ?? {}) };
    copyMissing(sub(item, 'max'), def);
    const req: Obj = { ...(sub(item, 'defaultRequest') ?? {}) };
    copyMissing(def, req);
    copyMissing(sub(item, 'min'), req);
    if (Object.keys(def).length > 0) item.default = def;
    if (Object.keys(req).length > 0) item.defaultRequest = req;
  });
}
