// Upstream's bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy), the parts
// k8ts serves: the user-facing roles (cluster-admin, admin, edit, view, the latter three
// aggregated from system:aggregate-to-*), the discovery and self-review roles every
// authenticated user has, the roles of nodes, kube-proxy, the scheduler and controller
// manager, and one system:controller:<name> role per built-in controller, each bound to the
// kube-system ServiceAccount upstream's controller manager uses for it.
// Reconciled at start (reconcile.ts): missing objects created, missing rules and subjects added.
import type { ClusterRole, ClusterRoleBinding, PolicyRule, RbacV1Subject } from '../../../api/types/index.js';

export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AGGREGATE_TO = (r: 'admin' | 'edit' | 'view'): string => `rbac.authorization.k8s.io/aggregate-to-${r}`;

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = [...READ, ...WRITE];

const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule =>
  resourceNames ? { verbs, apiGroups, resources, resourceNames } : { verbs, apiGroups, resources };
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });
const core = (verbs: string[], ...resources: string[]): PolicyRule => rule(verbs, [''], resources);
const events = (): PolicyRule => rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']);

function clusterRole(name: string, rules: PolicyRule[], extra: { labels?: Record<string, string>; aggregateFrom?: string } = {}): ClusterRole {
  const role: ClusterRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { ...BOOTSTRAP_LABEL, ...extra.labels }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    rules,
  };
  if (extra.aggregateFrom) role.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [extra.aggregateFrom]: 'true' } }] };
  return role;
}

export function clusterRoleBinding(name: string, roleName: string, subjects: RbacV1Subject[]): ClusterRoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...BOOTSTRAP_LABEL }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    subjects,
  };
}

const group = (name: string): RbacV1Subject => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });
const user = (name: string): RbacV1Subject => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
const kubeSystemSA = (name: string): RbacV1Subject => ({ kind: 'ServiceAccount', apiGroup: '', name, namespace: 'kube-system' });

/**
 * Controller roles: upstream's system:controller:<service account> role for each controller
 * the k8ts controller manager runs (by --disable name), with the service account it is bound to.
 */
