// apps and batch workloads: Deployment, ReplicaSet, ReplicationController, StatefulSet,
// DaemonSet, ControllerRevision, Job, CronJob. Replica counts are integer cells except
// where upstream prints "ready/desired" strings.

import type { KObject } from '../types/index.js';
import type { TablePrinter } from './types.js';
import { AGE, CONTAINERS, IMAGES, NAME, SELECTOR, age, col, conditionStatus, containerCells, name } from './columns.js';
import { arr, at, boolPtrText, has, int, optBool, optInt, optStr, rec, str, strMap } from './json-read.js';
import { humanDuration, parseTime, timestampSince } from './human-duration.js';
import { formatLabelSelector, formatLabels, labelSelectorFromMeta, selectorToString, type LabelSelectorMeta } from '../selectors/index.js';

/** spec.replicas after defaulting (the apiserver defaults a missing value to 1). */
const replicas = (o: KObject): number => optInt(o, 'spec', 'replicas') ?? 1;

function metaSelector(o: unknown, ...path: string[]): LabelSelectorMeta | null {
  return has(o, ...path) ? (rec(o, ...path) as LabelSelectorMeta) : null;
}

export const deploymentPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Ready', 'string', 'Ready pods over desired replicas.'),
    col('Up-to-date', 'string', 'Pods running the latest template.'),
    col('Available', 'string', 'Pods available for at least minReadySeconds.'),
    AGE, CONTAINERS, IMAGES, SELECTOR,
  ],
  row(o, now) {
    let selector: string;
    try {
      selector = selectorToString(labelSelectorFromMeta(metaSelector(o, 'spec', 'selector')));
    } catch {
      selector = '<invalid>';
    }
    const [names, images] = containerCells(at(o, 'spec', 'template', 'spec'));
    return [
      name(o), `${int(o, 'status', 'readyReplicas')}/${replicas(o)}`, int(o, 'status', 'updatedReplicas'),
      int(o, 'status', 'availableReplicas'), age(o, now), names, images, selector,
    ];
  },
};

const replicaColumns = [
  NAME,
  col('Desired', 'integer', 'Desired number of pods.'),
  col('Current', 'integer', 'Most recently observed number of pods.'),
  col('Ready', 'integer', 'Pods that are ready.'),
  AGE, CONTAINERS, IMAGES, SELECTOR,
];

export const replicaSetPrinter: TablePrinter = {
  columns: replicaColumns,
  row(o, now) {
    const [names, images] = containerCells(at(o, 'spec', 'template', 'spec'));
    return [
      name(o), replicas(o), int(o, 'status', 'replicas'), int(o, 'status', 'readyReplicas'), age(o, now),
      names, images, formatLabelSelector(metaSelector(o, 'spec', 'selector')),
    ];
  },
};

/** core/v1 ReplicationController: like a ReplicaSet, but its selector is a plain map. */
export const replicationControllerPrinter: TablePrinter = {
  columns: replicaColumns,
  row(o, now) {
    const [names, images] = containerCells(at(o, 'spec', 'template', 'spec'));
    return [
      name(o), replicas(o), int(o, 'status', 'replicas'), int(o, 'status', 'readyReplicas'), age(o, now),
      names, images, formatLabels(strMap(o, 'spec', 'selector')),
    ];
  },
};

export const statefulSetPrinter: TablePrinter = {
  columns: [NAME, col('Ready', 'string', 'Ready pods over desired replicas.'), AGE, CONTAINERS, IMAGES],
  row(o, now) {
    const [names, images] = containerCells(at(o, 'spec', 'template', 'spec'));
    return [name(o), `${int(o, 'status', 'readyReplicas')}/${replicas(o)}`, age(o, now), names, images];
  },
};

