// The pods a Job creates (upstream manageJob + addCompletionIndexEnvVariables): the Job's
// template, owned by the Job, with the tracking finalizer; Indexed pods also get their
// completion index as annotation, label and JOB_COMPLETION_INDEX env var, and the
// hostname `<job>-<index>`.
import type { Container, Pod, PodSpec, PodTemplateSpec } from '../../api/types/index.js';
import { newControllerRef } from '../../api/pod-util.js';
import { clone } from '../../util/json.js';
import { JOB_COMPLETION_INDEX_ANNOTATION, JOB_COMPLETION_INDEX_ENV } from './indexes.js';
import { JOB_TRACKING_FINALIZER, type ServedJob } from './tracking.js';

export const JOB_API_VERSION = 'batch/v1';
export const JOB_KIND = 'Job';

function addIndexEnv(containers: Container[] | undefined): void {
  for (const c of containers ?? []) {
    if (c.env?.some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) continue;
    c.env = [...(c.env ?? []), {
      name: JOB_COMPLETION_INDEX_ENV,
      valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } },
    }];
  }
}

/** A new pod for `job`; `index` only for Indexed Jobs. */
export function newJobPod(job: Readonly<ServedJob>, index?: number): Pod {
  const tpl: Partial<PodTemplateSpec> = job.spec.template ?? {};
  const name = job.metadata.name ?? '';
  const meta: Pod['metadata'] = {
    generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
    namespace: job.metadata.namespace,
    labels: { ...(tpl.metadata?.labels ?? {}) },
    finalizers: [...(tpl.metadata?.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER), JOB_TRACKING_FINALIZER],
    ownerReferences: [newControllerRef(job, JOB_API_VERSION, JOB_KIND)],
  };
  if (tpl.metadata?.annotations) meta.annotations = { ...tpl.metadata.annotations };
  // A template without a spec gives `spec: {}` as before: the API server rejects the pod.
  const spec = clone(tpl.spec ?? ({} as PodSpec));
  if (index !== undefined) {
    meta.annotations = { ...(meta.annotations ?? {}), [JOB_COMPLETION_INDEX_ANNOTATION]: String(index) };
    meta.labels = { ...(meta.labels ?? {}), [JOB_COMPLETION_INDEX_ANNOTATION]: String(index) };
    if (!spec.hostname) spec.hostname = `${name}-${index}`;
    addIndexEnv(spec.containers);
    addIndexEnv(spec.initContainers);
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
}
