import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types/index.js';
import type { FieldError } from '../status.js';
import { validateObject, validateUpdate, cronScheduleError, timeZoneError, selectorMatches } from './index.js';
import { applyDefaults } from '../defaults/index.js';

// Fixtures are free-form JSON; `any` keeps deep property access readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = Record<string, any>;

const msgs = (errs: FieldError[]): string[] => errs.map((e) => `${e.field}: ${e.message}`);

function prepared(group: string, kind: string, o: J, version = 'v1'): KObject {
  applyDefaults(group, version, kind, o as KObject);
  return o as KObject;
}

const pod = (): J => ({ metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
const deploy = (): J => ({
  metadata: { name: 'd', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});

test('valid defaulted objects have no errors', () => {
  assert.deepEqual(msgs(validateObject('', 'Pod', prepared('', 'Pod', pod()))), []);
  assert.deepEqual(msgs(validateObject('apps', 'Deployment', prepared('apps', 'Deployment', deploy()))), []);
  const svc = prepared('', 'Service', { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'x' }, ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] } });
  assert.deepEqual(msgs(validateObject('', 'Service', svc)), []);
  const ns = prepared('', 'Namespace', { metadata: { name: 'dev' } });
  assert.deepEqual(msgs(validateObject('', 'Namespace', ns)), []);
});

test('metadata rules', () => {
  const noName = pod();
  delete noName.metadata.name;
  assert.deepEqual(msgs(validateObject('', 'Pod', prepared('', 'Pod', noName))), ['metadata.name: Required value: name or generateName is required']);
  const bad = pod();
  bad.metadata.name = 'Bad_Name';
  assert.deepEqual(msgs(validateObject('', 'Pod', prepared('', 'Pod', bad))), [
    "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  ]);
  const svc = { metadata: { name: '1abc', namespace: 'default' }, spec: { ports: [{ port: 80 }] } };
  assert.match(msgs(validateObject('', 'Service', prepared('', 'Service', svc)))[0]!, /^metadata.name: Invalid value: "1abc": a DNS-1035 label/);
  const nsDots = { metadata: { name: 'a.b' } };
  assert.match(msgs(validateObject('', 'Namespace', prepared('', 'Namespace', nsDots)))[0]!, /RFC 1123 label/);
  const role = { metadata: { name: 'system:controller:x', namespace: 'default' }, rules: [] };
  assert.deepEqual(msgs(validateObject('rbac.authorization.k8s.io', 'Role', role as KObject)), []);
  const roleSlash = { metadata: { name: 'a/b', namespace: 'default' } };
  assert.deepEqual(msgs(validateObject('rbac.authorization.k8s.io', 'Role', roleSlash as KObject)), ['metadata.name: Invalid value: "a/b": may not contain \'/\'']);
  const gen = pod();
  gen.metadata.generateName = 'web-';
  assert.deepEqual(msgs(validateObject('', 'Pod', prepared('', 'Pod', gen))), []);
  const labels = pod();
  labels.metadata.labels = { 'bad key!': 'x', ok: 'a'.repeat(64) };
  const lm = msgs(validateObject('', 'Pod', prepared('', 'Pod', labels)));
  assert.equal(lm.length, 2);
  assert.match(lm[0]!, /^metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters/);
  assert.equal(lm[1], `metadata.labels: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`);
  const ann = pod();
  ann.metadata.annotations = { big: 'x'.repeat(262144) };
  assert.deepEqual(msgs(validateObject('', 'Pod', prepared('', 'Pod', ann))), ['metadata.annotations: Too long: must have at most 262144 bytes']);
  const noNs = pod();
  delete noNs.metadata.namespace;
  assert.deepEqual(msgs(validateObject('', 'Pod', prepared('', 'Pod', noNs))), ['metadata.namespace: Required value']);
  const owner = pod();
  owner.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs' }];
  assert.deepEqual(msgs(validateObject('', 'Pod', prepared('', 'Pod', owner))), ['metadata.ownerReferences[0].uid: Invalid value: "": uid must not be empty']);
});

test('pod spec rules', () => {
  const p = pod();
  p.spec.containers = [
    { name: 'c', image: '', ports: [{ containerPort: 70000 }], resources: { limits: { cpu: '1' }, requests: { cpu: '2' } }, volumeMounts: [{ name: 'nope', mountPath: '/x' }] },
    { name: 'c', image: 'x', livenessProbe: { periodSeconds: 5 }, env: [{ name: '1BAD', value: 'v' }] },
  ];
  p.spec.restartPolicy = 'Sometimes';
  p.spec.volumes = [{ name: 'v', emptyDir: {}, hostPath: { path: '/' } }, { name: 'v', configMap: { name: 'c' } }];
  const m = msgs(validateObject('', 'Pod', prepared('', 'Pod', p)));
  const want = [
    'spec.volumes[0].emptyDir: Forbidden: may not specify more than 1 volume type',
    'spec.volumes[1].name: Duplicate value: "v"',
    'spec.containers[0].image: Required value',
    'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'spec.containers[0].volumeMounts[0].name: Not found: "nope"',
    'spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1',
    'spec.containers[1].livenessProbe: Required value: must specify a handler type',
    'spec.containers[1].name: Duplicate value: "c"',
    'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
  ];
  for (const w of want) assert.ok(m.includes(w), `missing ${w}\n got ${m.join('\n')}`);
  assert.ok(m.some((x) => x.startsWith('spec.containers[1].env[0].name: Invalid value: "1BAD": a valid environment variable name')));
  const noContainers = { metadata: { name: 'p', namespace: 'd' }, spec: {} };
  assert.ok(msgs(validateObject('', 'Pod', prepared('', 'Pod', noContainers))).includes('spec.containers: Required value'));
});

test('deployment rules', () => {
  const d = deploy();
  d.spec.template.metadata.labels = { app: 'y' };
  d.spec.replicas = -1;
  d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } };
  d.spec.template.spec.restartPolicy = 'Never';
  const m = msgs(validateObject('apps', 'Deployment', prepared('apps', 'Deployment', d)));
  for (const w of [
    'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"y"}: `selector` does not match template `labels`',
    'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0',
  ]) assert.ok(m.includes(w), `missing ${w}\n got ${m.join('\n')}`);
  const noSel = deploy();
  delete noSel.spec.selector;
  assert.ok(msgs(validateObject('apps', 'Deployment', prepared('apps', 'Deployment', noSel))).includes('spec.selector: Required value'));
  const upd = deploy();
  upd.spec.selector = { matchLabels: { app: 'z' } };
  assert.deepEqual(msgs(validateUpdate('apps', 'Deployment', upd as KObject, deploy() as KObject)), ['spec.selector: Invalid value: {"matchLabels":{"app":"z"}}: field is immutable']);
});

