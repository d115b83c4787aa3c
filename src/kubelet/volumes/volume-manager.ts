// Sets up a pod's volumes before its containers start, turns volumeMounts into runtime
// mounts, and tears volumes down when the pod terminates.
//
//   setUpPod(pod) ──each volume──▶ plugin.setUp ──▶ HostVolume (path, tmpfs, readOnly)
//   containerMounts(pod, container, volumes) ──▶ runtime Mounts (subPath, propagation)
//   tearDownPod(uid) ──each <podDir>/volumes/<plugin>/<name>──▶ plugin.tearDown (or rm)
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Mount } from '../../runtime/index.js';
import type { Container, Pod, Volume } from '../../api/types/index.js';
import { expand, type Mapping } from '../container/expansion.js';
import { configMapPlugin } from './config-map.js';
import { secretPlugin } from './secret.js';
import { downwardApiPlugin } from './downward-api.js';
import { ProjectedPlugin } from './projected.js';
import { emptyDirPlugin } from './empty-dir.js';
import { hostPathPlugin } from './host-path.js';
import { persistentVolumeClaimPlugin } from './persistent-volume-claim.js';
import { resolveSubPath } from './subpath.js';
import { VolumeSetUpError, type HostVolume, type VolumeContext, type VolumePlugin } from './types.js';
import { podSpec } from '../pod-types.js';
import { ERR_VOLUME_MOUNT } from '../../util/error-codes.js';

export function defaultVolumePlugins(): VolumePlugin[] {
  return [emptyDirPlugin, configMapPlugin, secretPlugin, downwardApiPlugin, new ProjectedPlugin(), hostPathPlugin, persistentVolumeClaimPlugin];
}

/** A volume that failed to set up; `message` is what the FailedMount event says. */
export class MountError extends Error {
  readonly code = ERR_VOLUME_MOUNT;
  constructor(readonly volume: string, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

export class VolumeManager {
  private readonly plugins: VolumePlugin[];

  constructor(private readonly podsDir: string, plugins: VolumePlugin[] = defaultVolumePlugins()) {
    this.plugins = plugins;
  }

  podDir(uid: string): string {
    return join(this.podsDir, uid);
  }

  private pluginFor(v: Readonly<Volume>): VolumePlugin | undefined {
    return this.plugins.find((p) => p.canSupport(v));
  }

  /** Sets up (or refreshes) every volume of the pod. Throws MountError for the first failure. */
  async setUpPod(pod: Readonly<Pod>, ctx: Omit<VolumeContext, 'podDir'>): Promise<Map<string, HostVolume>> {
    const uid = pod.metadata.uid ?? '';
    const full: VolumeContext = { ...ctx, podDir: this.podDir(uid) };
    const out = new Map<string, HostVolume>();
    for (const v of podSpec(pod).volumes ?? []) {
      const plugin = this.pluginFor(v);
      if (!plugin) throw new MountError(v.name, `MountVolume.SetUp failed for volume "${v.name}" : unsupported volume source on this node`);
      const dir = join(full.podDir, 'volumes', plugin.name, v.name);
      try {
        out.set(v.name, await plugin.setUp(pod, v, dir, full));
      } catch (e) {
        throw new MountError(v.name, `MountVolume.SetUp failed for volume "${v.name}" : ${(e as Error).message}`, { cause: e });
      }
    }
    return out;
  }

  /** The runtime mounts for a container's volumeMounts. `env` expands subPathExpr. */
  async containerMounts(pod: Readonly<Pod>, c: Readonly<Container>, volumes: ReadonlyMap<string, HostVolume>, env: Mapping): Promise<Mount[]> {
    const mounts: Mount[] = [];
    for (const vm of c.volumeMounts ?? []) {
      const hv = volumes.get(vm.name);
      if (!hv) throw new MountError(vm.name, `volume "${vm.name}" of container "${c.name}" is not set up in pod ${pod.metadata.name}`);
      let hostPath = hv.hostPath;
      const sub = vm.subPathExpr !== undefined && vm.subPathExpr !== '' ? expand(vm.subPathExpr, env) : vm.subPath;
      if (sub) {
        if (hv.tmpfs) throw new MountError(vm.name, `subPath is not supported on memory-backed emptyDir volume "${vm.name}"`);
        try {
          hostPath = await resolveSubPath(hv.hostPath, sub);
        } catch (e) {
          if (e instanceof VolumeSetUpError) throw new MountError(vm.name, e.message, { cause: e });
          throw e;
        }
      }
      const m: Mount = { containerPath: vm.mountPath, hostPath, readOnly: vm.readOnly === true || hv.readOnly };
      if (vm.mountPropagation === 'HostToContainer') m.propagation = 'hostToContainer';
      else if (vm.mountPropagation === 'Bidirectional') m.propagation = 'bidirectional';
      if (hv.tmpfs && !sub) m.tmpfs = { ...hv.tmpfs };
      mounts.push(m);
    }
    return mounts;
  }

  /** Tears down every volume set up for the pod (from what is on disk, so it works after a restart). */
  async tearDownPod(uid: string): Promise<void> {
    const base = join(this.podDir(uid), 'volumes');
    let kinds: string[];
    try {
      kinds = await fs.readdir(base);
    } catch {
      return;
    }
    for (const kind of kinds) {
      const plugin = this.plugins.find((p) => p.name === kind);
      for (const name of await fs.readdir(join(base, kind)).catch(() => [] as string[])) {
        const dir = join(base, kind, name);
        if (plugin?.external) continue;
        if (plugin?.tearDown) await plugin.tearDown(dir);
        else await fs.rm(dir, { recursive: true, force: true });
      }
      await fs.rm(join(base, kind), { recursive: true, force: true });
    }
  }

  /** Removes everything the kubelet keeps for the pod (after tearDownPod). */
  async removePodDir(uid: string): Promise<void> {
    await this.tearDownPod(uid);
    await fs.rm(this.podDir(uid), { recursive: true, force: true });
  }

  /** UIDs with a directory under pods/ (for orphan clean-up). */
  async podDirs(): Promise<string[]> {
    return fs.readdir(this.podsDir).catch(() => [] as string[]);
  }
}
