// apps/v1 defaulting (pkg/apis/apps/v1/defaults.go, 1.32). Pod templates get PodSpec
// defaults only; replicas etc. are defaulted only when absent (pointers upstream).

import type { Obj } from './util.js';
import { child, eachObject, isAbsent, setDefault, setDefaultString, sub } from './util.js';
import { defaultTemplate } from './pod.js';
import { defaultPvcSpec } from './core.js';

export function defaultDeployment(o: Obj): void {
  const spec = child(o, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = child(spec, 'strategy');
  setDefaultString(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultTemplate(spec);
}

export function defaultReplicaSet(o: Obj): void {
  const spec = child(o, 'spec');
  setDefault(spec, 'replicas', 1);
  defaultTemplate(spec);
}

export function defaultStatefulSet(o: Obj): void {
  const spec = child(o, 'spec');
  setDefaultString(spec, 'podManagementPolicy', 'OrderedReady');
  const us = child(spec, 'updateStrategy');
  if (isAbsent(us.type) || us.type === '') {
    us.type = 'RollingUpdate';
    setDefault(us, 'rollingUpdate', {});
  }
  const ru = sub(us, 'rollingUpdate');
  if (us.type === 'RollingUpdate' && ru) setDefault(ru, 'partition', 0);
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefaultString(retention, 'whenDeleted', 'Retain');
  setDefaultString(retention, 'whenScaled', 'Retain');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultTemplate(spec);
  eachObject(spec.volumeClaimTemplates, (t) => {
    defaultPvcSpec(child(t, 'spec'));
    // The generated defaulter runs the PVC defaults on each template, status included.
    setDefaultString(child(t, 'status'), 'phase', 'Pending');
  });
}

export function defaultDaemonSet(o: Obj): void {
  const spec = child(o, 'spec');
  const us = child(spec, 'updateStrategy');
  setDefaultString(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    const ru = child(us, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultTemplate(spec);
}
