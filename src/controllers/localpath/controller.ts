// The local-path provisioner (as k3s's rancher.io/local-path, an external provisioner in
// upstream terms). Three queues:
//
//   claims  `ns/name`  claim asked of us (volume.kubernetes.io/storage-provisioner) with a
//                      selected node ─▶ mkdir on the node ─▶ create PV pvc-<uid> pre-bound
//                      to the claim; the binder then binds the claim
//   volumes `name`     our PV is Released with reclaimPolicy Delete ─▶ rm -rf on the node
//                      ─▶ delete the PV
//   class   `local-path` once at start: create the default StorageClass when missing
import { hostname } from 'node:os';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/status.js';
import type { KObject, PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../api/types/index.js';
import { Controller, isRealUpdate } from '../../client/controller.js';
import {
  type ControllerContext, type EventRecorder, isDeletedFinalStateUnknown, splitKey, type Lister, R,
  type ApiClient,
} from '../../client/index.js';
import { ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE, LABEL_HOSTNAME, REASON_PROVISIONING, REASON_PROVISIONING_FAILED, REASON_PROVISIONING_SUCCEEDED, REASON_VOLUME_FAILED_DELETE, annotation, claimClassName, claimKeyOf, claimProvisioner } from '../persistentvolume/index.js';
import { localDirectories, type VolumeDirectories } from './directories.js';
import { PROVISIONER_NAME, STORAGE_CLASS_NAME, localPathStorageClass } from './storage-class.js';
import {
  isOwnVolumePath, localPathVolume, unsupportedClaimProblem, volumeLocation, volumeNameFor, volumePathFor,
} from './volume.js';

export const CONTROLLER_NAME = 'local-path-provisioner';

export interface LocalPathOptions {
  /** Where volume directories go on every node: `<data-dir>/storage`. */
  storageRoot: string;
  /** How directories are made and removed on a node; default: this machine's filesystem. */
  directories?: VolumeDirectories;
  /** Create the default `local-path` StorageClass when it is missing (default true). */
  ensureStorageClass?: boolean;
  workers?: number;
}

export class LocalPathProvisioner {
  readonly claimController: Controller;
  readonly volumeController: Controller;
  readonly classController: Controller;
  private readonly client: ApiClient;
  private readonly recorder: EventRecorder;
  private readonly claims: Lister<PersistentVolumeClaim>;
  private readonly volumes: Lister<PersistentVolume>;
  private readonly classes: Lister<StorageClass>;
  private readonly nodes: Lister;
  private readonly dirs: VolumeDirectories;
  private readonly root: string;
  private readonly ensureClass: boolean;
  private readonly synced: Promise<unknown>;

  constructor(ctx: ControllerContext, opts: LocalPathOptions) {
    this.client = ctx.client;
    // Upstream's event source is `<provisioner>_<host>_<id>`.
    this.recorder = ctx.recorder(`${PROVISIONER_NAME}_${hostname()}`);
    this.dirs = opts.directories ?? localDirectories();
    this.root = opts.storageRoot;
    this.ensureClass = opts.ensureStorageClass ?? true;
    const claimInf = ctx.informers.informerFor<PersistentVolumeClaim>(R.persistentvolumeclaims);
    const volumeInf = ctx.informers.informerFor<PersistentVolume>(R.persistentvolumes);
    const classInf = ctx.informers.informerFor<StorageClass>(R.storageclasses);
    const nodeInf = ctx.informers.informerFor(R.nodes);
    this.claims = claimInf.lister;
    this.volumes = volumeInf.lister;
    this.classes = classInf.lister;
    this.nodes = nodeInf.lister;
    this.synced = Promise.all([claimInf, volumeInf, classInf, nodeInf].map((i) => i.whenSynced()));
    const common = { signal: ctx.signal, clock: ctx.clock };
    this.claimController = new Controller({ name: `${CONTROLLER_NAME}-claims`, workers: opts.workers ?? 4, ...common, reconcile: (k) => this.provision(k) });
    this.volumeController = new Controller({ name: `${CONTROLLER_NAME}-volumes`, workers: opts.workers ?? 4, ...common, reconcile: (k) => this.deleteVolume(k) });
    this.classController = new Controller({ name: `${CONTROLLER_NAME}-class`, ...common, reconcile: () => this.ensureStorageClass() });

    const onClaim = (c: Readonly<KObject>): void => this.claimController.enqueue(claimKeyOf(c.metadata.namespace, c.metadata.name));
    claimInf.addEventHandler({ onAdd: onClaim, onUpdate: (o, n) => { if (isRealUpdate(o, n)) onClaim(n); } });
    const onVolume = (pv: Readonly<PersistentVolume>): void => {
      if (annotation(pv, ANN_DYNAMICALLY_PROVISIONED) === PROVISIONER_NAME) this.volumeController.enqueue(pv.metadata.name ?? '');
    };
    volumeInf.addEventHandler({
      onAdd: onVolume,
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) onVolume(n); },
      onDelete: (d) => {
        // A volume deleted before its claim was bound: the claim needs a new one.
        const ref = (isDeletedFinalStateUnknown<PersistentVolume>(d) ? d.obj : d).spec?.claimRef;
        if (ref) this.claimController.enqueue(claimKeyOf(ref.namespace, ref.name));
      },
    });
  }

  /** Starts the queues once the caches are filled. */
  run(): void {
    void this.synced.then(() => {
      if (this.ensureClass) {
        this.classController.enqueue(STORAGE_CLASS_NAME);
        this.classController.run();
      }
      this.claimController.run();
      this.volumeController.run();
    });
  }

  async ensureStorageClass(): Promise<void> {
    if (this.classes.get(undefined, STORAGE_CLASS_NAME)) return;
    try {
      await this.client.create(R.storageclasses, undefined, localPathStorageClass());
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  // ---- provisioning ----------------------------------------------------------------------

  async provision(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const claim = this.claims.get(namespace, name);
    if (!claim || claim.metadata.deletionTimestamp || claim.spec?.volumeName) return;
    if (claimProvisioner(claim) !== PROVISIONER_NAME) return;
    const className = claimClassName(claim, this.classes.list());
    const sc = this.classes.get(undefined, className);
    if (sc?.provisioner !== PROVISIONER_NAME) return;
    const pvName = volumeNameFor(claim);
    if (this.volumes.get(undefined, pvName)) return;
    const nodeName = annotation(claim, ANN_SELECTED_NODE);
    // Delayed claims wait for the node; the binder (or the scheduler) selects it.
    if (!nodeName && sc.volumeBindingMode === 'WaitForFirstConsumer') return;
    const failed = (why: string): void => {
      this.recorder.event(claim, 'Warning', REASON_PROVISIONING_FAILED, `failed to provision volume with StorageClass "${className}": ${why}`);
    };
    const problem = unsupportedClaimProblem(claim) ?? (nodeName ? undefined : 'configuration error, no node was specified');
    if (problem || !nodeName) {
      failed(problem ?? '');
      return;
    }
    this.recorder.event(claim, 'Normal', REASON_PROVISIONING, `External provisioner is provisioning volume for claim "${namespace}/${name}"`);
    const path = volumePathFor(this.root, pvName, claim);
    try {
      await this.dirs.create(nodeName, path);
    } catch (err) {
      failed(`failed to create volume ${pvName}: ${errorMessage(err)}`);
      throw err;
    }
    const hostnameLabel = this.nodes.get(undefined, nodeName)?.metadata.labels?.[LABEL_HOSTNAME] ?? nodeName;
    const pv = localPathVolume({ claim, storageClass: sc, pvName, path, hostname: hostnameLabel });
    try {
      await this.client.create(R.persistentvolumes, undefined, pv);
    } catch (err) {
      // Created by an earlier attempt whose answer got lost.
      if (isAlreadyExists(err)) return;
      throw err;
    }
    this.recorder.event(claim, 'Normal', REASON_PROVISIONING_SUCCEEDED, `Successfully provisioned volume ${pvName}`);
  }

  // ---- deletion --------------------------------------------------------------------------

  async deleteVolume(name: string): Promise<void> {
    const pv = this.volumes.get(undefined, name);
    if (!pv || pv.metadata.deletionTimestamp) return;
    if (annotation(pv, ANN_DYNAMICALLY_PROVISIONED) !== PROVISIONER_NAME) return;
    if (pv.status?.phase !== 'Released' || pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
    const failed = (why: string): void => {
      this.recorder.event(pv, 'Warning', REASON_VOLUME_FAILED_DELETE, `failed to delete volume ${name}: ${why}`);
    };
    const loc = volumeLocation(pv);
    if (!loc.ok) {
      failed(loc.error);
      return;
    }
    if (!isOwnVolumePath(this.root, name, loc.path)) {
      failed(`path ${loc.path} is not a volume directory under ${this.root}; not removing it`);
      return;
    }
    try {
      await this.dirs.remove(loc.node, loc.path);
    } catch (err) {
      failed(errorMessage(err));
      throw err;
    }
    try {
      await this.client.delete(R.persistentvolumes, undefined, name, { preconditions: { uid: pv.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
