// core/v1 PodSpec defaulting (SetDefaults_PodSpec, _Container, _Probe, _Volume…) and the
// Pod-only extras (requests from limits, enableServiceLinks, hostNetwork ports).
// Templates (Deployment, Job, PodTemplate…) get `defaultPodSpec` only, as upstream.

import type { Obj } from './util.js';
import { child, eachObject, isAbsent, setDefault, setDefaultString, sub } from './util.js';
import { isPlainObject } from '../types/index.js';

/** Mode 0644, the upstream default for configMap/secret/downwardAPI/projected files. */
export const DEFAULT_FILE_MODE = 420;

/**
 * The tag of an image reference, as upstream's parsers.ParseImageName sees it: `latest`
 * when neither tag nor digest is given, '' when only a digest is given.
 */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return ref.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

function defaultHttpGet(h: Obj): void {
  setDefaultString(h, 'path', '/');
  setDefaultString(h, 'scheme', 'HTTP');
}

function defaultHandler(h: Obj | undefined): void {
  if (!h) return;
  const http = sub(h, 'httpGet');
  if (http) defaultHttpGet(http);
  const grpc = sub(h, 'grpc');
  if (grpc) setDefault(grpc, 'service', '');
}

function defaultProbe(p: Obj | undefined): void {
  if (!p) return;
  setDefault(p, 'timeoutSeconds', 1);
  setDefault(p, 'periodSeconds', 10);
  setDefault(p, 'successThreshold', 1);
  setDefault(p, 'failureThreshold', 3);
  defaultHandler(p);
}

function defaultEnv(env: unknown): void {
  eachObject(env, (e) => {
    const from = sub(e, 'valueFrom');
    const fieldRef = from && sub(from, 'fieldRef');
    if (fieldRef) setDefaultString(fieldRef, 'apiVersion', 'v1');
  });
}

/** SetDefaults_Container (also used for init and ephemeral containers). */
export function defaultContainer(c: Obj): void {
  if (isAbsent(c.imagePullPolicy) || c.imagePullPolicy === '') {
    const tag = typeof c.image === 'string' ? imageTag(c.image) : 'latest';
    c.imagePullPolicy = tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  setDefaultString(c, 'terminationMessagePath', '/dev/termination-log');
  setDefaultString(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'resources', {});
  eachObject(c.ports, (p) => setDefaultString(p, 'protocol', 'TCP'));
  defaultProbe(sub(c, 'livenessProbe'));
  defaultProbe(sub(c, 'readinessProbe'));
  defaultProbe(sub(c, 'startupProbe'));
  const lc = sub(c, 'lifecycle');
  if (lc) { defaultHandler(sub(lc, 'postStart')); defaultHandler(sub(lc, 'preStop')); }
  defaultEnv(c.env);
}

function defaultItemsMode(src: Obj): void { setDefault(src, 'defaultMode', DEFAULT_FILE_MODE); }

function defaultVolume(v: Obj): void {
  const sources = Object.keys(v).filter((k) => k !== 'name' && !isAbsent(v[k]));
  if (sources.length === 0) v.emptyDir = {};
  for (const k of ['secret', 'configMap', 'downwardAPI']) {
    const s = sub(v, k);
    if (s) defaultItemsMode(s);
  }
  const downward = sub(v, 'downwardAPI');
  if (downward) eachObject(downward.items, (it) => { const fr = sub(it, 'fieldRef'); if (fr) setDefaultString(fr, 'apiVersion', 'v1'); });
  const projected = sub(v, 'projected');
  if (projected) {
    defaultItemsMode(projected);
    eachObject(projected.sources, (s) => {
      const tok = sub(s, 'serviceAccountToken');
      if (tok) setDefault(tok, 'expirationSeconds', 3600);
      const d = sub(s, 'downwardAPI');
      if (d) eachObject(d.items, (it) => { const fr = sub(it, 'fieldRef'); if (fr) setDefaultString(fr, 'apiVersion', 'v1'); });
    });
  }
  const hostPath = sub(v, 'hostPath');
  if (hostPath) setDefault(hostPath, 'type', '');
  const iscsi = sub(v, 'iscsi');
  if (iscsi) setDefaultString(iscsi, 'iscsiInterface', 'default');
  const rbd = sub(v, 'rbd');
  if (rbd) { setDefaultString(rbd, 'pool', 'rbd'); setDefaultString(rbd, 'user', 'admin'); setDefaultString(rbd, 'keyring', '/etc/ceph/keyring'); }
  const azure = sub(v, 'azureDisk');
  if (azure) {
    setDefaultString(azure, 'cachingMode', 'ReadWrite');
    setDefaultString(azure, 'fsType', 'ext4');
    setDefault(azure, 'readOnly', false);
    setDefaultString(azure, 'kind', 'Shared');
  }
  const scaleIO = sub(v, 'scaleIO');
  if (scaleIO) { setDefaultString(scaleIO, 'storageMode', 'ThinProvisioned'); setDefaultString(scaleIO, 'fsType', 'xfs'); }
  const eph = sub(v, 'ephemeral');
  const tpl = eph && sub(eph, 'volumeClaimTemplate');
  const tplSpec = tpl && sub(tpl, 'spec');
  if (tplSpec) setDefaultString(tplSpec, 'volumeMode', 'Filesystem');
}

/** SetDefaults_PodSpec plus everything nested in it. Used for pods and pod templates. */
export function defaultPodSpec(spec: Obj): void {
  setDefaultString(spec, 'dnsPolicy', 'ClusterFirst');
  setDefaultString(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefaultString(spec, 'schedulerName', 'default-scheduler');
  // v1 carries the deprecated `serviceAccount` alias; conversion keeps the two in step.
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '') spec.serviceAccount = spec.serviceAccountName;
  else if (typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '') spec.serviceAccountName = spec.serviceAccount;
  eachObject(spec.containers, defaultContainer);
  eachObject(spec.initContainers, defaultContainer);
  eachObject(spec.ephemeralContainers, defaultContainer);
  eachObject(spec.volumes, defaultVolume);
}

function requestsFromLimits(c: Obj): void {
  const res = sub(c, 'resources');
  const limits = res && sub(res, 'limits');
  if (!res || !limits) return;
  const requests = child(res, 'requests');
  for (const k of Object.keys(limits)) if (requests[k] === undefined) requests[k] = limits[k];
}

function hostNetworkPorts(containers: unknown): void {
  eachObject(containers, (c) => eachObject(c.ports, (p) => {
    if (isAbsent(p.hostPort) || p.hostPort === 0) p.hostPort = p.containerPort;
  }));
}

/** SetDefaults_Pod: template defaults plus the Pod-only rules. */
export function defaultPod(pod: Obj): void {
  const spec = child(pod, 'spec');
  eachObject(spec.containers, requestsFromLimits);
  eachObject(spec.initContainers, requestsFromLimits);
  setDefault(spec, 'enableServiceLinks', true);
  if (spec.hostNetwork === true) { hostNetworkPorts(spec.containers); hostNetworkPorts(spec.initContainers); }
  defaultPodSpec(spec);
}

/** Defaults the PodTemplateSpec at `holder[key]` (no-op when absent). */
export function defaultTemplate(holder: Obj | undefined, key = 'template'): void {
  if (!holder) return;
  const tpl = holder[key];
  if (!isPlainObject(tpl)) return;
  defaultPodSpec(child(tpl, 'spec'));
}