export const CONTROLLER_ROLES: ReadonlyArray<{ controllers: string[]; serviceAccount: string; rules: PolicyRule[] }> = [
  {
    controllers: ['clusterrole-aggregation'],
    serviceAccount: 'clusterrole-aggregation-controller',
    rules: [rule(['escalate', 'get', 'list', 'patch', 'update', 'watch'], ['rbac.authorization.k8s.io'], ['clusterroles'])],
  },
  {
    controllers: ['cronjob'],
    serviceAccount: 'cronjob-controller',
    rules: [
      rule(['get', 'list', 'update', 'watch'], ['batch'], ['cronjobs']),
      rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']),
      rule(['update'], ['batch'], ['cronjobs/status']),
      rule(['update'], ['batch'], ['cronjobs/finalizers']),
      core(['delete', 'list'], 'pods'),
      events(),
    ],
  },
  {
    controllers: ['daemonset'],
    serviceAccount: 'daemon-set-controller',
    rules: [
      rule(['get', 'list', 'watch'], ['apps', 'extensions'], ['daemonsets']),
      rule(['update'], ['apps', 'extensions'], ['daemonsets/status']),
      rule(['update'], ['apps', 'extensions'], ['daemonsets/finalizers']),
      core(['list', 'watch'], 'nodes'),
      core(['create', 'delete', 'list', 'patch', 'watch'], 'pods'),
      core(['create'], 'pods/binding'),
      rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps'], ['controllerrevisions']),
      events(),
    ],
  },
  {
    controllers: ['deployment'],
    serviceAccount: 'deployment-controller',
    rules: [
      rule(['get', 'list', 'update', 'watch'], ['apps', 'extensions'], ['deployments']),
      // k8ts: the revision annotation is a merge patch (our /status does not keep annotations).
      rule(['patch'], ['apps', 'extensions'], ['deployments']),
      rule(['update'], ['apps', 'extensions'], ['deployments/status']),
      rule(['update'], ['apps', 'extensions'], ['deployments/finalizers']),
      rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps', 'extensions'], ['replicasets']),
      core(['get', 'list', 'update', 'watch'], 'pods'),
      events(),
    ],
  },
  {
    controllers: ['endpoints'],
    serviceAccount: 'endpoint-controller',
    rules: [core(READ, 'services', 'pods'), core(['create', 'delete', 'get', 'list', 'update'], 'endpoints'), core(['create'], 'endpoints/restricted'), events()],
  },
  {
    controllers: ['endpointslice'],
    serviceAccount: 'endpointslice-controller',
    rules: [
      core(READ, 'services', 'pods', 'nodes'),
      core(['update'], 'services/finalizers'),
      rule(['create', 'delete', 'get', 'list', 'update'], ['discovery.k8s.io'], ['endpointslices']),
      events(),
    ],
  },
  {
    controllers: ['garbagecollector'],
    serviceAccount: 'generic-garbage-collector',
    rules: [rule(['delete', 'get', 'list', 'patch', 'update', 'watch'], ['*'], ['*']), events()],
  },
  {
    controllers: ['job'],
    serviceAccount: 'job-controller',
    rules: [
      rule(['get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']),
      // k8ts: the job controller also runs ttl-after-finished (upstream's ttl-after-finished-controller role).
      rule(['delete'], ['batch'], ['jobs']),
      rule(['update'], ['batch'], ['jobs/status']),
      rule(['update'], ['batch'], ['jobs/finalizers']),
      core(['create', 'delete', 'list', 'patch', 'watch'], 'pods'),
      events(),
    ],
  },
  {
    controllers: ['namespace'],
    serviceAccount: 'namespace-controller',
    rules: [
      core(['delete', 'get', 'list', 'watch'], 'namespaces'),
      core(['update'], 'namespaces/finalize', 'namespaces/status'),
      rule(['delete', 'deletecollection', 'get', 'list'], ['*'], ['*']),
      // k8ts: the finalizer goes by a merge patch of /finalize, and the controller also keeps the
      // system namespaces (default, kube-system, ...) in place, as upstream's apiserver does.
      core(['patch'], 'namespaces/finalize'),
      core(['create'], 'namespaces'),
    ],
  },
  {
    controllers: ['nodelifecycle', 'nodeipam'],
    serviceAccount: 'node-controller',
    rules: [
      core(['delete', 'get', 'list', 'patch', 'update'], 'nodes'),
      core(['patch', 'update'], 'nodes/status'),
      core(['patch', 'update'], 'pods/status'),
      core(['delete', 'list'], 'pods'),
      events(),
    ],
  },
  {
    controllers: ['persistentvolume-binder'],
    serviceAccount: 'persistent-volume-binder',
    rules: [
      core(['create', 'delete', 'get', 'list', 'update', 'watch'], 'persistentvolumes'),
      core(['update'], 'persistentvolumes/status'),
      core(['get', 'list', 'update', 'watch'], 'persistentvolumeclaims'),
      core(['update'], 'persistentvolumeclaims/status'),
      core(['create', 'delete', 'get', 'list', 'watch'], 'pods'),
      rule(READ, ['storage.k8s.io'], ['storageclasses']),
      core(['create', 'delete', 'get'], 'services', 'endpoints'),
      core(['get'], 'secrets'),
      core(['get', 'list'], 'nodes'),
      events(),
    ],
  },
  {
    controllers: ['podgc'],
    serviceAccount: 'pod-garbage-collector',
    rules: [core(['delete', 'list', 'watch'], 'pods'), core(['get', 'list', 'watch'], 'nodes'), core(['patch'], 'pods/status')],
  },
  {
    controllers: ['replicaset'],
    serviceAccount: 'replicaset-controller',
    rules: [
      rule(['get', 'list', 'update', 'watch'], ['apps', 'extensions'], ['replicasets']),
      rule(['update'], ['apps', 'extensions'], ['replicasets/status']),
      rule(['update'], ['apps', 'extensions'], ['replicasets/finalizers']),
      core(['create', 'delete', 'list', 'patch', 'watch'], 'pods'),
      events(),
    ],
  },
  {
    controllers: ['serviceaccount'],
    serviceAccount: 'service-account-controller',
    rules: [
      core(['create'], 'serviceaccounts'),
      // k8ts: this controller also publishes kube-root-ca.crt (upstream's root-ca-cert-publisher).
      core(['create', 'update'], 'configmaps'),
      events(),
    ],
  },
  {
    controllers: ['serviceaccount'],
    serviceAccount: 'root-ca-cert-publisher',
    rules: [core(['create', 'update'], 'configmaps'), events()],
  },
  {
    controllers: ['statefulset'],
    serviceAccount: 'statefulset-controller',
    rules: [
      core(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], 'pods'),
      rule(['get', 'list', 'watch'], ['apps'], ['statefulsets']),
      rule(['update'], ['apps'], ['statefulsets/status']),
      rule(['update'], ['apps'], ['statefulsets/finalizers']),
      rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps'], ['controllerrevisions']),
      core(['create', 'get', 'update'], 'persistentvolumeclaims'),
      // k8ts: claim ownerReferences (persistentVolumeClaimRetentionPolicy) are set by a merge patch.
      core(['patch'], 'persistentvolumeclaims'),
      events(),
    ],
  },
  {
    controllers: ['resourcequota'],
    serviceAccount: 'resourcequota-controller',
    rules: [rule(['list', 'watch'], ['*'], ['*']), core(['update'], 'resourcequotas/status'), events()],
  },
  {
    // Not upstream's: k3s's local-path provisioner, with the rights its own ClusterRole gives.
    controllers: ['local-storage'],
    serviceAccount: 'local-path-provisioner',
    rules: [
      core(READ, 'nodes', 'persistentvolumeclaims'),
      core(['create', 'delete', 'get', 'list', 'watch'], 'persistentvolumes'),
      rule(['create', 'get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']),
      events(),
    ],
  },
];

