// persistentVolumeClaim volumes: the claim must be Bound; its PersistentVolume's hostPath
// or local path is mounted (what the local-path provisioner creates). Never deleted here:
// the PV's reclaim policy decides what happens to the data.
import { isNotFound } from '../../api/status.js';
import { R } from '../../client/index.js';
import type { PersistentVolume, PersistentVolumeClaim, PersistentVolumeSpec, Pod, Volume } from '../../api/types/index.js';
import { checkHostPathType } from './host-path.js';
import { VolumeSetUpError, type HostVolume, type VolumeContext, type VolumePlugin } from './types.js';

export const persistentVolumeClaimPlugin: VolumePlugin = {
  name: 'kubernetes.io~pvc',
  external: true,
  canSupport: (v) => !!v.persistentVolumeClaim,
  async setUp(pod: Readonly<Pod>, v: Readonly<Volume>, _dir: string, ctx: VolumeContext): Promise<HostVolume> {
    const claimName = v.persistentVolumeClaim!.claimName;
    const ns = pod.metadata.namespace ?? 'default';
    let pvc;
    try {
      pvc = await ctx.client.get<PersistentVolumeClaim>(R.persistentvolumeclaims, ns, claimName);
    } catch (e) {
      if (isNotFound(e)) throw new VolumeSetUpError(`persistentvolumeclaim "${claimName}" not found`);
      throw e;
    }
    const volumeName = pvc.spec?.volumeName;
    const phase = pvc.status?.phase;
    if (!volumeName || (phase && phase !== 'Bound')) throw new VolumeSetUpError(`persistentvolumeclaim "${claimName}" is not bound`);
    let pv;
    try {
      pv = await ctx.client.get<PersistentVolume>(R.persistentvolumes, undefined, volumeName);
    } catch (e) {
      if (isNotFound(e)) throw new VolumeSetUpError(`persistentvolume "${volumeName}" not found`);
      throw e;
    }
    const spec: PersistentVolumeSpec = pv.spec ?? {};
    const readOnly = v.persistentVolumeClaim!.readOnly === true;
    if (spec.hostPath) {
      await checkHostPathType(spec.hostPath.path, spec.hostPath.type || 'DirectoryOrCreate');
      return { hostPath: spec.hostPath.path, readOnly };
    }
    if (spec.local) {
      await checkHostPathType(spec.local.path, 'Directory');
      return { hostPath: spec.local.path, readOnly };
    }
    throw new VolumeSetUpError(`persistentvolume "${volumeName}" has a volume source this node cannot mount (only hostPath and local are supported)`);
  },
  async tearDown(): Promise<void> {},
};
