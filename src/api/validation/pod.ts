// core/v1 PodSpec validation (pkg/apis/core/validation, the parts kubectl users hit) and
// the Pod update rule. Shared by pods and every pod template.

import { fieldErr } from '../status.js';
import type { Errs, Obj } from './errors.js';
import { arr, deepEqual, eachObj, enumOf, isInt, isSet, nonNegative, notFoundErr, obj, pushMsgs, str } from './errors.js';
import {
  isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isQualifiedName, isValidPortName, isValidPortNum, PORT_RANGE_MSG,
} from './names.js';
import { validateLabels } from './meta.js';
import { compareQuantities, parseQuantity } from '../quantity/index.js';
import type { Quantity } from '../quantity/index.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const TOLERATION_OPERATORS = ['Equal', 'Exists'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];
const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];

export interface PodSpecOptions {
  /** True for a Pod object, false for templates inside workloads. */
  isPod: boolean;
}

function parseQ(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try { return parseQuantity(v); } catch { return undefined; }
}

const ZERO = parseQuantity('0');

function validateResourceName(name: string, field: string, errs: Errs): void {
  const msgs = isQualifiedName(name);
  if (msgs.length > 0) { pushMsgs(errs, field, name, msgs); return; }
  if (!name.includes('/') && !STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
    errs.push(fieldErr.invalid(field, name, 'must be a standard resource for containers'));
  }
}

/** ResourceRequirements: names, non-negative quantities, requests ≤ limits. */
export function validateResources(res: unknown, path: string, errs: Errs): void {
  const r = obj(res);
  if (!r) return;
  const limits = obj(r.limits) ?? {};
  const requests = obj(r.requests) ?? {};
  const parsedLimits = new Map<string, Quantity>();
  for (const [k, v] of Object.entries(limits)) {
    const f = `${path}.limits[${k}]`;
    validateResourceName(k, f, errs);
    const q = parseQ(v);
    if (q && compareQuantities(q, ZERO) < 0) errs.push(fieldErr.invalid(f, v, 'must be greater than or equal to 0'));
    if (q) parsedLimits.set(k, q);
  }
  for (const [k, v] of Object.entries(requests)) {
    const f = `${path}.requests[${k}]`;
    validateResourceName(k, f, errs);
    const q = parseQ(v);
    if (!q) continue;
    if (compareQuantities(q, ZERO) < 0) errs.push(fieldErr.invalid(f, v, 'must be greater than or equal to 0'));
    const lim = parsedLimits.get(k);
    if (lim && compareQuantities(q, lim) > 0) {
      errs.push(fieldErr.invalid(f, v, `must be less than or equal to ${k} limit of ${String(limits[k])}`));
    }
  }
}

function validatePortOrName(v: unknown, field: string, errs: Errs): void {
  if (typeof v === 'number') { if (!isValidPortNum(v)) errs.push(fieldErr.invalid(field, v, PORT_RANGE_MSG)); return; }
  if (typeof v === 'string') { pushMsgs(errs, field, v, isValidPortName(v)); return; }
  errs.push(fieldErr.required(field));
}

function validateHandler(h: Obj, path: string, errs: Errs, kinds: readonly string[]): void {
  let count = 0;
  for (const k of kinds) {
    if (!isSet(h[k])) continue;
    count++;
    if (count > 1) { errs.push(fieldErr.forbidden(`${path}.${k}`, 'may not specify more than 1 handler type')); continue; }
    const v = obj(h[k]) ?? {};
    switch (k) {
      case 'exec': if (arr(v.command).length === 0) errs.push(fieldErr.required(`${path}.exec.command`)); break;
      case 'httpGet':
        validatePortOrName(v.port, `${path}.httpGet.port`, errs);
        enumOf(errs, v.scheme, `${path}.httpGet.scheme`, ['HTTP', 'HTTPS']);
        break;
      case 'tcpSocket': validatePortOrName(v.port, `${path}.tcpSocket.port`, errs); break;
      case 'grpc': if (!isValidPortNum(v.port)) errs.push(fieldErr.invalid(`${path}.grpc.port`, v.port ?? 0, PORT_RANGE_MSG)); break;
      case 'sleep': if (!isInt(v.seconds) || v.seconds < 0) errs.push(fieldErr.invalid(`${path}.sleep.seconds`, v.seconds ?? 0, 'must be greater than 0 and less than terminationGracePeriodSeconds (30)')); break;
      default: break;
    }
  }
  if (count === 0) errs.push(fieldErr.required(path, 'must specify a handler type'));
}

