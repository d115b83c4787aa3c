// Where a pod's cgroup sits: upstream's QoS tree (kubelet cm/qos_container_manager) under k8ts's
// own subtree, the same on cgroup v1 and v2 (the runtime's driver makes it ready):
//
//   /k8ts/kubepods/pod<uid>                Guaranteed
//   /k8ts/kubepods/burstable/pod<uid>      Burstable
//   /k8ts/kubepods/besteffort/pod<uid>     BestEffort
//
// Pure. Container cgroups are the runtime's: <pod cgroup>/<container id>.
import type { QOSClass } from '../../api/defaults/index.js';

/** k8ts's cgroup subtree (upstream's --cgroup-root is /). */
export const CGROUP_SUBTREE = '/k8ts';
export const KUBEPODS = 'kubepods';

export function podCgroupParent(qos: QOSClass, uid: string, subtree = CGROUP_SUBTREE): string {
  switch (qos) {
    case 'Guaranteed':
      return `${subtree}/${KUBEPODS}/pod${uid}`;
    case 'Burstable':
      return `${subtree}/${KUBEPODS}/burstable/pod${uid}`;
    case 'BestEffort':
      return `${subtree}/${KUBEPODS}/besteffort/pod${uid}`;
    default: {
      const never: never = qos;
      return never;
    }
  }
}
