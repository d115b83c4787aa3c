// core/v1 validation for non-Pod kinds: Service, ConfigMap, Secret, Namespace, Node,
// PersistentVolume(Claim), ResourceQuota, LimitRange, Event, ReplicationController.

import { fieldErr } from '../status.js';
import type { Errs, Obj } from './errors.js';
import {
  arr, deepEqual, eachObj, enumOf, goStringMap, goStringSlice, immutable, invalidRaw, isSet, nonNegative, obj, pushMsgs, str, tooLongBytes,
} from './errors.js';
import {
  isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isValidIPAddress, isQualifiedName, isValidPortName, isValidPortNum, PORT_RANGE_MSG,
} from './names.js';
import { validateEndpointIP } from './endpoints.js';
import { utf8Length, validateLabelSelector } from './meta.js';
import { compareQuantities, parseQuantity } from '../quantity/index.js';
import type { Quantity } from '../quantity/index.js';
import { validatePodTemplate } from './template.js';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const MAX_CONFIG_SIZE = 1024 * 1024;

function parseQ(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try { return parseQuantity(v); } catch { return undefined; }
}
const ZERO = parseQuantity('0');

// ---- Service ---------------------------------------------------------------------------

export function validateService(o: Obj, errs: Errs): void {
  const spec = obj(o.spec) ?? {};
  const type = str(spec.type) || 'ClusterIP';
  enumOf(errs, spec.type, 'spec.type', SERVICE_TYPES, true);
  enumOf(errs, spec.sessionAffinity, 'spec.sessionAffinity', ['ClientIP', 'None'], true);
  const clusterIP = str(spec.clusterIP);
  const headless = clusterIP === 'None';
  const ports = arr(spec.ports);
  if (type === 'ExternalName') {
    const en = str(spec.externalName);
    if (!en) errs.push(fieldErr.required('spec.externalName'));
    else pushMsgs(errs, 'spec.externalName', en, isDNS1123Subdomain(en.endsWith('.') ? en.slice(0, -1) : en));
    if (clusterIP) errs.push(fieldErr.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
  } else {
    if (ports.length === 0 && !headless) errs.push(fieldErr.required('spec.ports'));
    if (headless && (type === 'NodePort' || type === 'LoadBalancer')) {
      errs.push(fieldErr.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`));
    }
  }
  if (clusterIP && !headless && !isValidIPAddress(clusterIP)) {
    errs.push(fieldErr.invalid('spec.clusterIPs[0]', clusterIP, "must be empty, 'None', or a valid IP address"));
  }
  arr(spec.clusterIPs).forEach((ip, i) => {
    if (i === 0 && clusterIP && ip !== clusterIP) errs.push(fieldErr.invalid('spec.clusterIPs[0]', ip, 'must match `clusterIP` when set'));
  });
  const names = new Set<string>();
  const seen = new Set<string>();
  eachObj(ports, (p, i) => {
    const pp = `spec.ports[${i}]`;
    const name = str(p.name);
    if (ports.length > 1 && !name) errs.push(fieldErr.required(`${pp}.name`));
    if (name) {
      pushMsgs(errs, `${pp}.name`, name, isDNS1123Label(name));
      if (names.has(name)) errs.push(fieldErr.duplicate(`${pp}.name`, name));
      names.add(name);
    }
    if (!isValidPortNum(p.port)) errs.push(fieldErr.invalid(`${pp}.port`, p.port ?? 0, PORT_RANGE_MSG));
    enumOf(errs, p.protocol, `${pp}.protocol`, PROTOCOLS, true);
    const tp = p.targetPort;
    if (typeof tp === 'number') { if (!isValidPortNum(tp)) errs.push(fieldErr.invalid(`${pp}.targetPort`, tp, PORT_RANGE_MSG)); }
    else if (typeof tp === 'string') pushMsgs(errs, `${pp}.targetPort`, tp, isValidPortName(tp));
    if (isSet(p.nodePort) && p.nodePort !== 0) {
      if (type === 'ClusterIP' || type === 'ExternalName') errs.push(fieldErr.forbidden(`${pp}.nodePort`, `may not be used when \`type\` is '${type}'`));
      else if (!isValidPortNum(p.nodePort)) errs.push(fieldErr.invalid(`${pp}.nodePort`, p.nodePort, PORT_RANGE_MSG));
    }
    const key = `${String(p.port)}/${str(p.protocol)}`;
    if (seen.has(key)) errs.push(fieldErr.duplicate(pp, { port: p.port, protocol: p.protocol }));
    seen.add(key);
  });
  if (isSet(spec.externalTrafficPolicy) && spec.externalTrafficPolicy !== '') {
    if (type !== 'NodePort' && type !== 'LoadBalancer') {
      errs.push(fieldErr.invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
    } else enumOf(errs, spec.externalTrafficPolicy, 'spec.externalTrafficPolicy', ['Cluster', 'Local']);
  }
  enumOf(errs, spec.internalTrafficPolicy, 'spec.internalTrafficPolicy', ['Cluster', 'Local']);
  enumOf(errs, spec.ipFamilyPolicy, 'spec.ipFamilyPolicy', ['SingleStack', 'PreferDualStack', 'RequireDualStack']);
  arr(spec.ipFamilies).forEach((f, i) => enumOf(errs, f, `spec.ipFamilies[${i}]`, ['IPv4', 'IPv6']));
  const sel = obj(spec.selector);
  if (sel) for (const [k, v] of Object.entries(sel)) {
    pushMsgs(errs, 'spec.selector', k, isQualifiedName(k));
    if (typeof v !== 'string') errs.push(fieldErr.invalid('spec.selector', v, 'must be a string'));
  }
  arr(spec.externalIPs).forEach((ip, i) => {
    if (typeof ip !== 'string' || !isValidIPAddress(ip)) errs.push(fieldErr.invalid(`spec.externalIPs[${i}]`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    // Upstream too: an external IP of 127.0.0.1 would capture the node's own loopback traffic.
    else validateEndpointIP(errs, `spec.externalIPs[${i}]`, ip);
  });
}

/** clusterIP(s) and ipFamilies may not change, except when either side is ExternalName. */
export function validateServiceUpdate(n: Obj, o: Obj, errs: Errs): void {
  const ns = obj(n.spec) ?? {};
  const os = obj(o.spec) ?? {};
  if (ns.type === 'ExternalName' || os.type === 'ExternalName') return;
  const oldIPs = arr(os.clusterIPs).length ? arr(os.clusterIPs) : str(os.clusterIP) ? [os.clusterIP] : [];
  const newIPs = arr(ns.clusterIPs).length ? arr(ns.clusterIPs) : str(ns.clusterIP) ? [ns.clusterIP] : [];
  // An omitted clusterIP on update means "keep": the server copies the allocated values.
  if (oldIPs.length > 0 && newIPs.length > 0 && oldIPs[0] !== newIPs[0]) {
    errs.push(invalidRaw('spec.clusterIPs[0]', goStringSlice(newIPs), 'may not change once set'));
  }
  const oldFam = arr(os.ipFamilies);
  const newFam = arr(ns.ipFamilies);
  if (oldFam.length > 0 && newFam.length > 0 && oldFam[0] !== newFam[0]) {
    errs.push(fieldErr.invalid('spec.ipFamilies[0]', newFam[0], 'may not change once set'));
  }
}

// ---- ConfigMap / Secret ----------------------------------------------------------------

function base64DecodedLength(s: string): number {
  let pad = 0;
  if (s.endsWith('==')) pad = 2; else if (s.endsWith('=')) pad = 1;
  return Math.floor((s.length * 3) / 4) - pad;
}
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

export function validateConfigMap(o: Obj, errs: Errs): void {
  let total = 0;
  const data = obj(o.data) ?? {};
  const binary = obj(o.binaryData) ?? {};
  for (const [k, v] of Object.entries(data)) {
    pushMsgs(errs, `data[${k}]`, k, isConfigMapKey(k));
    if (typeof v === 'string') total += utf8Length(v);
  }
  for (const [k, v] of Object.entries(binary)) {
    pushMsgs(errs, `binaryData[${k}]`, k, isConfigMapKey(k));
    if (k in data) errs.push(fieldErr.invalid(`binaryData[${k}]`, k, 'duplicate of key present in data'));
    if (typeof v === 'string') total += base64DecodedLength(v);
  }
  if (total > MAX_CONFIG_SIZE) errs.push(tooLongBytes('', MAX_CONFIG_SIZE));
}

const SECRET_REQUIRED_KEYS: Readonly<Record<string, readonly string[]>> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

export function validateSecret(o: Obj, errs: Errs): void {
  const data = obj(o.data) ?? {};
  const stringData = obj(o.stringData) ?? {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    pushMsgs(errs, `data[${k}]`, k, isConfigMapKey(k));
    if (typeof v !== 'string' || !BASE64_RE.test(v) || v.length % 4 !== 0) errs.push(fieldErr.invalid(`data[${k}]`, '<secret contents redacted>', 'must be base64-encoded'));
    else total += base64DecodedLength(v);
  }
  for (const [k, v] of Object.entries(stringData)) {
    pushMsgs(errs, `stringData[${k}]`, k, isConfigMapKey(k));
    if (typeof v === 'string') total += utf8Length(v);
  }
  if (total > MAX_CONFIG_SIZE) errs.push(tooLongBytes('data', MAX_CONFIG_SIZE));
  const type = str(o.type);
  const has = (k: string): boolean => k in data || k in stringData;
  for (const k of SECRET_REQUIRED_KEYS[type] ?? []) if (!has(k)) errs.push(fieldErr.required(`data[${k}]`));
  if (type === 'kubernetes.io/basic-auth' && !has('username') && !has('password')) {
    errs.push(fieldErr.required('data[username]'), fieldErr.required('data[password]'));
  }
  if (type === 'kubernetes.io/service-account-token') {
    const ann = obj(obj(o.metadata)?.annotations);
    if (!ann || !str(ann['kubernetes.io/service-account.name'])) errs.push(fieldErr.required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
}

/** ConfigMap and Secret: `immutable: true` freezes data, binaryData and the flag itself. */
export function validateImmutableDataUpdate(n: Obj, o: Obj, errs: Errs, isSecret: boolean): void {
  if (isSecret && str(n.type) !== str(o.type)) errs.push(immutable('type', n.type ?? ''));
  if (o.immutable !== true) return;
  if (n.immutable !== true) errs.push(fieldErr.forbidden('immutable', 'field is immutable when `immutable` is set'));
  if (!deepEqual(n.data, o.data)) errs.push(fieldErr.forbidden('data', 'field is immutable when `immutable` is set'));
  if (!isSecret && !deepEqual(n.binaryData, o.binaryData)) errs.push(fieldErr.forbidden('binaryData', 'field is immutable when `immutable` is set'));
}

// ---- Namespace / Node ------------------------------------------------------------------

export function validateNamespace(o: Obj, errs: Errs): void {
  arr(obj(o.spec)?.finalizers).forEach((f, i) => {
    if (typeof f === 'string') pushMsgs(errs, `spec.finalizers[${i}]`, f, isQualifiedName(f));
  });
}

export function validateNode(o: Obj, errs: Errs): void {
  const spec = obj(o.spec) ?? {};
  const seen = new Set<string>();
  eachObj(spec.taints, (t, i) => {
    const p = `spec.taints[${i}]`;
    const key = str(t.key);
    if (!key) errs.push(fieldErr.required(`${p}.key`));
    else pushMsgs(errs, `${p}.key`, key, isQualifiedName(key));
    enumOf(errs, t.effect, `${p}.effect`, ['NoSchedule', 'PreferNoSchedule', 'NoExecute'], true);
    const dup = `${key}:${str(t.effect)}`;
    if (seen.has(dup)) errs.push(fieldErr.duplicate(p, dup));
    seen.add(dup);
  });
}

// ---- Volumes -------------------------------------------------------------------------

const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc', 'flocker',
  'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'local',
  'storageos', 'csi',
];

function accessModes(v: unknown, field: string, errs: Errs, detail: string): void {
  const modes = arr(v);
  if (modes.length === 0) { errs.push(fieldErr.required(field, detail)); return; }
  modes.forEach((m) => enumOf(errs, m, field, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) errs.push(fieldErr.forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
}

export function validatePvcSpec(specValue: unknown, path: string, errs: Errs): void {
  const spec = obj(specValue);
  if (!spec) { errs.push(fieldErr.required(`${path}.accessModes`, 'at least 1 access mode is required')); return; }
  accessModes(spec.accessModes, `${path}.accessModes`, errs, 'at least 1 access mode is required');
  validateLabelSelector(spec.selector, `${path}.selector`, errs);
  const requests = obj(obj(spec.resources)?.requests);
  const storage = requests?.storage;
  if (!isSet(storage)) errs.push(fieldErr.required(`${path}.resources[storage]`));
  else {
    const q = parseQ(storage);
    if (q && compareQuantities(q, ZERO) <= 0) errs.push(fieldErr.invalid(`${path}.resources[storage]`, storage, 'must be greater than zero'));
  }
  enumOf(errs, spec.volumeMode, `${path}.volumeMode`, ['Block', 'Filesystem']);
  if (isSet(spec.storageClassName) && str(spec.storageClassName)) pushMsgs(errs, `${path}.storageClassName`, spec.storageClassName, isDNS1123Subdomain(str(spec.storageClassName)));
}

export function validatePersistentVolumeClaim(o: Obj, errs: Errs): void {
  validatePvcSpec(o.spec, 'spec', errs);
}

/** PVC spec is immutable except storage increases and binding an unbound claim. */
export function validatePersistentVolumeClaimUpdate(n: Obj, o: Obj, errs: Errs): void {
  const ns = obj(n.spec) ?? {};
  const os = obj(o.spec) ?? {};
  const nReq = obj(obj(ns.resources)?.requests);
  const oReq = obj(obj(os.resources)?.requests);
  const strip = (s: Obj, keepVolumeName: boolean): Obj => {
    const res = obj(s.resources);
    const out: Obj = { ...s, resources: res ? { ...res, requests: undefined } : undefined, volumeAttributesClassName: undefined };
    if (!keepVolumeName) out.volumeName = undefined;
    return out;
  };
  const bindingNow = !str(os.volumeName);
  // A claim without a class may be given one later (retroactive default StorageClass).
  const classless = os.storageClassName === undefined || os.storageClassName === null;
  const nStripped = strip(ns, !bindingNow);
  const oStripped = strip(os, !bindingNow);
  if (classless) {
    nStripped.storageClassName = undefined;
    oStripped.storageClassName = undefined;
  }
  if (!deepEqual(nStripped, oStripped)) {
    errs.push(fieldErr.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  const nq = parseQ(nReq?.storage);
  const oq = parseQ(oReq?.storage);
  if (nq && oq && compareQuantities(nq, oq) < 0) {
    errs.push(fieldErr.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
}

export function validatePersistentVolume(o: Obj, errs: Errs): void {
  const spec = obj(o.spec) ?? {};
  accessModes(spec.accessModes, 'spec.accessModes', errs, '');
  const cap = obj(spec.capacity);
  if (!cap || !isSet(cap.storage)) errs.push(fieldErr.required('spec.capacity'));
  else {
    for (const k of Object.keys(cap)) if (k !== 'storage') errs.push(fieldErr.notSupported(`spec.capacity`, k, ['storage']));
    const q = parseQ(cap.storage);
    if (q && compareQuantities(q, ZERO) <= 0) errs.push(fieldErr.invalid('spec.capacity[storage]', cap.storage, 'must be greater than zero'));
  }
  const n = PV_SOURCES.filter((k) => isSet(spec[k])).length;
  if (n === 0) errs.push(fieldErr.required('spec', 'must specify a volume type'));
  else if (n > 1) errs.push(fieldErr.forbidden('spec', 'may not specify more than 1 volume type'));
  enumOf(errs, spec.persistentVolumeReclaimPolicy, 'spec.persistentVolumeReclaimPolicy', ['Delete', 'Recycle', 'Retain']);
  enumOf(errs, spec.volumeMode, 'spec.volumeMode', ['Block', 'Filesystem']);
  const hp = obj(spec.hostPath);
  if (hp && !str(hp.path)) errs.push(fieldErr.required('spec.hostPath.path'));
  const local = obj(spec.local);
  if (local && !isSet(spec.nodeAffinity)) errs.push(fieldErr.required('spec.nodeAffinity', 'Local volume requires node affinity'));
}

// ---- Quota / limits --------------------------------------------------------------------

function nonNegativeList(list: unknown, path: string, errs: Errs): void {
  const m = obj(list);
  if (!m) return;
  for (const [k, v] of Object.entries(m)) {
    pushMsgs(errs, `${path}[${k}]`, k, isQualifiedName(k));
    const q = parseQ(v);
    if (q && compareQuantities(q, ZERO) < 0) errs.push(fieldErr.invalid(`${path}[${k}]`, v, 'must be greater than or equal to 0'));
  }
}

export function validateResourceQuota(o: Obj, errs: Errs): void {
  const spec = obj(o.spec) ?? {};
  nonNegativeList(spec.hard, 'spec.hard', errs);
  const status = obj(o.status);
  if (status) { nonNegativeList(status.hard, 'status.hard', errs); nonNegativeList(status.used, 'status.used', errs); }
  arr(spec.scopes).forEach((s, i) => enumOf(errs, s, `spec.scopes[${i}]`, ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity']));
}

export function validateLimitRange(o: Obj, errs: Errs): void {
  eachObj(obj(o.spec)?.limits, (l, i) => {
    const p = `spec.limits[${i}]`;
    enumOf(errs, l.type, `${p}.type`, ['Container', 'Pod', 'PersistentVolumeClaim'], true);
    for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) nonNegativeList(l[f], `${p}.${f}`, errs);
    const max = obj(l.max) ?? {};
    const min = obj(l.min) ?? {};
    const def = obj(l.default) ?? {};
    const defReq = obj(l.defaultRequest) ?? {};
    for (const [k, v] of Object.entries(min)) {
      const mq = parseQ(v);
      const xq = parseQ(max[k]);
      if (mq && xq && compareQuantities(mq, xq) > 0) errs.push(fieldErr.invalid(`${p}.min[${k}]`, v, `min value ${String(v)} is greater than max value ${String(max[k])}`));
    }
    for (const [k, v] of Object.entries(defReq)) {
      const rq = parseQ(v);
      const dq = parseQ(def[k]);
      if (rq && dq && compareQuantities(rq, dq) > 0) errs.push(fieldErr.invalid(`${p}.defaultRequest[${k}]`, v, `default request value ${String(v)} is greater than default limit value ${String(def[k])}`));
    }
    for (const [k, v] of Object.entries(def)) {
      const dq = parseQ(v);
      const xq = parseQ(max[k]);
      if (dq && xq && compareQuantities(dq, xq) > 0) errs.push(fieldErr.invalid(`${p}.default[${k}]`, v, `default value ${String(v)} is greater than max value ${String(max[k])}`));
    }
  });
}

// ---- Event / RC / PodTemplate ----------------------------------------------------------

/** Legacy core/v1 Event rules: the involved object's namespace must match the event's. */
export function validateEvent(o: Obj, errs: Errs): void {
  const io = obj(o.involvedObject) ?? {};
  const ns = str(obj(o.metadata)?.namespace);
  const kind = str(io.kind);
  const clusterScoped = kind === 'Node' || kind === 'Namespace' || kind === 'PersistentVolume' || kind.startsWith('Cluster');
  if (clusterScoped) {
    if (ns && ns !== 'default' && str(io.namespace) && str(io.namespace) !== ns) errs.push(fieldErr.invalid('involvedObject.namespace', io.namespace, 'does not match event.namespace'));
  } else if (str(io.namespace) !== ns) {
    errs.push(fieldErr.invalid('involvedObject.namespace', io.namespace ?? '', 'does not match event.namespace'));
  }
  if (isSet(o.count)) nonNegative(errs, o.count, 'count');
  if (isSet(o.type) && str(o.type) && !['Normal', 'Warning'].includes(str(o.type)) && str(o.reportingComponent)) {
    errs.push(fieldErr.notSupported('type', o.type, ['Normal', 'Warning']));
  }
}

export function validateReplicationController(o: Obj, errs: Errs): void {
  const spec = obj(o.spec) ?? {};
  nonNegative(errs, spec.replicas, 'spec.replicas');
  const sel = obj(spec.selector);
  if (!sel || Object.keys(sel).length === 0) { errs.push(fieldErr.required('spec.selector')); return; }
  const labels = obj(obj(obj(spec.template)?.metadata)?.labels) ?? {};
  if (!Object.entries(sel).every(([k, v]) => labels[k] === v)) {
    errs.push(invalidRaw('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  }
  validatePodTemplate(spec.template, 'spec.template', ['Always'], errs);
}

export function validatePodTemplateObject(o: Obj, errs: Errs): void {
  validatePodTemplate(o.template, 'template', ['Always', 'OnFailure', 'Never'], errs);
}
