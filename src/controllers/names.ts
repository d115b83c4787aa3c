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
