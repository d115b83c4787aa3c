// Names of the controllers, as `--disable` takes them (upstream kube-controller-manager's
// --controllers names, without the -controller suffix). Kept apart from index.ts so the CLI can
// validate flags without loading every controller.
export const CONTROLLER_NAMES = [
  'replicaset',
  'deployment',
  'statefulset',
  'daemonset',
  'job',
  'cronjob',
  'endpoints',
  'endpointslice',
  'garbagecollector',
  'namespace',
  'serviceaccount',
  'nodelifecycle',
  'podgc',
  'nodeipam',
  'persistentvolume-binder',
  'local-storage',
  'clusterrole-aggregation',
  'resourcequota',
] as const;

export type ControllerName = (typeof CONTROLLER_NAMES)[number];

/**
 * The kube-system service account each controller acts as (upstream's controller manager with
 * --use-service-account-credentials); each is bound to system:controller:<account> by the
 * default RBAC policy. local-storage is k3s's local-path provisioner, which upstream lacks.
 */
export const CONTROLLER_SERVICE_ACCOUNTS: Readonly<Record<ControllerName, string>> = {
  replicaset: 'replicaset-controller',
  deployment: 'deployment-controller',
  statefulset: 'statefulset-controller',
  daemonset: 'daemon-set-controller',
  job: 'job-controller',
  cronjob: 'cronjob-controller',
  endpoints: 'endpoint-controller',
  endpointslice: 'endpointslice-controller',
  garbagecollector: 'generic-garbage-collector',
  namespace: 'namespace-controller',
  serviceaccount: 'service-account-controller',
  nodelifecycle: 'node-controller',
  podgc: 'pod-garbage-collector',
  nodeipam: 'node-controller',
  'persistentvolume-binder': 'persistent-volume-binder',
  'local-storage': 'local-path-provisioner',
  'clusterrole-aggregation': 'clusterrole-aggregation-controller',
  resourcequota: 'resourcequota-controller',
};

/** The user name a controller's requests carry. */
export const controllerUser = (name: ControllerName): string => `system:serviceaccount:kube-system:${CONTROLLER_SERVICE_ACCOUNTS[name]}`;