test('job and cronjob rules', () => {
  const job = { metadata: { name: 'j', namespace: 'd' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } };
  const m = msgs(validateObject('batch', 'Job', prepared('batch', 'Job', job)));
  assert.ok(m.includes('spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'), m.join('\n'));
  const cj = (schedule: string, tz?: string): KObject => prepared('batch', 'CronJob', {
    metadata: { name: 'c', namespace: 'd' },
    spec: { schedule, ...(tz ? { timeZone: tz } : {}), jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } } },
  });
  assert.deepEqual(msgs(validateObject('batch', 'CronJob', cj('*/5 * * * *', 'Europe/Berlin'))), []);
  assert.deepEqual(msgs(validateObject('batch', 'CronJob', cj('@hourly'))), []);
  assert.deepEqual(msgs(validateObject('batch', 'CronJob', cj('* * *'))), ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: * * *']);
  assert.deepEqual(msgs(validateObject('batch', 'CronJob', cj('0 0 * * *', 'Mars/Olympus'))), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
  assert.equal(cronScheduleError('0 9-17 * JAN-MAR MON-FRI'), undefined);
  assert.equal(cronScheduleError('60 * * * *'), 'end of range (60) above maximum (59): 60');
  assert.equal(cronScheduleError('@often'), 'unrecognized descriptor: @often');
  assert.equal(timeZoneError('UTC'), undefined);
  assert.equal(timeZoneError('utc'), 'unknown time zone utc');
});

test('service rules', () => {
  const s = (spec: J): KObject => prepared('', 'Service', { metadata: { name: 's', namespace: 'd' }, spec });
  assert.deepEqual(msgs(validateObject('', 'Service', s({ selector: { a: 'b' } }))), ['spec.ports: Required value']);
  assert.deepEqual(msgs(validateObject('', 'Service', s({ clusterIP: 'None' }))), []);
  assert.deepEqual(msgs(validateObject('', 'Service', s({ type: 'ExternalName' }))), ['spec.externalName: Required value']);
  const m = msgs(validateObject('', 'Service', s({ type: 'Magic', ports: [{ port: 80 }, { port: 0, name: 'b' }] })));
  assert.ok(m.includes('spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'), m.join('\n'));
  assert.ok(m.includes('spec.ports[0].name: Required value'));
  assert.ok(m.includes('spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive'));
  const lbNone = msgs(validateObject('', 'Service', s({ type: 'LoadBalancer', clusterIP: 'None', ports: [{ port: 80 }] })));
  assert.ok(lbNone.includes('spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for LoadBalancer services'), lbNone.join('\n'));
  const old = s({ clusterIP: '10.43.0.5', clusterIPs: ['10.43.0.5'], ports: [{ port: 80 }] });
  const changed = s({ clusterIP: '10.43.0.6', clusterIPs: ['10.43.0.6'], ports: [{ port: 80 }] });
  assert.deepEqual(msgs(validateUpdate('', 'Service', changed, old)), ['spec.clusterIPs[0]: Invalid value: []string{"10.43.0.6"}: may not change once set']);
  const toExternal = s({ type: 'ExternalName', externalName: 'example.com' });
  assert.deepEqual(msgs(validateUpdate('', 'Service', toExternal, old)), []);
});