export const daemonSetPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Desired', 'integer', 'Nodes that should run the daemon pod.'),
    col('Current', 'integer', 'Nodes running at least one daemon pod that should.'),
    col('Ready', 'integer', 'Nodes whose daemon pod is ready.'),
    col('Up-to-date', 'integer', 'Nodes running the updated daemon pod.'),
    col('Available', 'integer', 'Nodes whose daemon pod is available.'),
    col('Node Selector', 'string', 'Node selector of the pod template.'),
    AGE, CONTAINERS, IMAGES, SELECTOR,
  ],
  row(o, now) {
    const [names, images] = containerCells(at(o, 'spec', 'template', 'spec'));
    return [
      name(o), int(o, 'status', 'desiredNumberScheduled'), int(o, 'status', 'currentNumberScheduled'),
      int(o, 'status', 'numberReady'), int(o, 'status', 'updatedNumberScheduled'), int(o, 'status', 'numberAvailable'),
      formatLabels(strMap(o, 'spec', 'template', 'spec', 'nodeSelector')), age(o, now),
      names, images, formatLabelSelector(metaSelector(o, 'spec', 'selector')),
    ];
  },
};

/** `kind.group/name` of the controlling owner, lower-cased kind and group, or `<none>`. */
export function controllerName(o: KObject): string {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const apiVersion = ref.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (!ref.kind && !group) return ref.name;
  const gk = group ? `${ref.kind}.${group}` : ref.kind;
  return `${gk.toLowerCase()}/${ref.name}`;
}

export const controllerRevisionPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Controller', 'string', 'Controller of the object.'),
    col('Revision', 'string', 'Revision number of the stored state.'),
    AGE,
  ],
  row: (o, now) => [name(o), controllerName(o), int(o, 'revision'), age(o, now)],
};

/** printJob's STATUS: the first of these that applies. */
export function jobStatus(o: KObject): string {
  const is = (type: string): boolean => conditionStatus(o, type, 'status', 'conditions') === 'True';
  if (is('Complete')) return 'Complete';
  if (is('Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (is('Suspended')) return 'Suspended';
  if (is('FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(o: KObject): string {
  const succeeded = int(o, 'status', 'succeeded');
  const completions = optInt(o, 'spec', 'completions');
  if (completions !== undefined) return `${succeeded}/${completions}`;
  const parallelism = optInt(o, 'spec', 'parallelism') ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(o: KObject, now: number): string {
  const start = parseTime(at(o, 'status', 'startTime'));
  if (start === undefined) return '';
  const end = parseTime(at(o, 'status', 'completionTime'));
  return humanDuration((end ?? now) - start);
}

export const jobPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', 'Succeeded pods over desired completions.'),
    col('Duration', 'string', 'Time required to complete the job.'),
    AGE, CONTAINERS, IMAGES, SELECTOR,
  ],
  row(o, now) {
    const [names, images] = containerCells(at(o, 'spec', 'template', 'spec'));
    return [
      name(o), jobStatus(o), jobCompletions(o), jobDuration(o, now), age(o, now),
      names, images, formatLabelSelector(metaSelector(o, 'spec', 'selector')),
    ];
  },
};

export const cronJobPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Schedule', 'string', 'Cron schedule of the job.'),
    col('Timezone', 'string', 'Time zone the schedule is interpreted in.'),
    col('Suspend', 'boolean', 'Whether new runs are suspended.'),
    col('Active', 'integer', 'Number of running jobs.'),
    col('Last Schedule', 'string', 'Time since the job was last scheduled.'),
    AGE, CONTAINERS, IMAGES, SELECTOR,
  ],
  row(o, now) {
    const jobSpec = at(o, 'spec', 'jobTemplate', 'spec');
    const [names, images] = containerCells(at(jobSpec, 'template', 'spec'));
    const last = at(o, 'status', 'lastScheduleTime');
    return [
      name(o), str(o, 'spec', 'schedule'), optStr(o, 'spec', 'timeZone') ?? '<none>', boolPtrText(optBool(o, 'spec', 'suspend')),
      arr(o, 'status', 'active').length, last === undefined || last === null ? '<none>' : timestampSince(last, now), age(o, now),
      names, images, formatLabelSelector(metaSelector(jobSpec, 'selector')),
    ];
  },
};
