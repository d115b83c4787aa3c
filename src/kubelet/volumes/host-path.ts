// hostPath volumes: a path on the node, with upstream's type checks. Never deleted.
import { promises as fs, constants } from 'node:fs';
import { dirname } from 'node:path';
import type { Pod, Volume } from '../../api/types/index.js';
import { VolumeSetUpError, type HostVolume, type VolumeContext, type VolumePlugin } from './types.js';

type HostPathType = '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

async function statOrUndefined(p: string) {
  try {
    return await fs.stat(p);
  } catch {
    return undefined;
  }
}

/** Upstream's hostPath type checker; creates what the *OrCreate types ask for. */
export async function checkHostPathType(path: string, type: string): Promise<void> {
  const t = type as HostPathType;
  const st = await statOrUndefined(path);
  switch (t) {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!st) {
        await fs.mkdir(path, { recursive: true, mode: 0o755 });
        return;
      }
      if (!st.isDirectory()) throw new VolumeSetUpError(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'Directory':
      if (!st) throw new VolumeSetUpError(`hostPath type check failed: ${path} is not a directory`);
      if (!st.isDirectory()) throw new VolumeSetUpError(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'FileOrCreate':
      if (!st) {
        await fs.access(dirname(path), constants.W_OK).catch(() => {
          throw new VolumeSetUpError(`hostPath type check failed: ${path} is not a file`);
        });
        await (await fs.open(path, 'a', 0o644)).close();
        return;
      }
      if (!st.isFile()) throw new VolumeSetUpError(`hostPath type check failed: ${path} is not a file`);
      return;
    case 'File':
      if (!st?.isFile()) throw new VolumeSetUpError(`hostPath type check failed: ${path} is not a file`);
      return;
    case 'Socket':
      if (!st?.isSocket()) throw new VolumeSetUpError(`hostPath type check failed: ${path} is not a socket file`);
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw new VolumeSetUpError(`hostPath type check failed: ${path} is not a character device`);
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw new VolumeSetUpError(`hostPath type check failed: ${path} is not a block device`);
      return;
    default: {
      const never: never = t;
      throw new VolumeSetUpError(`hostPath type check failed: unknown type ${String(never)}`);
    }
  }
}

export const hostPathPlugin: VolumePlugin = {
  name: 'kubernetes.io~host-path',
  external: true,
  canSupport: (v) => !!v.hostPath,
  async setUp(_pod: Readonly<Pod>, v: Readonly<Volume>, _dir: string, _ctx: VolumeContext): Promise<HostVolume> {
    await checkHostPathType(v.hostPath!.path, v.hostPath!.type ?? '');
    return { hostPath: v.hostPath!.path, readOnly: false };
  },
  async tearDown(): Promise<void> {},
};