test('configmap, secret and immutability', () => {
  const cm = { metadata: { name: 'c', namespace: 'd' }, data: { 'ok.key': 'v', 'bad key': 'v' } };
  assert.deepEqual(msgs(validateObject('', 'ConfigMap', cm as KObject)), [
    "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  ]);
  const big = { metadata: { name: 'c', namespace: 'd' }, data: { a: 'x'.repeat(1024 * 1024 + 1) } };
  assert.deepEqual(msgs(validateObject('', 'ConfigMap', big as KObject)), [': Too long: must have at most 1048576 bytes']);
  const oldCm = { metadata: { name: 'c', namespace: 'd' }, immutable: true, data: { a: '1' } } as KObject;
  const newCm = { metadata: { name: 'c', namespace: 'd' }, immutable: true, data: { a: '2' } } as KObject;
  assert.deepEqual(msgs(validateUpdate('', 'ConfigMap', newCm, oldCm)), ['data: Forbidden: field is immutable when `immutable` is set']);
  const tls = prepared('', 'Secret', { metadata: { name: 's', namespace: 'd' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } });
  assert.deepEqual(msgs(validateObject('', 'Secret', tls)), ['data[tls.key]: Required value']);
  const opaque = prepared('', 'Secret', { metadata: { name: 's', namespace: 'd' } });
  assert.deepEqual(msgs(validateUpdate('', 'Secret', tls, opaque)), ['type: Invalid value: "kubernetes.io/tls": field is immutable']);
});

test('pod update rules', () => {
  const old = prepared('', 'Pod', pod());
  const img = prepared('', 'Pod', pod());
  (img.spec as J).containers[0].image = 'busybox'; // same pull policy as before
  assert.deepEqual(validateUpdate('', 'Pod', img, old), []);
  const tol = prepared('', 'Pod', pod());
  (tol.spec as J).tolerations = [{ key: 'k', operator: 'Exists' }];
  assert.deepEqual(validateUpdate('', 'Pod', tol, old), []);
  const bad = prepared('', 'Pod', pod());
  (bad.spec as J).restartPolicy = 'Never';
  assert.match(msgs(validateUpdate('', 'Pod', bad, old))[0]!, /^spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
});

test('ingress, rbac, pdb, hpa, priority class, storage class, endpointslice', () => {
  const ing = { metadata: { name: 'i', namespace: 'd' }, spec: { rules: [{ host: 'a.example.com', http: { paths: [
    { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
    { path: 'x', backend: { service: { name: 'web', port: {} } } },
  ] } }] } };
  assert.deepEqual(msgs(validateObject('networking.k8s.io', 'Ingress', ing as KObject)), [
    'spec.rules[0].http.paths[1].pathType: Required value: pathType must be specified',
    'spec.rules[0].http.paths[1].path: Invalid value: "x": must be an absolute path',
    'spec.rules[0].http.paths[1].backend.service.port.name: Required value: port name or number is required',
  ]);
  const rb = prepared('rbac.authorization.k8s.io', 'RoleBinding', { metadata: { name: 'r', namespace: 'd' }, roleRef: { kind: 'Role', name: 'x' }, subjects: [{ kind: 'User', name: 'u' }] });
  assert.deepEqual(msgs(validateObject('rbac.authorization.k8s.io', 'RoleBinding', rb)), []);
  const rb2 = prepared('rbac.authorization.k8s.io', 'RoleBinding', { metadata: { name: 'r', namespace: 'd' }, roleRef: { kind: 'Role', name: 'y' } });
  assert.match(msgs(validateUpdate('rbac.authorization.k8s.io', 'RoleBinding', rb2, rb))[0]!, /^roleRef: Invalid value: .*: cannot change roleRef$/);
  const role = { metadata: { name: 'r', namespace: 'd' }, rules: [{ apiGroups: [''], resources: ['pods'] }] };
  assert.deepEqual(msgs(validateObject('rbac.authorization.k8s.io', 'Role', role as KObject)), ['rules[0].verbs: Required value: verbs must contain at least one value']);
  const pdb = { metadata: { name: 'p', namespace: 'd' }, spec: { minAvailable: 1, maxUnavailable: 1 } };
  assert.match(msgs(validateObject('policy', 'PodDisruptionBudget', pdb as KObject))[0]!, /minAvailable and maxUnavailable cannot be both set/);
  const hpa = prepared('autoscaling', 'HorizontalPodAutoscaler', { metadata: { name: 'h', namespace: 'd' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, minReplicas: 5, maxReplicas: 2 } }, 'v2');
  assert.deepEqual(msgs(validateObject('autoscaling', 'HorizontalPodAutoscaler', hpa)), ['spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`']);
  const pc = prepared('scheduling.k8s.io', 'PriorityClass', { metadata: { name: 'high' }, value: 2000000000 });
  assert.deepEqual(msgs(validateObject('scheduling.k8s.io', 'PriorityClass', pc)), ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
  const sc = prepared('storage.k8s.io', 'StorageClass', { metadata: { name: 's' } });
  assert.deepEqual(msgs(validateObject('storage.k8s.io', 'StorageClass', sc)), ['provisioner: Required value']);
  const sc2 = prepared('storage.k8s.io', 'StorageClass', { metadata: { name: 's' }, provisioner: 'a', parameters: { x: '1' } });
  const sc3 = prepared('storage.k8s.io', 'StorageClass', { metadata: { name: 's' }, provisioner: 'a', parameters: { x: '2' } });
  assert.deepEqual(msgs(validateUpdate('storage.k8s.io', 'StorageClass', sc3, sc2)), ['parameters: Forbidden: updates to parameters are forbidden.']);
  const es = { metadata: { name: 'e', namespace: 'd' }, addressType: 'IPv5', endpoints: [] };
  assert.deepEqual(msgs(validateObject('discovery.k8s.io', 'EndpointSlice', es as KObject)), ['addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"']);
  const cluster = { metadata: { name: 'x', namespace: 'd' }, provisioner: 'a' };
  assert.deepEqual(msgs(validateObject('storage.k8s.io', 'StorageClass', prepared('storage.k8s.io', 'StorageClass', cluster))), ['metadata.namespace: Forbidden: not allowed on this type']);
});

test('pvc update allows storage growth only', () => {
  const mk = (size: string): KObject => prepared('', 'PersistentVolumeClaim', { metadata: { name: 'c', namespace: 'd' }, spec: { accessModes: ['ReadWriteOnce'], volumeName: 'pv1', resources: { requests: { storage: size } } } });
  assert.deepEqual(validateUpdate('', 'PersistentVolumeClaim', mk('2Gi'), mk('1Gi')), []);
  assert.deepEqual(msgs(validateUpdate('', 'PersistentVolumeClaim', mk('1Gi'), mk('2Gi'))), ['spec.resources.requests.storage: Forbidden: field can not be less than previous value']);
  const other = mk('1Gi');
  (other.spec as J).accessModes = ['ReadWriteMany'];
  assert.match(msgs(validateUpdate('', 'PersistentVolumeClaim', other, mk('1Gi')))[0]!, /^spec: Forbidden: spec is immutable after creation/);
});

test('selector matching', () => {
  const sel = { matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'In', values: ['2', '3'] }, { key: 'c', operator: 'DoesNotExist' }] };
  assert.equal(selectorMatches(sel, { a: '1', b: '3' }), true);
  assert.equal(selectorMatches(sel, { a: '1', b: '4' }), false);
  assert.equal(selectorMatches(sel, { a: '1', b: '2', c: '' }), false);
});

test('statefulset update allows template and replicas only', () => {
  const mk = (): J => prepared('apps', 'StatefulSet', {
    metadata: { name: 's', namespace: 'd' },
    spec: { serviceName: 's', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
  const old = mk() as KObject;
  const scaled = mk();
  scaled.spec.replicas = 3;
  scaled.spec.template.spec.containers[0].image = 'y';
  assert.deepEqual(validateUpdate('apps', 'StatefulSet', scaled as KObject, old), []);
  const renamed = mk();
  renamed.spec.serviceName = 'other';
  assert.deepEqual(msgs(validateUpdate('apps', 'StatefulSet', renamed as KObject, old)), [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
});
