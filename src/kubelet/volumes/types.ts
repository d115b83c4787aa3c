// The volume plugin contract. Each plugin owns one volume source; the volume manager calls
// setUp on every pod sync (so it must be idempotent and cheap when nothing changed: that is
// also how configMap/secret/projected contents follow their objects) and tearDown when the
// pod terminates. A plugin's directory is `<podDir>/volumes/<plugin.name>/<volume name>`.
import type { ApiClient, Clock } from '../../client/index.js';
import type { Pod, Volume } from '../../api/types/index.js';
import type { ObjectGetter } from '../container/env.js';
import type { DownwardContext } from '../container/downward.js';
import { ERR_VOLUME_SETUP } from '../../util/error-codes.js';

export interface VolumeContext {
  /** `<dataDir>/pods/<uid>`. */
  podDir: string;
  getter: ObjectGetter;
  client: ApiClient;
  clock: Clock;
  /** Downward API inputs for the pod (IPs, node allocatable). */
  downward: DownwardContext;
}

/** Where a set-up volume lives on the host, and how containers mount it. */
export interface HostVolume {
  hostPath: string;
  /** emptyDir medium Memory: the runtime mounts a tmpfs (of at most sizeBytes). */
  tmpfs?: { sizeBytes?: number };
  /** The source forces read-only mounts (configMap, secret, downwardAPI, projected, readOnly PVCs). */
  readOnly: boolean;
}

export interface VolumePlugin {
  /** Directory name under `volumes/`, upstream style (`kubernetes.io~configmap`). */
  readonly name: string;
  canSupport(v: Readonly<Volume>): boolean;
  setUp(pod: Readonly<Pod>, v: Readonly<Volume>, dir: string, ctx: VolumeContext): Promise<HostVolume>;
  /** Undo setUp; default: remove `dir`. Volumes that point outside the pod dir (hostPath, PVCs) do nothing. */
  tearDown?(dir: string): Promise<void>;
  /** Volumes outside the pod directory: tearDown must never delete their data. */
  readonly external?: boolean;
}

export class VolumeSetUpError extends Error {
  readonly code = ERR_VOLUME_SETUP;
}