const VIEW_RULES: PolicyRule[] = [
  core(READ, 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps'),
  core(READ, 'limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log'),
  core(READ, 'namespaces'),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(READ, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/scale', 'statefulsets/status', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status']),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['jobs', 'jobs/status', 'cronjobs', 'cronjobs/status']),
  rule(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
  rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
];

const EDIT_RULES: PolicyRule[] = [
  core(READ, 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy'),
  core(['impersonate'], 'serviceaccounts'),
  core(WRITE, 'pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward'),
  core(['create'], 'pods/eviction'),
  core(WRITE, 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events'),
  core(['create'], 'serviceaccounts/token'),
  rule(WRITE, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
  rule(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
  rule(WRITE, ['policy'], ['poddisruptionbudgets']),
  rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
  rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
];

const ADMIN_RULES: PolicyRule[] = [rule(READ_WRITE, ['rbac.authorization.k8s.io'], ['roles', 'rolebindings']), rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews'])];

const NODE_RULES: PolicyRule[] = [
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews', 'subjectaccessreviews']),
  core(READ, 'services'),
  core(['create', 'get', 'list', 'watch'], 'nodes'),
  core(['patch', 'update'], 'nodes/status'),
  core(['patch', 'update'], 'nodes'),
  core(['create', 'patch', 'update'], 'events'),
  core(READ, 'pods'),
  core(['create', 'delete'], 'pods'),
  core(['patch', 'update'], 'pods/status'),
  core(['create'], 'pods/eviction'),
  core(READ, 'configmaps', 'secrets'),
  core(['get'], 'persistentvolumeclaims', 'persistentvolumes'),
  core(['get'], 'endpoints'),
  rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
  core(['patch', 'update'], 'persistentvolumeclaims/status'),
  rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
  core(['create'], 'serviceaccounts/token'),
  rule(['create', 'delete', 'get', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
  rule(['get'], ['storage.k8s.io'], ['csidrivers']),
  rule(['create', 'delete', 'get', 'patch', 'update'], ['storage.k8s.io'], ['csinodes']),
  rule(READ, ['node.k8s.io'], ['runtimeclasses']),
];

const NODE_PROXIER_RULES: PolicyRule[] = [core(['list', 'watch'], 'services', 'endpoints'), core(READ, 'nodes'), events(), rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])];

const SCHEDULER_RULES: PolicyRule[] = [
  events(),
  rule(['create'], ['coordination.k8s.io'], ['leases']),
  rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
  core(['create'], 'endpoints'),
  rule(['get', 'update'], [''], ['endpoints'], ['kube-scheduler']),
  core(['delete', 'get', 'list', 'watch'], 'pods'),
  core(READ, 'nodes'),
  core(['create'], 'bindings', 'pods/binding'),
  core(['patch', 'update'], 'pods/status'),
  core(READ, 'replicationcontrollers', 'services'),
  rule(READ, ['apps', 'extensions'], ['replicasets']),
  rule(READ, ['apps'], ['statefulsets']),
  rule(READ, ['policy'], ['poddisruptionbudgets']),
  core(READ, 'persistentvolumeclaims', 'persistentvolumes'),
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  rule(READ, ['storage.k8s.io'], ['csinodes', 'csidrivers', 'csistoragecapacities', 'storageclasses']),
  core(READ, 'namespaces'),
  core(READ, 'configmaps'),
  rule(READ, ['scheduling.k8s.io'], ['priorityclasses']),
];

const CONTROLLER_MANAGER_RULES: PolicyRule[] = [
  events(),
  rule(['create'], ['coordination.k8s.io'], ['leases']),
  rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
  core(['create'], 'secrets', 'serviceaccounts'),
  core(['delete'], 'secrets'),
  core(['get'], 'configmaps', 'namespaces', 'secrets', 'serviceaccounts'),
  core(['update'], 'secrets', 'serviceaccounts'),
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  rule(['list', 'watch'], ['*'], ['*']),
  core(['create'], 'serviceaccounts/token'),
];

/** The default ClusterRoles. Aggregated roles carry no rules here; aggregation fills them. */
export function defaultClusterRoles(): ClusterRole[] {
  return [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    clusterRole('admin', [], { aggregateFrom: AGGREGATE_TO('admin') }),
    clusterRole('edit', [], { aggregateFrom: AGGREGATE_TO('edit'), labels: { [AGGREGATE_TO('admin')]: 'true' } }),
    clusterRole('view', [], { aggregateFrom: AGGREGATE_TO('view'), labels: { [AGGREGATE_TO('edit')]: 'true' } }),
    clusterRole('system:aggregate-to-admin', ADMIN_RULES, { labels: { [AGGREGATE_TO('admin')]: 'true' } }),
    clusterRole('system:aggregate-to-edit', EDIT_RULES, { labels: { [AGGREGATE_TO('edit')]: 'true' } }),
    clusterRole('system:aggregate-to-view', VIEW_RULES, { labels: { [AGGREGATE_TO('view')]: 'true' } }),
    clusterRole('system:basic-user', [
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ]),
    clusterRole('system:discovery', [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
    clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
    clusterRole('system:monitoring', [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])]),
    clusterRole('system:service-account-issuer-discovery', [urls(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'])]),
    clusterRole('system:node', NODE_RULES),
    clusterRole('system:node-proxier', NODE_PROXIER_RULES),
    clusterRole('system:kube-scheduler', SCHEDULER_RULES),
    clusterRole('system:volume-scheduler', [core(['get', 'list', 'patch', 'update', 'watch'], 'persistentvolumes'), rule(READ, ['storage.k8s.io'], ['storageclasses']), core(['get', 'list', 'patch', 'update', 'watch'], 'persistentvolumeclaims')]),
    clusterRole('system:kube-controller-manager', CONTROLLER_MANAGER_RULES),
    ...CONTROLLER_ROLES.map((c) => clusterRole(`system:controller:${c.serviceAccount}`, c.rules)),
  ];
}

export function defaultClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    clusterRoleBinding('cluster-admin', 'cluster-admin', [group('system:masters')]),
    clusterRoleBinding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
    clusterRoleBinding('system:discovery', 'system:discovery', [group('system:authenticated')]),
    clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    clusterRoleBinding('system:monitoring', 'system:monitoring', [group('system:monitoring')]),
    clusterRoleBinding('system:service-account-issuer-discovery', 'system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
    // Upstream keeps this binding without subjects: nodes are authorized by the Node authorizer.
    clusterRoleBinding('system:node', 'system:node', []),
    clusterRoleBinding('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy')]),
    clusterRoleBinding('system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]),
    clusterRoleBinding('system:volume-scheduler', 'system:volume-scheduler', [user('system:kube-scheduler')]),
    clusterRoleBinding('system:kube-controller-manager', 'system:kube-controller-manager', [user('system:kube-controller-manager')]),
    ...CONTROLLER_ROLES.map((c) => clusterRoleBinding(`system:controller:${c.serviceAccount}`, `system:controller:${c.serviceAccount}`, [kubeSystemSA(c.serviceAccount)])),
  ];
}
