// configMap volumes: the ConfigMap's keys as files, kept in step with the object.
import type { Pod, Volume } from '../../api/types/index.js';
import { writeAtomically, type Payload } from './atomic-writer.js';
import { addKeyFiles, configMapData } from './key-payload.js';
import { VolumeSetUpError, type HostVolume, type VolumeContext, type VolumePlugin } from './types.js';

export const configMapPlugin: VolumePlugin = {
  name: 'kubernetes.io~configmap',
  canSupport: (v) => !!v.configMap,
  async setUp(pod: Readonly<Pod>, v: Readonly<Volume>, dir: string, ctx: VolumeContext): Promise<HostVolume> {
    const src = v.configMap!;
    const name = src.name ?? '';
    const cm = await ctx.getter.configMap(pod.metadata.namespace ?? 'default', name);
    const payload: Payload = new Map();
    if (!cm && src.optional !== true) throw new VolumeSetUpError(`configmap "${name}" not found`);
    if (cm) addKeyFiles(payload, configMapData(cm), src.items, src.defaultMode, src.optional === true, 'configmap');
    await writeAtomically(dir, payload, ctx.clock.now());
    return { hostPath: dir, readOnly: true };
  },
};
