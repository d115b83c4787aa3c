// downwardAPI volumes: pod fields (labels and annotations as `key="value"` lines) and
// container resources as files; labels/annotations follow the pod.
import { DEFAULT_FILE_MODE } from '../../api/defaults/index.js';
import type { DownwardAPIVolumeFile, Pod, Volume } from '../../api/types/index.js';
import { fieldValue, resourceValue, type DownwardContext } from '../container/downward.js';
import { writeAtomically, type Payload } from './atomic-writer.js';
import type { HostVolume, VolumeContext, VolumePlugin } from './types.js';

export function addDownwardFiles(payload: Payload, items: readonly DownwardAPIVolumeFile[] | undefined, defaultMode: number | undefined, ctx: DownwardContext): void {
  for (const it of items ?? []) {
    let value = '';
    if (it.fieldRef) value = fieldValue(it.fieldRef, ctx, true);
    else if (it.resourceFieldRef) value = resourceValue(it.resourceFieldRef, undefined, ctx);
    payload.set(it.path, { data: Buffer.from(value, 'utf8'), mode: it.mode ?? defaultMode ?? DEFAULT_FILE_MODE });
  }
}

export const downwardApiPlugin: VolumePlugin = {
  name: 'kubernetes.io~downward-api',
  canSupport: (v) => !!v.downwardAPI,
  async setUp(_pod: Readonly<Pod>, v: Readonly<Volume>, dir: string, ctx: VolumeContext): Promise<HostVolume> {
    const payload: Payload = new Map();
    addDownwardFiles(payload, v.downwardAPI!.items, v.downwardAPI!.defaultMode, ctx.downward);
    await writeAtomically(dir, payload, ctx.clock.now());
    return { hostPath: dir, readOnly: true };
  },
};
