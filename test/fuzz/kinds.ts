// The kinds the body and endpoint targets exercise: a valid object of each, its REST path and
// the field names random edits pick from (so edits land on real fields as often as not).
export interface FuzzKind {
  group: string;
  version: string;
  kind: string;
  /** Collection path in namespace `ns`. */
  collection(ns: string): string;
  sample(name: string): Record<string, unknown>;
}

export const FIELD_NAMES = [
  'metadata', 'name', 'namespace', 'labels', 'annotations', 'finalizers', 'ownerReferences', 'generateName', 'managedFields', 'fieldsV1',
  'resourceVersion', 'uid', 'deletionTimestamp', 'creationTimestamp', 'generation',
  'spec', 'status', 'data', 'stringData', 'binaryData', 'type', 'immutable',
  'containers', 'initContainers', 'image', 'command', 'args', 'env', 'value', 'valueFrom', 'ports', 'containerPort', 'protocol', 'resources', 'limits', 'requests', 'cpu', 'memory',
  'volumes', 'volumeMounts', 'mountPath', 'subPath', 'emptyDir', 'hostPath', 'path', 'securityContext', 'privileged', 'nodeName', 'nodeSelector', 'tolerations', 'affinity',
  'selector', 'matchLabels', 'matchExpressions', 'key', 'operator', 'values', 'template', 'replicas', 'strategy', 'rollingUpdate', 'maxSurge',
  'clusterIP', 'clusterIPs', 'port', 'targetPort', 'nodePort', 'externalName', 'ipFamilies', 'sessionAffinity',
  'completions', 'parallelism', 'backoffLimit', 'activeDeadlineSeconds', 'restartPolicy', 'terminationGracePeriodSeconds', '0', '1',
];

const container = { name: 'c', image: 'busybox', command: ['sleep', '1'], resources: { limits: { cpu: '100m', memory: '32Mi' } } };
const podSpec = { containers: [container], restartPolicy: 'Never', terminationGracePeriodSeconds: 0 };

export const KINDS: readonly FuzzKind[] = [
  { group: '', version: 'v1', kind: 'ConfigMap', collection: (ns) => `/api/v1/namespaces/${ns}/configmaps`, sample: (name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { app: 'fuzz' } }, data: { a: 'b' } }) },
  { group: '', version: 'v1', kind: 'Secret', collection: (ns) => `/api/v1/namespaces/${ns}/secrets`, sample: (name) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque', stringData: { k: 'v' } }) },
  { group: '', version: 'v1', kind: 'Pod', collection: (ns) => `/api/v1/namespaces/${ns}/pods`, sample: (name) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'fuzz' } }, spec: podSpec }) },
  { group: '', version: 'v1', kind: 'Service', collection: (ns) => `/api/v1/namespaces/${ns}/services`, sample: (name) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'fuzz' }, ports: [{ port: 80, targetPort: 8080 }] } }) },
  {
    group: 'apps', version: 'v1', kind: 'Deployment', collection: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
    sample: (name) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } } }),
  },
  {
    group: 'batch', version: 'v1', kind: 'Job', collection: (ns) => `/apis/batch/v1/namespaces/${ns}/jobs`,
    sample: (name) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { backoffLimit: 0, template: { spec: podSpec } } }),
  },
];
