// The PersistentVolume binder (upstream kube-controller-manager "persistentvolume-binder",
// pkg/controller/volume/persistentvolume). Two queues, as upstream: claims (`ns/name`) and
// volumes (`name`). See README.md for the state machine; matching rules are in matching.ts
// and the objects written in binding.ts.
//
// Deviation: upstream the scheduler's VolumeBinding plugin picks the node of a
// WaitForFirstConsumer claim (annotation volume.kubernetes.io/selected-node) or pre-binds
// a free volume on that node. k8ts's scheduler does not, so the claim sync does it once a
// pod using the claim is bound to a node (selectNodeForConsumer).
import { isInvalid, isNotFound } from '../../api/status.js';
import type { KObject, Node, ObjectReference, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../api/types/index.js';
import { rfc3339 } from '../../util/time.js';
import { Controller, isRealUpdate } from '../../client/controller.js';
import {
  type Clock, type ControllerContext, type EventRecorder, isDeletedFinalStateUnknown, splitKey,
  type Lister, R, type ApiClient,
} from '../../client/index.js';
import { claimBoundTo, claimWithStatus, volumeBoundTo, volumeUnbound, volumeWithPhase } from './binding.js';
import { nodeInfoOf, podNodeName, scheduledConsumer, unscheduledConsumerNames, waitingForConsumer } from './consumers.js';
import { findBestMatch, isVolumeBoundToClaim, volumeSatisfiesClaimProblem, type NodeInfo } from './matching.js';
import { claimClassName, defaultClass, explicitClaimClassName, isDelayBinding } from './storage-class.js';
import { ANN_BETA_STORAGE_PROVISIONER, ANN_BIND_COMPLETED, ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, NO_PROVISIONER, REASON_CLAIM_LOST, REASON_CLAIM_MISBOUND, REASON_EXTERNAL_PROVISIONING, REASON_FAILED_BINDING, REASON_PROVISIONING_FAILED, REASON_VOLUME_FAILED_DELETE, REASON_VOLUME_FAILED_RECYCLE, annotation, claimKeyOf, hasAnnotation, podClaimNames, type ClaimPhase, type VolumePhase } from './types.js';

export const CONTROLLER_NAME = 'persistentvolume-binder';
/** The event source upstream's binder reports as. */
export const EVENT_COMPONENT = 'persistentvolume-controller';
/** Pod index: `namespace/claimName` of every claim the pod mounts. */
export const POD_CLAIMS_INDEX = 'persistentvolume.k8ts.io/claims';

export interface PersistentVolumeControllerOptions {
  /** Unbound claims are looked at again after this long (upstream syncPeriod 15 s); 0 disables. */
  resyncPeriodMs?: number;
  workers?: number;
}

type Event = { type: 'Normal' | 'Warning'; reason: string; message: string };

export class PersistentVolumeController {
  readonly claimController: Controller;
  readonly volumeController: Controller;
  private readonly client: ApiClient;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly claims: Lister<PersistentVolumeClaim>;
  private readonly volumes: Lister<PersistentVolume>;
  private readonly classes: Lister<StorageClass>;
  private readonly pods: Lister<Pod>;
  private readonly nodes: Lister<Node>;
  private readonly synced: Promise<unknown>;
  private readonly resyncMs: number;
  /** Claims (uid) whose retroactive default-class write the API server refused. */
  private readonly classWriteRefused = new Set<string>();

  constructor(ctx: ControllerContext, opts: PersistentVolumeControllerOptions = {}) {
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.recorder = ctx.recorder(EVENT_COMPONENT);
    this.resyncMs = opts.resyncPeriodMs ?? 15_000;
    const claimInf = ctx.informers.informerFor<PersistentVolumeClaim>(R.persistentvolumeclaims);
    const volumeInf = ctx.informers.informerFor<PersistentVolume>(R.persistentvolumes);
    const classInf = ctx.informers.informerFor<StorageClass>(R.storageclasses);
    const podInf = ctx.informers.informerFor<Pod>(R.pods);
    const nodeInf = ctx.informers.informerFor<Node>(R.nodes);
    podInf.addIndexer(POD_CLAIMS_INDEX, (p) => podClaimNames(p).map((n) => claimKeyOf(p.metadata.namespace, n)));
    this.claims = claimInf.lister;
    this.volumes = volumeInf.lister;
    this.classes = classInf.lister;
    this.pods = podInf.lister;
    this.nodes = nodeInf.lister;
    this.synced = Promise.all([claimInf, volumeInf, classInf, podInf, nodeInf].map((i) => i.whenSynced()));
    const common = { signal: ctx.signal, clock: ctx.clock, workers: opts.workers ?? 1 };
    this.claimController = new Controller({ name: `${CONTROLLER_NAME}-claims`, ...common, reconcile: (k) => this.syncClaim(k) });
    this.volumeController = new Controller({ name: `${CONTROLLER_NAME}-volumes`, ...common, reconcile: (k) => this.syncVolume(k) });

    const claimKey = (c: Readonly<KObject>): string => claimKeyOf(c.metadata.namespace, c.metadata.name);
    claimInf.addEventHandler({
      onAdd: (c) => this.claimController.enqueue(claimKey(c)),
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) this.claimController.enqueue(claimKey(n)); },
      onDelete: (d) => {
        const c = isDeletedFinalStateUnknown<PersistentVolumeClaim>(d) ? d.obj : d;
        // The volumes it was (or was about to be) bound to are released.
        if (c.spec?.volumeName) this.volumeController.enqueue(c.spec.volumeName);
        for (const pv of this.volumes.list(undefined, (v) => v.spec?.claimRef?.name === c.metadata.name && v.spec?.claimRef?.namespace === c.metadata.namespace)) {
          this.volumeController.enqueue(pv.metadata.name ?? '');
        }
      },
    });
    const onVolume = (pv: Readonly<PersistentVolume>): void => {
      this.volumeController.enqueue(pv.metadata.name ?? '');
      const ref = pv.spec?.claimRef;
      if (ref) this.claimController.enqueue(claimKeyOf(ref.namespace, ref.name));
      else if (pv.status?.phase === 'Available') this.enqueueUnboundClaims();
    };
    volumeInf.addEventHandler({
      onAdd: onVolume,
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) onVolume(n); },
      onDelete: (d) => {
        const pv = isDeletedFinalStateUnknown<PersistentVolume>(d) ? d.obj : d;
        const ref = pv.spec?.claimRef;
        if (ref) this.claimController.enqueue(claimKeyOf(ref.namespace, ref.name));
      },
    });
    classInf.addEventHandler({
      onAdd: () => this.enqueueUnboundClaims(),
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) this.enqueueUnboundClaims(); },
    });
    const onPod = (p: Readonly<Pod>): void => {
      for (const n of podClaimNames(p)) this.claimController.enqueue(claimKeyOf(p.metadata.namespace, n));
    };
    podInf.addEventHandler({
      onAdd: onPod,
      onUpdate: (o, n) => { if (isRealUpdate(o, n) && podNodeName(o) !== podNodeName(n)) onPod(n); },
    });
  }

  /** Starts both queues once every cache is filled (a half-filled cache would make bound claims look Lost). */
  run(): void {
    void this.synced.then(() => {
      this.claimController.run();
      this.volumeController.run();
    });
  }

  private enqueueUnboundClaims(): void {
    for (const c of this.claims.list(undefined, (c) => !hasAnnotation(c, ANN_BIND_COMPLETED))) {
      this.claimController.enqueue(claimKeyOf(c.metadata.namespace, c.metadata.name));
    }
  }

  private now(): string {
    return rfc3339(this.clock.now());
  }

  private nodeInfo(name: string): NodeInfo {
    return nodeInfoOf(name, this.nodes.get(undefined, name));
  }

  // ---- claims ----------------------------------------------------------------------------

  async syncClaim(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const claim = this.claims.get(namespace, name);
    if (!claim) return;
    if (hasAnnotation(claim, ANN_BIND_COMPLETED)) await this.syncBoundClaim(claim);
    else if (claim.spec?.volumeName) await this.syncPreboundClaim(claim, claim.spec.volumeName);
    else await this.syncUnboundClaim(claim, key);
  }

  private async syncUnboundClaim(claim: Readonly<PersistentVolumeClaim>, key: string): Promise<void> {
    const className = claimClassName(claim, this.classes.list());
    const sc = className ? this.classes.get(undefined, className) : undefined;
    const delay = isDelayBinding(claim, sc);
    const selected = annotation(claim, ANN_SELECTED_NODE);
    const node = selected ? this.nodeInfo(selected) : undefined;
    const pv = findBestMatch(claim, this.volumes.list(), { className, delayBinding: delay, node });
    if (pv) {
      await this.bind(pv, claim);
      return;
    }
    if (await this.assignDefaultClass(claim)) return;
    if (this.resyncMs > 0) this.claimController.enqueueAfter(key, this.resyncMs);
    if (delay) {
      if (await this.selectNodeForConsumer(claim, className, sc)) return;
      const pods = this.pods.byIndex(POD_CLAIMS_INDEX, key);
      const { reason, message } = waitingForConsumer(unscheduledConsumerNames(pods));
      this.recorder.event(claim, 'Normal', reason, message);
    } else if (className) {
      await this.provisionClaim(claim, className, sc);
    } else {
      this.recorder.event(claim, 'Normal', REASON_FAILED_BINDING, 'no persistent volumes available for this claim and no storage class is set');
    }
    await this.writeClaimStatus(claim, 'Pending');
  }

  /**
   * Stand-in for the scheduler's VolumeBinding plugin: once a pod using the claim is on a
   * node, pre-bind a free volume usable there, or else select that node for provisioning.
   * Returns whether it wrote something.
   */
  private async selectNodeForConsumer(claim: Readonly<PersistentVolumeClaim>, className: string, sc: Readonly<StorageClass> | undefined): Promise<boolean> {
    const pod = scheduledConsumer(this.pods.byIndex(POD_CLAIMS_INDEX, claimKeyOf(claim.metadata.namespace, claim.metadata.name)));
    if (!pod) return false;
    const nodeName = podNodeName(pod);
    const pv = findBestMatch(claim, this.volumes.list(), { className, delayBinding: false, node: this.nodeInfo(nodeName) });
    if (pv) {
      const next = volumeBoundTo(pv, claim);
      if (next) await this.client.update(R.persistentvolumes, undefined, next);
      return true;
    }
    if (!sc?.provisioner || sc.provisioner === NO_PROVISIONER) return false;
    const next = { ...claim, metadata: { ...claim.metadata, annotations: { ...(claim.metadata.annotations ?? {}), [ANN_SELECTED_NODE]: nodeName } } };
    await this.client.update(R.persistentvolumeclaims, claim.metadata.namespace, next);
    return true;
  }

  /**
   * Upstream 1.28+ writes the default class into claims that name none (retroactive
   * default StorageClass assignment). An API server that refuses the write (no such
   * update allowed yet) is remembered per claim; matching then uses the default in memory.
   */
  private async assignDefaultClass(claim: Readonly<PersistentVolumeClaim>): Promise<boolean> {
    if (explicitClaimClassName(claim) !== undefined) return false;
    const def = defaultClass(this.classes.list());
    const uid = claim.metadata.uid ?? '';
    if (!def || this.classWriteRefused.has(uid)) return false;
    try {
      await this.client.update(R.persistentvolumeclaims, claim.metadata.namespace, { ...claim, spec: { ...claim.spec, storageClassName: def.metadata.name } });
      return true;
    } catch (err) {
      if (!isInvalid(err)) throw err;
      this.classWriteRefused.add(uid);
      return false;
    }
  }

  private async provisionClaim(claim: Readonly<PersistentVolumeClaim>, className: string, sc: Readonly<StorageClass> | undefined): Promise<void> {
    if (!sc) {
      this.recorder.event(claim, 'Warning', REASON_PROVISIONING_FAILED, `storageclass.storage.k8s.io "${className}" not found`);
      return;
    }
    const provisioner = sc.provisioner ?? '';
    if (provisioner.startsWith('kubernetes.io/')) {
      // In-tree provisioners (and no-provisioner) have no plugin here.
      this.recorder.event(claim, 'Warning', REASON_PROVISIONING_FAILED, `no volume plugin matched name: ${provisioner}`);
      return;
    }
    if (annotation(claim, ANN_STORAGE_PROVISIONER) !== provisioner || annotation(claim, ANN_BETA_STORAGE_PROVISIONER) !== provisioner) {
      const annotations = { ...(claim.metadata.annotations ?? {}), [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner };
      await this.client.update(R.persistentvolumeclaims, claim.metadata.namespace, { ...claim, metadata: { ...claim.metadata, annotations } });
    }
    this.recorder.event(claim, 'Normal', REASON_EXTERNAL_PROVISIONING,
      `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
  }

  /** The user named a volume in spec.volumeName. */
  private async syncPreboundClaim(claim: Readonly<PersistentVolumeClaim>, volumeName: string): Promise<void> {
    const pv = this.volumes.get(undefined, volumeName);
    if (!pv) {
      await this.writeClaimStatus(claim, 'Pending');
      return;
    }
    if (!pv.spec?.claimRef) {
      const problem = volumeSatisfiesClaimProblem(pv, claim, claimClassName(claim, this.classes.list()));
      if (!problem) {
        await this.bind(pv, claim);
        return;
      }
      this.recorder.event(claim, 'Warning', REASON_FAILED_BINDING, `Cannot bind to requested volume "${volumeName}": ${problem}`);
    } else if (isVolumeBoundToClaim(pv, claim)) {
      await this.bind(pv, claim);
      return;
    } else {
      this.recorder.event(claim, 'Warning', REASON_FAILED_BINDING, `volume "${volumeName}" already bound to a different claim.`);
    }
    await this.writeClaimStatus(claim, 'Pending');
  }

  private async syncBoundClaim(claim: Readonly<PersistentVolumeClaim>): Promise<void> {
    const volumeName = claim.spec?.volumeName ?? '';
    if (!volumeName) {
      await this.writeClaimStatus(claim, 'Lost', undefined, { type: 'Warning', reason: REASON_CLAIM_LOST, message: 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!' });
      return;
    }
    const pv = this.volumes.get(undefined, volumeName);
    if (!pv) {
      await this.writeClaimStatus(claim, 'Lost', undefined, { type: 'Warning', reason: REASON_CLAIM_LOST, message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' });
      return;
    }
    if (!pv.spec?.claimRef || isVolumeBoundToClaim(pv, claim)) {
      await this.bind(pv, claim);
      return;
    }
    await this.writeClaimStatus(claim, 'Lost', undefined, { type: 'Warning', reason: REASON_CLAIM_MISBOUND, message: 'Two claims are bound to the same volume, this one is bound incorrectly' });
  }

  /** Writes both halves of a binding, volume first (upstream order); each step is skipped when already done. */
  private async bind(pv: Readonly<PersistentVolume>, claim: Readonly<PersistentVolumeClaim>): Promise<void> {
    let volume: Readonly<PersistentVolume> = pv;
    const v = volumeBoundTo(volume, claim);
    if (v) volume = await this.client.update<PersistentVolume>(R.persistentvolumes, undefined, v);
    const vs = volumeWithPhase(volume, 'Bound', '', this.now());
    if (vs) volume = await this.client.updateStatus<PersistentVolume>(R.persistentvolumes, undefined, vs);
    let c: Readonly<PersistentVolumeClaim> = claim;
    const cb = claimBoundTo(c, volume);
    if (cb) c = await this.client.update<PersistentVolumeClaim>(R.persistentvolumeclaims, claim.metadata.namespace, cb);
    await this.writeClaimStatus(c, 'Bound', volume);
  }

  private async writeClaimStatus(claim: Readonly<PersistentVolumeClaim>, phase: ClaimPhase, pv?: Readonly<PersistentVolume>, event?: Event): Promise<void> {
    const next = claimWithStatus(claim, phase, pv);
    if (!next) return;
    await this.client.updateStatus(R.persistentvolumeclaims, claim.metadata.namespace, next);
    if (event) this.recorder.event(claim, event.type, event.reason, event.message);
  }

  // ---- volumes ---------------------------------------------------------------------------

  async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.get(undefined, name);
    if (!pv) return;
    const ref = pv.spec?.claimRef;
    if (!ref?.uid) {
      // Free, or pre-bound by the user to a claim that has not been bound yet.
      await this.setVolumePhase(pv, 'Available');
      return;
    }
    const claim = await this.currentClaim(ref);
    if (!claim) {
      await this.release(pv);
      return;
    }
    const claimVolume = claim.spec?.volumeName ?? '';
    if (claimVolume === '') {
      // The claim's half is still to be written (a new provisioned or pre-bound volume).
      this.claimController.enqueue(claimKeyOf(claim.metadata.namespace, claim.metadata.name));
    } else if (claimVolume === name) {
      await this.setVolumePhase(pv, 'Bound');
    } else if (hasAnnotation(pv, ANN_DYNAMICALLY_PROVISIONED) && pv.spec?.persistentVolumeReclaimPolicy === 'Delete') {
      // Provisioned for a claim that got another volume: not needed any more.
      await this.release(pv);
    } else {
      const next = volumeUnbound(pv);
      const written = await this.client.update<PersistentVolume>(R.persistentvolumes, undefined, next);
      await this.setVolumePhase(written, 'Available');
    }
  }

  /** The claim named by `ref`, if it still exists with that uid (asks the API when the cache lacks it). */
  private async currentClaim(ref: ObjectReference): Promise<Readonly<PersistentVolumeClaim> | undefined> {
    let claim = this.claims.get(ref.namespace, ref.name ?? '');
    if (!claim) {
      try {
        claim = await this.client.get<PersistentVolumeClaim>(R.persistentvolumeclaims, ref.namespace, ref.name ?? '');
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    }
    return claim.metadata.uid === ref.uid ? claim : undefined;
  }

  /** Released, then reclaimed by policy. Delete of a provisioned volume is the provisioner's job. */
  private async release(pv: Readonly<PersistentVolume>): Promise<void> {
    const phase = pv.status?.phase;
    const volume = phase === 'Released' || phase === 'Failed' ? pv : (await this.setVolumePhase(pv, 'Released')) ?? pv;
    const name = volume.metadata.name ?? '';
    switch (volume.spec?.persistentVolumeReclaimPolicy ?? 'Retain') {
      case 'Retain':
        return;
      case 'Recycle':
        await this.setVolumePhase(volume, 'Failed', 'No recycler plugin found for the volume!', REASON_VOLUME_FAILED_RECYCLE);
        return;
      case 'Delete': {
        const by = annotation(volume, ANN_DYNAMICALLY_PROVISIONED);
        if (by !== undefined && !by.startsWith('kubernetes.io/')) return;
        await this.setVolumePhase(volume, 'Failed', `error getting deleter volume plugin for volume "${name}": no deletable volume plugin matched`, REASON_VOLUME_FAILED_DELETE);
      }
    }
  }

  /** Writes the phase when it differs; a Warning event with `reason` accompanies the change. */
  private async setVolumePhase(pv: Readonly<PersistentVolume>, phase: VolumePhase, message = '', reason?: string): Promise<Readonly<PersistentVolume> | undefined> {
    const next = volumeWithPhase(pv, phase, message, this.now());
    if (!next) return undefined;
    const written = await this.client.updateStatus<PersistentVolume>(R.persistentvolumes, undefined, next);
    if (reason) this.recorder.event(pv, 'Warning', reason, message);
    return written;
  }
}
