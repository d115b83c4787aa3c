// Rewrites every quantity-typed field of the built-in kinds into canonical form, in place.
//
// Two kinds of field exist upstream: ResourceList maps (requests, limits, hard, capacity…),
// whose values defaulting rounds up to milli precision, and lone quantities (emptyDir
// sizeLimit, CSIStorageCapacity sizes), which keep nano precision. Invalid values are
// reported as field errors and left untouched.

import type { KObject } from '../types/index.js';
import { isPlainObject } from '../types/index.js';
import type { FieldError } from '../status.js';
import { fieldErr } from '../status.js';
import { canonicalQuantity, parseQuantity, roundUpQuantity, QUANTITY_REGEX_MESSAGE } from './quantity.js';

type Obj = Record<string, unknown>;

// Canonical strings for inputs seen before; writes repeat the same few values constantly.
const CACHE_LIMIT = 4096;
const listCache = new Map<string, string>();
const plainCache = new Map<string, string>();

function canonicalString(raw: string | number, milli: boolean): string {
  const key = typeof raw === 'number' ? `#${raw}` : raw;
  const cache = milli ? listCache : plainCache;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let q = parseQuantity(raw);
  if (milli) q = roundUpQuantity(q, -3);
  const out = canonicalQuantity(q);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, out);
  return out;
}

/** Canonicalizes one lone quantity field `obj[key]`. */
function fixScalar(obj: Obj, key: string, path: string, errs: FieldError[]): void {
  const v = obj[key];
  if (v === undefined || v === null) return;
  if (typeof v !== 'string' && typeof v !== 'number') { errs.push(fieldErr.invalid(path, v, QUANTITY_REGEX_MESSAGE)); return; }
  try { obj[key] = canonicalString(v, false); } catch { errs.push(fieldErr.invalid(path, v, QUANTITY_REGEX_MESSAGE)); }
}

/** Canonicalizes a ResourceList `parent[key]` (values rounded up to milli). */
function fixList(parent: unknown, key: string, path: string, errs: FieldError[]): void {
  if (!isPlainObject(parent)) return;
  const list = parent[key];
  if (!isPlainObject(list)) return;
  for (const name of Object.keys(list)) {
    const v = list[name];
    const p = `${path}.${key}[${name}]`;
    if (typeof v !== 'string' && typeof v !== 'number') { errs.push(fieldErr.invalid(p, v, QUANTITY_REGEX_MESSAGE)); continue; }
    try { list[name] = canonicalString(v, true); } catch { errs.push(fieldErr.invalid(p, v, QUANTITY_REGEX_MESSAGE)); }
  }
}

function fixRequirements(parent: unknown, path: string, errs: FieldError[]): void {
  if (!isPlainObject(parent) || !isPlainObject(parent.resources)) return;
  const p = `${path}.resources`;
  fixList(parent.resources, 'limits', p, errs);
  fixList(parent.resources, 'requests', p, errs);
}

function forEachItem(arr: unknown, fn: (item: Obj, i: number) => void): void {
  if (!Array.isArray(arr)) return;
  for (let i = 0; i < arr.length; i++) { const it: unknown = arr[i]; if (isPlainObject(it)) fn(it, i); }
}

function fixPvcSpec(spec: unknown, path: string, errs: FieldError[]): void {
  fixRequirements(spec, path, errs);
}

/** PodSpec at `path`. */
export function canonicalizePodSpecQuantities(spec: unknown, path: string, errs: FieldError[]): void {
  if (!isPlainObject(spec)) return;
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    forEachItem(spec[field], (c, i) => fixRequirements(c, `${path}.${field}[${i}]`, errs));
  }
  fixList(spec, 'overhead', path, errs);
  if (isPlainObject(spec.resources)) {
    fixList(spec.resources, 'limits', `${path}.resources`, errs);
    fixList(spec.resources, 'requests', `${path}.resources`, errs);
  }
  forEachItem(spec.volumes, (v, i) => {
    const vp = `${path}.volumes[${i}]`;
    if (isPlainObject(v.emptyDir)) fixScalar(v.emptyDir, 'sizeLimit', `${vp}.emptyDir.sizeLimit`, errs);
    const eph = v.ephemeral;
    if (isPlainObject(eph) && isPlainObject(eph.volumeClaimTemplate)) {
      fixPvcSpec(eph.volumeClaimTemplate.spec, `${vp}.ephemeral.volumeClaimTemplate.spec`, errs);
    }
  });
}

function templateSpec(tpl: unknown, path: string, errs: FieldError[]): void {
  if (isPlainObject(tpl)) canonicalizePodSpecQuantities(tpl.spec, `${path}.spec`, errs);
}

/**
 * Canonicalizes all quantity fields of a known kind in place; returns errors for values
 * that do not parse. Unknown kinds are left alone.
 */
export function canonicalizeQuantities(group: string, kind: string, obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj.spec;
  const status = obj.status;
  switch (`${kind}.${group}`) {
    case 'Pod.':
      canonicalizePodSpecQuantities(spec, 'spec', errs);
      break;
    case 'PodTemplate.':
      templateSpec(obj.template, 'template', errs);
      break;
    case 'ReplicationController.':
    case 'Deployment.apps':
    case 'ReplicaSet.apps':
    case 'DaemonSet.apps':
    case 'Job.batch':
      if (isPlainObject(spec)) templateSpec(spec.template, 'spec.template', errs);
      break;
    case 'StatefulSet.apps':
      if (isPlainObject(spec)) {
        templateSpec(spec.template, 'spec.template', errs);
        forEachItem(spec.volumeClaimTemplates, (t, i) => fixPvcSpec(t.spec, `spec.volumeClaimTemplates[${i}].spec`, errs));
      }
      break;
    case 'CronJob.batch':
      if (isPlainObject(spec) && isPlainObject(spec.jobTemplate) && isPlainObject(spec.jobTemplate.spec)) {
        templateSpec(spec.jobTemplate.spec.template, 'spec.jobTemplate.spec.template', errs);
      }
      break;
    case 'PersistentVolumeClaim.':
      fixPvcSpec(spec, 'spec', errs);
      fixList(status, 'capacity', 'status', errs);
      fixList(status, 'allocatedResources', 'status', errs);
      break;
    case 'PersistentVolume.':
      fixList(spec, 'capacity', 'spec', errs);
      break;
    case 'ResourceQuota.':
      fixList(spec, 'hard', 'spec', errs);
      fixList(status, 'hard', 'status', errs);
      fixList(status, 'used', 'status', errs);
      break;
    case 'LimitRange.':
      if (isPlainObject(spec)) {
        forEachItem(spec.limits, (l, i) => {
          const p = `spec.limits[${i}]`;
          for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) fixList(l, f, p, errs);
        });
      }
      break;
    case 'Node.':
      fixList(status, 'capacity', 'status', errs);
      fixList(status, 'allocatable', 'status', errs);
      break;
    case 'CSIStorageCapacity.storage.k8s.io':
      fixScalar(obj, 'capacity', 'capacity', errs);
      fixScalar(obj, 'maximumVolumeSize', 'maximumVolumeSize', errs);
      break;
    default:
      break;
  }
  return errs;
}
