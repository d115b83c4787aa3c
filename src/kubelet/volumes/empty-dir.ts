// emptyDir volumes: a directory under the pod's directory, shared by its containers and
// removed with the pod. Medium Memory asks the runtime for a tmpfs (sizeLimit caps it).
import { promises as fs } from 'node:fs';
import { integerValue } from '../../api/quantity/index.js';
import type { Pod, Volume } from '../../api/types/index.js';
import type { HostVolume, VolumeContext, VolumePlugin } from './types.js';

export const emptyDirPlugin: VolumePlugin = {
  name: 'kubernetes.io~empty-dir',
  canSupport: (v) => !!v.emptyDir,
  async setUp(_pod: Readonly<Pod>, v: Readonly<Volume>, dir: string, _ctx: VolumeContext): Promise<HostVolume> {
    await fs.mkdir(dir, { recursive: true });
    // World-writable like upstream, so non-root containers can use it.
    await fs.chmod(dir, 0o777);
    const ed = v.emptyDir!;
    if (ed.medium === 'Memory') {
      const tmpfs: { sizeBytes?: number } = {};
      if (ed.sizeLimit !== undefined) tmpfs.sizeBytes = integerValue(ed.sizeLimit);
      return { hostPath: dir, readOnly: false, tmpfs };
    }
    return { hostPath: dir, readOnly: false };
  },
};