function validateProbe(p: unknown, path: string, errs: Errs, liveness: boolean): void {
  const probe = obj(p);
  if (!probe) return;
  validateHandler(probe, path, errs, HANDLERS);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) nonNegative(errs, probe[f], `${path}.${f}`);
  if (isSet(probe.terminationGracePeriodSeconds) && (!isInt(probe.terminationGracePeriodSeconds) || probe.terminationGracePeriodSeconds <= 0)) {
    errs.push(fieldErr.invalid(`${path}.terminationGracePeriodSeconds`, probe.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  if (liveness && isSet(probe.successThreshold) && probe.successThreshold !== 1) {
    errs.push(fieldErr.invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
}

function validateEnv(env: unknown, path: string, errs: Errs): void {
  eachObj(env, (e, i) => {
    const p = `${path}[${i}]`;
    const name = str(e.name);
    if (!name) errs.push(fieldErr.required(`${p}.name`));
    else pushMsgs(errs, `${p}.name`, name, isEnvVarName(name));
    const from = obj(e.valueFrom);
    if (!from) return;
    if (str(e.value)) errs.push(fieldErr.invalid(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty'));
    const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => isSet(from[k]));
    if (sources.length === 0) errs.push(fieldErr.invalid(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (sources.length > 1) errs.push(fieldErr.invalid(`${p}.valueFrom`, '', 'may not have more than one field specified at a time'));
    for (const k of ['configMapKeyRef', 'secretKeyRef']) {
      const ref = obj(from[k]);
      if (!ref) continue;
      const key = str(ref.key);
      if (!key) errs.push(fieldErr.required(`${p}.valueFrom.${k}.key`));
      else pushMsgs(errs, `${p}.valueFrom.${k}.key`, key, isConfigMapKey(key));
    }
    const fr = obj(from.fieldRef);
    if (fr && !str(fr.fieldPath)) errs.push(fieldErr.required(`${p}.valueFrom.fieldRef.fieldPath`));
  });
}

type ContainerKind = 'containers' | 'initContainers' | 'ephemeralContainers';

function validateContainer(c: Obj, path: string, kind: ContainerKind, volumes: ReadonlySet<string>, errs: Errs, hostPorts: Set<string>): void {
  const name = str(c.name);
  if (!name) errs.push(fieldErr.required(`${path}.name`));
  else pushMsgs(errs, `${path}.name`, name, isDNS1123Label(name));
  if (!str(c.image)) errs.push(fieldErr.required(`${path}.image`));
  else if (str(c.image).trim() !== c.image) errs.push(fieldErr.invalid(`${path}.image`, c.image, 'must not have leading or trailing whitespace'));
  enumOf(errs, c.imagePullPolicy, `${path}.imagePullPolicy`, PULL_POLICIES);
  enumOf(errs, c.terminationMessagePolicy, `${path}.terminationMessagePolicy`, TERMINATION_MESSAGE_POLICIES);
  if (isSet(c.restartPolicy)) {
    if (kind === 'initContainers') enumOf(errs, c.restartPolicy, `${path}.restartPolicy`, ['Always']);
    else errs.push(fieldErr.forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
  }
  const portNames = new Set<string>();
  eachObj(c.ports, (p, i) => {
    const pp = `${path}.ports[${i}]`;
    if (isSet(p.name)) {
      const pn = str(p.name);
      pushMsgs(errs, `${pp}.name`, p.name, isValidPortName(pn));
      if (portNames.has(pn)) errs.push(fieldErr.duplicate(`${pp}.name`, pn));
      portNames.add(pn);
    }
    if (!isValidPortNum(p.containerPort)) errs.push(fieldErr.invalid(`${pp}.containerPort`, p.containerPort ?? 0, PORT_RANGE_MSG));
    if (isSet(p.hostPort) && p.hostPort !== 0) {
      if (!isValidPortNum(p.hostPort)) errs.push(fieldErr.invalid(`${pp}.hostPort`, p.hostPort, PORT_RANGE_MSG));
      else {
        const key = `${String(p.hostPort)}/${str(p.protocol) || 'TCP'}${p.hostIP ? `/${str(p.hostIP)}` : ''}`;
        if (hostPorts.has(key)) errs.push(fieldErr.duplicate(`${pp}.hostPort`, key));
        hostPorts.add(key);
      }
    }
    enumOf(errs, p.protocol, `${pp}.protocol`, PROTOCOLS);
  });
  validateEnv(c.env, `${path}.env`, errs);
  eachObj(c.envFrom, (e, i) => {
    const n = ['configMapRef', 'secretRef'].filter((k) => isSet(e[k])).length;
    if (n !== 1) errs.push(fieldErr.invalid(`${path}.envFrom[${i}]`, '', 'must specify one of: `configMapRef` or `secretRef`'));
  });
  const mountPaths = new Set<string>();
  eachObj(c.volumeMounts, (m, i) => {
    const mp = `${path}.volumeMounts[${i}]`;
    const vn = str(m.name);
    if (!vn) errs.push(fieldErr.required(`${mp}.name`));
    else if (!volumes.has(vn)) errs.push(notFoundErr(`${mp}.name`, vn));
    const mountPath = str(m.mountPath);
    if (!mountPath) errs.push(fieldErr.required(`${mp}.mountPath`));
    else if (mountPaths.has(mountPath)) errs.push(fieldErr.invalid(`${mp}.mountPath`, mountPath, 'must be unique'));
    mountPaths.add(mountPath);
    if (str(m.subPath).startsWith('/')) errs.push(fieldErr.invalid(`${mp}.subPath`, m.subPath, 'must be a relative path'));
  });
  validateResources(c.resources, `${path}.resources`, errs);
  if (kind === 'containers') {
    validateProbe(c.livenessProbe, `${path}.livenessProbe`, errs, true);
    validateProbe(c.readinessProbe, `${path}.readinessProbe`, errs, false);
    validateProbe(c.startupProbe, `${path}.startupProbe`, errs, true);
  } else if (kind === 'initContainers' && c.restartPolicy !== 'Always') {
    for (const f of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (isSet(c[f])) errs.push(fieldErr.forbidden(`${path}.${f}`, 'may not be set for init containers without restartPolicy=Always'));
    }
  }
  const lc = obj(c.lifecycle);
  if (lc) {
    for (const h of ['postStart', 'preStop']) { const hv = obj(lc[h]); if (hv) validateHandler(hv, `${path}.lifecycle.${h}`, errs, LIFECYCLE_HANDLERS); }
  }
}

function validateVolumes(volumes: unknown, path: string, errs: Errs): Set<string> {
  const names = new Set<string>();
  eachObj(volumes, (v, i) => {
    const p = `${path}[${i}]`;
    const name = str(v.name);
    if (!name) errs.push(fieldErr.required(`${p}.name`));
    else {
      pushMsgs(errs, `${p}.name`, name, isDNS1123Label(name));
      if (names.has(name)) errs.push(fieldErr.duplicate(`${p}.name`, name));
      names.add(name);
    }
    let count = 0;
    for (const src of VOLUME_SOURCES) {
      if (!isSet(v[src])) continue;
      count++;
      if (count > 1) errs.push(fieldErr.forbidden(`${p}.${src}`, 'may not specify more than 1 volume type'));
    }
    if (count === 0) errs.push(fieldErr.required(p, 'must specify a volume type'));
    const secret = obj(v.secret);
    if (secret && isSet(secret.defaultMode)) validateMode(secret.defaultMode, `${p}.secret.defaultMode`, errs);
    const cm = obj(v.configMap);
    if (cm && isSet(cm.defaultMode)) validateMode(cm.defaultMode, `${p}.configMap.defaultMode`, errs);
    const hp = obj(v.hostPath);
    if (hp) {
      if (!str(hp.path)) errs.push(fieldErr.required(`${p}.hostPath.path`));
      enumOf(errs, hp.type, `${p}.hostPath.type`, ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice']);
    }
    const pvc = obj(v.persistentVolumeClaim);
    if (pvc && !str(pvc.claimName)) errs.push(fieldErr.required(`${p}.persistentVolumeClaim.claimName`));
    const ed = obj(v.emptyDir);
    if (ed) enumOf(errs, ed.medium, `${p}.emptyDir.medium`, ['', 'Memory', 'HugePages']);
  });
  return names;
}

function validateMode(v: unknown, field: string, errs: Errs): void {
  if (!isInt(v) || v < 0 || v > 0o777) errs.push(fieldErr.invalid(field, v, 'must be a number between 0 and 0777 (octal), both inclusive'));
}

function validateTolerations(tols: unknown, path: string, errs: Errs): void {
  eachObj(tols, (t, i) => {
    const p = `${path}[${i}]`;
    const key = str(t.key);
    if (key) pushMsgs(errs, `${p}.key`, key, isQualifiedName(key));
    const op = str(t.operator) || 'Equal';
    if (!key && op !== 'Exists') errs.push(fieldErr.invalid(`${p}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (isSet(t.tolerationSeconds) && t.effect !== 'NoExecute') errs.push(fieldErr.invalid(`${p}.effect`, t.effect ?? '', 'effect must be \'NoExecute\' when `tolerationSeconds` is set'));
    if (isSet(t.operator)) enumOf(errs, t.operator, `${p}.operator`, TOLERATION_OPERATORS);
    if (op === 'Exists' && str(t.value)) errs.push(fieldErr.invalid(`${p}.operator`, t.value, 'value must be empty when `operator` is \'Exists\''));
    enumOf(errs, t.effect, `${p}.effect`, TAINT_EFFECTS);
  });
}

/** ValidatePodSpec. `path` is e.g. `spec` or `spec.template.spec`. */
export function validatePodSpec(specValue: unknown, path: string, errs: Errs, opts: PodSpecOptions = { isPod: true }): void {
  const spec = obj(specValue);
  if (!spec) { errs.push(fieldErr.required(`${path}.containers`)); return; }
  const volumes = validateVolumes(spec.volumes, `${path}.volumes`, errs);
  const containers = arr(spec.containers);
  if (containers.length === 0) errs.push(fieldErr.required(`${path}.containers`));
  const names = new Set<string>();
  const hostPorts = new Set<string>();
  for (const kind of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    eachObj(spec[kind], (c, i) => {
      const p = `${path}.${kind}[${i}]`;
      validateContainer(c, p, kind, volumes, errs, kind === 'containers' ? hostPorts : new Set());
      const n = str(c.name);
      if (n) { if (names.has(n)) errs.push(fieldErr.duplicate(`${p}.name`, n)); names.add(n); }
    });
  }
  enumOf(errs, spec.restartPolicy, `${path}.restartPolicy`, RESTART_POLICIES, opts.isPod);
  enumOf(errs, spec.dnsPolicy, `${path}.dnsPolicy`, DNS_POLICIES, opts.isPod);
  if (spec.dnsPolicy === 'None' && !isSet(spec.dnsConfig)) errs.push(fieldErr.required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  nonNegative(errs, spec.terminationGracePeriodSeconds, `${path}.terminationGracePeriodSeconds`);
  if (isSet(spec.activeDeadlineSeconds) && (!isInt(spec.activeDeadlineSeconds) || spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > 2147483647)) {
    errs.push(fieldErr.invalid(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'));
  }
  validateLabels(spec.nodeSelector, `${path}.nodeSelector`, errs);
  validateTolerations(spec.tolerations, `${path}.tolerations`, errs);
  for (const f of ['serviceAccountName', 'nodeName', 'priorityClassName', 'hostname', 'subdomain', 'schedulerName']) {
    const v = str(spec[f]);
    if (!v) continue;
    const msgs = f === 'hostname' || f === 'subdomain' ? isDNS1123Label(v) : f === 'nodeName' || f === 'serviceAccountName' || f === 'priorityClassName' ? isDNS1123Subdomain(v) : [];
    pushMsgs(errs, `${path}.${f}`, v, msgs);
  }
  if (isSet(spec.preemptionPolicy)) enumOf(errs, spec.preemptionPolicy, `${path}.preemptionPolicy`, ['Never', 'PreemptLowerPriority']);
  eachObj(spec.imagePullSecrets, (s, i) => { if (!str(s.name)) errs.push(fieldErr.required(`${path}.imagePullSecrets[${i}].name`)); });
}

const POD_UPDATE_FORBIDDEN = 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** Containers of `next` with images taken from `prev` (same length assumed by caller). */
function withOldImages(next: unknown, prev: unknown): unknown {
  if (!Array.isArray(next) || !Array.isArray(prev) || next.length !== prev.length) return next;
  const n: unknown[] = next;
  const p: unknown[] = prev;
  return n.map((c, i) => {
    const oc = obj(p[i]);
    const nc = obj(c);
    return nc && oc ? { ...nc, image: oc.image } : c;
  });
}

/** ValidatePodUpdate: only images, activeDeadlineSeconds, added tolerations and removed scheduling gates may change. */
export function validatePodSpecUpdate(newSpecValue: unknown, oldSpecValue: unknown, errs: Errs): void {
  const ns = obj(newSpecValue) ?? {};
  const os = obj(oldSpecValue) ?? {};
  const oldAds = os.activeDeadlineSeconds;
  const newAds = ns.activeDeadlineSeconds;
  if (isSet(oldAds)) {
    if (!isSet(newAds)) errs.push(fieldErr.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
    else if (isInt(newAds) && isInt(oldAds) && newAds > oldAds) errs.push(fieldErr.invalid('spec.activeDeadlineSeconds', newAds, 'must be less than or equal to previous value'));
  }
  const oldTols = arr(os.tolerations);
  const newTols = arr(ns.tolerations);
  const tolsOk = oldTols.every((t) => newTols.some((u) => deepEqual(t, u)));
  const oldGates = arr(os.schedulingGates);
  const newGates = arr(ns.schedulingGates);
  const gatesOk = newGates.every((g) => oldGates.some((h) => deepEqual(g, h)));
  if (!gatesOk) errs.push(fieldErr.forbidden('spec.schedulingGates', 'only deletion is allowed, but found new scheduling gate'));
  const mutable: Obj = {
    ...ns,
    containers: withOldImages(ns.containers, os.containers),
    initContainers: withOldImages(ns.initContainers, os.initContainers),
    activeDeadlineSeconds: os.activeDeadlineSeconds,
    tolerations: tolsOk ? os.tolerations : ns.tolerations,
    schedulingGates: os.schedulingGates,
  };
  if (isInt(os.terminationGracePeriodSeconds) && os.terminationGracePeriodSeconds < 0 && ns.terminationGracePeriodSeconds === 1) {
    mutable.terminationGracePeriodSeconds = os.terminationGracePeriodSeconds;
  }
  if (!deepEqual(mutable, os)) errs.push(fieldErr.forbidden('spec', POD_UPDATE_FORBIDDEN));
}
