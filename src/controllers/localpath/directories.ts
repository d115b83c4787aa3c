// Where volume directories are made. The provisioner runs in the server process and, for
// now, every node is this machine, so the default works on the local filesystem; a
// multi-machine setup passes an implementation that asks the node's agent instead.
import { chmod, mkdir, rm } from 'node:fs/promises';

export interface VolumeDirectories {
  /** Creates `path` (and its parents) on `node`, world-writable like upstream's `mkdir -m 0777`; succeeds if it exists. */
  create(node: string, path: string): Promise<void>;
  /** Removes `path` and everything in it on `node`; succeeds if it is already gone. */
  remove(node: string, path: string): Promise<void>;
}

/** Directories on this machine, whatever the node name. */
export function localDirectories(): VolumeDirectories {
  return {
    async create(_node, path) {
      await mkdir(path, { recursive: true, mode: 0o777 });
      // mkdir's mode is filtered by the umask; containers running as any user must be able to write.
      await chmod(path, 0o777);
    },
    async remove(_node, path) {
      await rm(path, { recursive: true, force: true });
    },
  };
}
