// secret volumes: the Secret's keys as files, kept in step with the object.
import type { Pod, Volume } from '../../api/types/index.js';
import { writeAtomically, type Payload } from './atomic-writer.js';
import { addKeyFiles, secretData } from './key-payload.js';
import { VolumeSetUpError, type HostVolume, type VolumeContext, type VolumePlugin } from './types.js';

export const secretPlugin: VolumePlugin = {
  name: 'kubernetes.io~secret',
  canSupport: (v) => !!v.secret,
  async setUp(pod: Readonly<Pod>, v: Readonly<Volume>, dir: string, ctx: VolumeContext): Promise<HostVolume> {
    const src = v.secret!;
    const name = src.secretName ?? '';
    const s = await ctx.getter.secret(pod.metadata.namespace ?? 'default', name);
    const payload: Payload = new Map();
    if (!s && src.optional !== true) throw new VolumeSetUpError(`secret "${name}" not found`);
    if (s) addKeyFiles(payload, secretData(s), src.items, src.defaultMode, src.optional === true, 'secret');
    await writeAtomically(dir, payload, ctx.clock.now());
    return { hostPath: dir, readOnly: true };
  },
};
