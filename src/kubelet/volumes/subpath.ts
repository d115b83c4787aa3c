// subPath mounts: `<volume>/<subPath>` with path safety. The subPath is relative and free of
// `..`; after resolving symlinks it must stay inside the volume (a container could otherwise
// plant a symlink that makes the kubelet bind-mount any host path). A missing subPath
// directory is created, as upstream does.
import { promises as fs } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { VolumeSetUpError } from './types.js';

export function validateSubPath(subPath: string): void {
  if (isAbsolute(subPath)) throw new VolumeSetUpError(`subPath "${subPath}" must be a relative path`);
  if (subPath.split('/').includes('..')) throw new VolumeSetUpError(`subPath "${subPath}" must not contain '..'`);
}

export async function resolveSubPath(volumeRoot: string, subPath: string): Promise<string> {
  validateSubPath(subPath);
  const root = await fs.realpath(volumeRoot);
  const target = join(root, subPath);
  try {
    await fs.lstat(target);
  } catch {
    await fs.mkdir(target, { recursive: true, mode: 0o755 });
  }
  const real = await fs.realpath(target);
  const rel = relative(root, real);
  if (rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) {
    throw new VolumeSetUpError(`subPath "${subPath}" resolves outside the volume`);
  }
  return real;
}
