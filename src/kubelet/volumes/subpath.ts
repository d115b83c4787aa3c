// subPath mounts: `<volume>/<subPath>` with path safety, the way upstream's kubelet does it
// (pkg/volume/util/subpath: SafeMakeDir, doSafeOpen). A container that shares the volume can
// plant symlinks in it, so:
//
//   1. lexical check: relative, no `..` component                      (nothing touched yet)
//   2. resolve the longest existing prefix once (symlinks inside the volume are fine, e.g. a
//      ConfigMap key `k -> ..data/k`) and refuse it unless it stays inside the volume
//                                                                       (nothing created yet)
//   3. walk that resolved prefix from the volume root one component at a time, each opened
//      O_PATH|O_NOFOLLOW relative to its parent's descriptor (openat through
//      /proc/self/fd/<parent>/<name>); any symlink now is a swap made after step 2: refused
//   4. create the missing components the same way (mkdir under the parent's descriptor, then
//      open it O_NOFOLLOW|O_DIRECTORY), so a symlink swapped into the parent is never followed
//   5. the result is what the kernel says the last descriptor is (/proc/self/fd/<n>), checked
//      inside the volume once more
//
// The returned path is handed to the runtime, which bind-mounts it later; upstream closes that
// last window by bind-mounting /proc/<kubelet>/fd/<n> onto a kubelet-owned path first (not done
// here: the mount would need its own teardown), so a swap between this check and the runtime's
// mount remains possible.
import { closeSync, constants, fstatSync, mkdirSync, openSync, readlinkSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { VolumeSetUpError } from './types.js';

/** O_PATH (Linux): a descriptor that only names a file; Node's fs.constants lacks it. */
const O_PATH = 0o10000000;
const OPEN_COMPONENT = O_PATH | constants.O_NOFOLLOW;

export function validateSubPath(subPath: string): void {
  if (isAbsolute(subPath)) throw new VolumeSetUpError(`subPath "${subPath}" must be a relative path`);
  if (subPath.split('/').includes('..')) throw new VolumeSetUpError(`subPath "${subPath}" must not contain '..'`);
}

function isWithin(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel));
}

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/**
 * `<volumeRoot>/<subPath>` as a verified real path inside the volume, creating missing
 * directories (mode 0755) as upstream does; throws VolumeSetUpError when the subPath is
 * malformed, leaves the volume, or meets a symlink that was not there when it was resolved.
 */
export async function resolveSubPath(volumeRoot: string, subPath: string): Promise<string> {
  validateSubPath(subPath);
  const root = await fs.realpath(volumeRoot);
  const parts = subPath.split('/').filter((c) => c !== '' && c !== '.');

  // 2. The longest existing prefix, resolved once, must stay inside the volume.
  let existing = 0;
  while (existing < parts.length) {
    try {
      await fs.lstat(join(root, ...parts.slice(0, existing + 1)));
      existing++;
    } catch (e) {
      if (errCode(e) === 'ENOENT') break;
      throw new VolumeSetUpError(`subPath "${subPath}": ${(e as Error).message}`);
    }
  }
  let resolved: string;
  try {
    resolved = await fs.realpath(join(root, ...parts.slice(0, existing)));
  } catch (e) {
    // A dangling symlink: its target does not exist, so nothing can be shown to be inside.
    throw new VolumeSetUpError(`subPath "${subPath}" cannot be resolved: ${(e as Error).message}`, { cause: e });
  }
  if (!isWithin(root, resolved)) throw new VolumeSetUpError(`subPath "${subPath}" resolves outside the volume`);
  const toCreate = parts.slice(existing);

  // 3-5. Walk and create by descriptor.
  return walkAndCreate(root, relative(root, resolved).split(sep).filter((c) => c !== ''), toCreate, subPath);
}

/** Steps 3-5 (exported for tests: `existing` must be the resolved, in-volume prefix). */
export function walkAndCreate(root: string, existing: readonly string[], toCreate: readonly string[], subPath: string): string {
  const opened: number[] = [];
  const fdPath = (fd: number, name?: string): string => `/proc/self/fd/${fd}${name === undefined ? '' : '/' + name}`;
  try {
    let fd = openSync(root, OPEN_COMPONENT | constants.O_DIRECTORY);
    opened.push(fd);
    const step = (name: string, mustBeDir: boolean): void => {
      let child: number;
      try {
        child = openSync(fdPath(fd, name), OPEN_COMPONENT | (mustBeDir ? constants.O_DIRECTORY : 0));
      } catch (e) {
        if (errCode(e) === 'ENOTDIR' || errCode(e) === 'ELOOP') throw new VolumeSetUpError(`subPath "${subPath}": "${name}" is not a directory (a symlink or file appeared in the path)`);
        throw e;
      }
      opened.push(child);
      // O_PATH|O_NOFOLLOW opens a symlink itself rather than failing: look at what was opened.
      if (fstatSync(child).isSymbolicLink()) throw new VolumeSetUpError(`subPath "${subPath}": "${name}" became a symlink while the path was checked`);
      fd = child;
    };
    existing.forEach((name, i) => step(name, i < existing.length - 1 || toCreate.length > 0));
    for (const name of toCreate) {
      try {
        mkdirSync(fdPath(fd, name), { mode: 0o755 });
      } catch (e) {
        // Created meanwhile (by another container of the pod): fine if it is a real directory, which step() checks.
        if (errCode(e) !== 'EEXIST') throw e;
      }
      step(name, true);
    }
    const real = readlinkSync(fdPath(fd));
    if (!isWithin(root, real)) throw new VolumeSetUpError(`subPath "${subPath}" resolves outside the volume`);
    return real;
  } catch (e) {
    if (e instanceof VolumeSetUpError) throw e;
    throw new VolumeSetUpError(`subPath "${subPath}": ${(e as Error).message}`, { cause: e });
  } finally {
    for (const fd of opened) closeSync(fd);
  }
}
