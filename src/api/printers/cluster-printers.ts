// Policy, autoscaling, coordination, RBAC, storage and scheduling kinds, plus the two
// fallbacks: the apiserver's default convertor (Name, Created At) used by built-in kinds
// without a printer (Role, ClusterRole, LimitRange), and Name/Age for everything else.

import type { KObject } from '../types/index.js';
import type { TablePrinter } from './types.js';
import { AGE, NAME, age, col, name, wide } from './columns.js';
import { arr, at, has, int, optBool, optInt, optStr, quantityText, str } from './json-read.js';
import { parseTime, timestampSince } from './human-duration.js';
import { ANNOTATION_BETA_IS_DEFAULT_STORAGE_CLASS, ANNOTATION_IS_DEFAULT_STORAGE_CLASS } from '../well-known.js';

export const leasePrinter: TablePrinter = {
  columns: [NAME, col('Holder', 'string', 'Identity of the current holder.'), AGE],
  row: (o, now) => [name(o), str(o, 'spec', 'holderIdentity'), age(o, now)],
};

/** An IntOrString rendered as Go's IntOrString.String(), or N/A when absent. */
function intOrString(v: unknown): string {
  if (typeof v === 'number') return String(Math.trunc(v));
  if (typeof v === 'string') return v;
  return 'N/A';
}

export const podDisruptionBudgetPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    AGE,
  ],
  row: (o, now) => [
    name(o), intOrString(at(o, 'spec', 'minAvailable')), intOrString(at(o, 'spec', 'maxUnavailable')),
    int(o, 'status', 'disruptionsAllowed'), age(o, now),
  ],
};

/** One autoscaling/v2 metric against its status (formatHPAMetrics). */
function hpaMetric(spec: unknown, status: unknown): string {
  const type = str(spec, 'type');
  const cur = (src: string, field: string): string => {
    const v = at(status, src, 'current', field);
    return v === undefined ? '<unknown>' : quantityText(v);
  };
  switch (type) {
    case 'External':
    case 'Object': {
      const src = type === 'External' ? 'external' : 'object';
      const avg = at(spec, src, 'target', 'averageValue');
      if (avg !== undefined) return `${cur(src, 'averageValue')}/${quantityText(avg)} (avg)`;
      return `${has(status, src) ? quantityText(at(status, src, 'current', 'value')) : '<unknown>'}/${quantityText(at(spec, src, 'target', 'value'))}`;
    }
    case 'Pods':
      return `${has(status, 'pods') ? quantityText(at(status, 'pods', 'current', 'averageValue')) : '<unknown>'}/${quantityText(at(spec, 'pods', 'target', 'averageValue'))}`;
    case 'Resource':
    case 'ContainerResource': {
      const src = type === 'Resource' ? 'resource' : 'containerResource';
      const res = str(spec, src, 'name');
      const avg = at(spec, src, 'target', 'averageValue');
      if (avg !== undefined) return `${res}: ${has(status, src) ? quantityText(at(status, src, 'current', 'averageValue')) : '<unknown>'}/${quantityText(avg)}`;
      const curUtil = optInt(status, src, 'current', 'averageUtilization');
      const target = optInt(spec, src, 'target', 'averageUtilization');
      return `${res}: ${curUtil !== undefined ? `${curUtil}%` : '<unknown>'}/${target !== undefined ? `${target}%` : '<auto>'}`;
    }
    default:
      return '<unknown type>';
  }
}

/** TARGETS: the first two metrics, then ` + N more...`; autoscaling/v1 objects show their CPU target. */
export function hpaTargets(o: KObject): string {
  let specs = arr(o, 'spec', 'metrics');
  let statuses = arr(o, 'status', 'currentMetrics');
  const v1Target = optInt(o, 'spec', 'targetCPUUtilizationPercentage');
  if (specs.length === 0 && v1Target !== undefined) {
    specs = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: v1Target } } }];
    const v1Current = optInt(o, 'status', 'currentCPUUtilizationPercentage');
    statuses = v1Current === undefined ? [] : [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: v1Current } } }];
  }
  if (specs.length === 0) return '<none>';
  const list = specs.map((s, i) => hpaMetric(s, statuses[i]));
  const max = 2;
  return list.length > max ? `${list.slice(0, max).join(', ')} + ${list.length - max} more...` : list.join(', ');
}

export const horizontalPodAutoscalerPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Reference', 'string', 'The scaled object, as Kind/Name.'),
    col('Targets', 'string', 'Current over target value of each metric.'),
    col('MinPods', 'string', 'Lower replica limit.'),
    col('MaxPods', 'string', 'Upper replica limit.'),
    col('Replicas', 'string', 'Current number of replicas.'),
    AGE,
  ],
  row(o, now) {
    const min = optInt(o, 'spec', 'minReplicas');
    return [
      name(o), `${str(o, 'spec', 'scaleTargetRef', 'kind')}/${str(o, 'spec', 'scaleTargetRef', 'name')}`, hpaTargets(o),
      min === undefined ? '<unset>' : String(min), int(o, 'spec', 'maxReplicas'), int(o, 'status', 'currentReplicas'), age(o, now),
    ];
  },
};

/** Users, groups and service accounts (`namespace/name`) of a binding, each joined with ", ". */
export function subjectCells(o: KObject): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of arr(o, 'subjects')) {
    switch (str(s, 'kind')) {
      case 'User':
        users.push(str(s, 'name'));
        break;
      case 'Group':
        groups.push(str(s, 'name'));
        break;
      case 'ServiceAccount':
        sas.push(`${str(s, 'namespace')}/${str(s, 'name')}`);
        break;
    }
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

function bindingPrinter(what: string): TablePrinter {
  return {
    columns: [
      NAME,
      col('Role', 'string', 'The role granted, as Kind/Name.'),
      AGE,
      wide('Users', 'string', `Users in the ${what}`),
      wide('Groups', 'string', `Groups in the ${what}`),
      wide('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`),
    ],
    row: (o, now) => [name(o), `${str(o, 'roleRef', 'kind')}/${str(o, 'roleRef', 'name')}`, age(o, now), ...subjectCells(o)],
  };
}

export const roleBindingPrinter = bindingPrinter('roleBinding');
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding');

const DEFAULT_CLASS_ANNOTATIONS = [ANNOTATION_IS_DEFAULT_STORAGE_CLASS, ANNOTATION_BETA_IS_DEFAULT_STORAGE_CLASS];

export const storageClassPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Provisioner', 'string', 'Volume plugin that provisions volumes of this class.'),
    col('ReclaimPolicy', 'string', 'Reclaim policy of provisioned volumes.'),
    col('VolumeBindingMode', 'string', 'When volumes are bound and provisioned.'),
    col('AllowVolumeExpansion', 'string', 'Whether volumes can be resized.'),
    AGE,
  ],
  row(o, now) {
    const ann = o.metadata.annotations ?? {};
    const isDefault = DEFAULT_CLASS_ANNOTATIONS.some((a) => ann[a] === 'true');
    return [
      isDefault ? `${name(o)} (default)` : name(o), str(o, 'provisioner'), optStr(o, 'reclaimPolicy') ?? 'Delete',
      optStr(o, 'volumeBindingMode') ?? 'Immediate', optBool(o, 'allowVolumeExpansion') ?? false, age(o, now),
    ];
  },
};

export const priorityClassPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Value', 'integer', 'Priority of pods using this class.'),
    col('Global-Default', 'boolean', 'Whether this is the default class for pods without one.'),
    AGE,
    col('PreemptionPolicy', 'string', 'Whether pods of this class may preempt others.'),
  ],
  row: (o, now) => [name(o), int(o, 'value'), optBool(o, 'globalDefault') ?? false, age(o, now), str(o, 'preemptionPolicy')],
};

/** Go's time.RFC3339 in UTC (no fractional seconds); the zero time when absent. */
function rfc3339(ts: unknown): string {
  const t = parseTime(ts);
  if (t === undefined) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The apiserver's default table (rest.NewDefaultTableConvertor) for built-in kinds without a printer. */
export const createdAtPrinter: TablePrinter = {
  columns: [NAME, col('Created At', 'date', 'Time the object was created (metadata.creationTimestamp).')],
  row: (o) => [name(o), rfc3339(o.metadata.creationTimestamp)],
};

/** Name and Age for kinds nothing else knows, e.g. custom resources without printer columns. */
export const defaultPrinter: TablePrinter = {
  columns: [NAME, col('Age', 'date', 'Time since the object was created (metadata.creationTimestamp).')],
  row: (o, now) => [name(o), timestampSince(o.metadata.creationTimestamp, now)],
};
