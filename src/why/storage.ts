// PVC → PV / StorageClass: a claim that stays Pending names the class that does not exist, the
// missing default class, or the volumes that almost match (and why they do not).
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../api/types/index.js';
import { ANNOTATION_BETA_IS_DEFAULT_STORAGE_CLASS, ANNOTATION_IS_DEFAULT_STORAGE_CLASS } from '../api/well-known.js';
import { parseQuantity, compareQuantities } from '../api/quantity/index.js';
import { eventLine, eventsFor } from './events.js';
import type { Diagnosis, WhyFacts } from './types.js';

function isDefaultClass(c: StorageClass): boolean {
  const a = c.metadata.annotations ?? {};
  return a[ANNOTATION_IS_DEFAULT_STORAGE_CLASS] === 'true' || a[ANNOTATION_BETA_IS_DEFAULT_STORAGE_CLASS] === 'true';
}

/** Why `pv` cannot bind `pvc`, or undefined when it could. */
export function pvMismatch(pv: PersistentVolume, pvc: PersistentVolumeClaim, className: string): string | undefined {
  if (pv.spec?.claimRef && pv.spec.claimRef.name !== pvc.metadata.name) return `bound to ${pv.spec.claimRef.namespace}/${pv.spec.claimRef.name}`;
  if (pv.status?.phase && pv.status.phase !== 'Available' && !pv.spec?.claimRef) return `phase ${pv.status.phase}`;
  if ((pv.spec?.storageClassName ?? '') !== className) return `storage class "${pv.spec?.storageClassName ?? ''}", the claim wants "${className}"`;
  const modes = pvc.spec?.accessModes ?? [];
  const missing = modes.filter((m) => !(pv.spec?.accessModes ?? []).includes(m));
  if (missing.length) return `access modes ${(pv.spec?.accessModes ?? []).join(',') || 'none'}, the claim wants ${modes.join(',')}`;
  const want = pvc.spec?.resources?.requests?.storage;
  const have = pv.spec?.capacity?.storage;
  if (want && have) {
    try {
      if (compareQuantities(parseQuantity(String(have)), parseQuantity(String(want))) < 0) return `capacity ${have}, the claim requests ${want}`;
    } catch {
      return `capacity ${have} not comparable with the request ${want}`;
    }
  }
  return undefined;
}

export function diagnosePvc(pvc: PersistentVolumeClaim, facts: WhyFacts): Diagnosis {
  const subject = `persistentvolumeclaim/${pvc.metadata.name}`;
  const events = eventsFor(facts.events, pvc, 'PersistentVolumeClaim');
  const evLines = events.filter((e) => e.type === 'Warning').slice(0, 3).map(eventLine);
  if (pvc.status?.phase === 'Bound') {
    return { healthy: true, subject, summary: `Bound to persistentvolume/${pvc.spec?.volumeName} (${pvc.status.capacity?.storage ?? '?'})`, chain: [subject, `persistentvolume/${pvc.spec?.volumeName}`], evidence: [] };
  }
  if (pvc.status?.phase === 'Lost') {
    return { healthy: false, subject, link: `persistentvolume/${pvc.spec?.volumeName}`, cause: 'is gone: the claim is Lost', chain: [subject, `persistentvolume/${pvc.spec?.volumeName}`], evidence: evLines };
  }
  const named = pvc.spec?.storageClassName;
  const defaults = facts.storageClasses.filter(isDefaultClass);
  const className = named ?? defaults[0]?.metadata.name ?? '';
  if (className) {
    const sc = facts.storageClasses.find((c) => c.metadata.name === className);
    if (!sc) {
      const misses = facts.persistentVolumes.filter((pv) => !pvMismatch(pv, pvc, className));
      if (!misses.length) return { healthy: false, subject, link: `storageclass/${className}`, cause: `does not exist and no PersistentVolume of that class is available: the claim stays Pending`, chain: [subject, `storageclass/${className}`], evidence: [`storage classes: ${facts.storageClasses.map((c) => c.metadata.name).join(', ') || 'none'}`, ...evLines] };
    } else if (sc.volumeBindingMode === 'WaitForFirstConsumer') {
      return { healthy: true, subject, summary: `Pending until a pod uses it (storageclass/${className} binds WaitForFirstConsumer)`, chain: [subject, `storageclass/${className}`], evidence: evLines };
    } else if (evLines.length) {
      return { healthy: false, subject, link: `storageclass/${className}`, cause: `has not provisioned a volume (provisioner ${sc.provisioner}): ${events.find((e) => e.type === 'Warning')!.message ?? ''}`, chain: [subject, `storageclass/${className}`], evidence: evLines };
    }
  }
  const candidates = facts.persistentVolumes.map((pv) => ({ pv, why: pvMismatch(pv, pvc, className) }));
  if (candidates.some((c) => !c.why)) {
    return { healthy: false, subject, link: subject, cause: 'is Pending although a matching PersistentVolume is Available: is the persistentvolume controller running?', chain: [subject], evidence: evLines };
  }
  const evidence = candidates.slice(0, 5).map((c) => `persistentvolume/${c.pv.metadata.name}: ${c.why}`);
  const noClass = !className ? ' and there is no default StorageClass' : '';
  return { healthy: false, subject, link: subject, cause: `is Pending: no PersistentVolume matches${noClass}${className ? ` (class "${className}")` : ''}`, chain: [subject], evidence: [...evidence, ...evLines] };
}
