// The DaemonSet controller: one daemon pod per eligible node, pinned there with a
// `metadata.name In [node]` required affinity and left to the scheduler to bind; rolling
// updates by template hash (ControllerRevisions); status over all nodes.
import type { KObject, Node, Pod, PodTemplateSpec } from '../../api/types/index.js';
import { isNotFound } from '../../api/status.js';
import { isControlledBy, newControllerRef } from '../../api/pod-util.js';
import { labelSelectorFromMeta, matchesLabels } from '../../api/selectors/index.js';
import { Controller, enqueueObject, enqueueSelf, isRealUpdate } from '../../client/controller.js';
import {
  type ControllerContext, type EventRecorder, isDeletedFinalStateUnknown, keyOf, splitKey,
  type Lister, R, type ApiClient,
} from '../../client/index.js';
import { clone, deepEqual } from '../../util/json.js';
import {
  CONTROLLER_REVISION_HASH_LABEL, createControllerRevision, deleteRevisions, equalRevision, Expectations, hashTemplate,
  listOwnedRevisions, newControllerRevision, nextRevision, revisionsToTruncate, slowStartBatch, templatePatch,
  updateRevisionNumber, type ControllerRevision,
} from '../history/index.js';
import { pinToNode, withDaemonTolerations } from './eligibility.js';
import {
  computeStatus, planManage, planRollingUpdate, podsByNode, templateGeneration, templateSpec, TEMPLATE_GENERATION_LABEL,
  type ServedDaemonSet,
} from './plan.js';

export const CONTROLLER_NAME = 'daemonset-controller';
export const DAEMONSET_KIND = 'DaemonSet';
export const REASON_SUCCESSFUL_CREATE = 'SuccessfulCreate';
export const REASON_FAILED_CREATE = 'FailedCreate';
export const REASON_SUCCESSFUL_DELETE = 'SuccessfulDelete';
export const REASON_FAILED_DELETE = 'FailedDelete';
export const REASON_FAILED_DAEMON_POD = 'FailedDaemonPod';
/** Upstream caps creates and deletes per sync. */
const BURST_REPLICAS = 250;

export class DaemonSetController {
  readonly controller: Controller;
  readonly expectations: Expectations;
  private readonly client: ApiClient;
  private readonly sets: Lister<ServedDaemonSet>;
  private readonly pods: Lister<Pod>;
  private readonly nodes: Lister<Node>;
  private readonly revisions: Lister<ControllerRevision>;
  private readonly recorder: EventRecorder;
  private readonly now: () => number;

  constructor(ctx: ControllerContext, opts: { workers?: number } = {}) {
    this.client = ctx.client;
    this.recorder = ctx.recorder(CONTROLLER_NAME);
    this.now = () => ctx.clock.now();
    this.expectations = new Expectations(ctx.clock);
    const dsInf = ctx.informers.informerFor<ServedDaemonSet>(R.daemonsets);
    const podInf = ctx.informers.informerFor<Pod>(R.pods);
    const nodeInf = ctx.informers.informerFor<Node>(R.nodes);
    const revInf = ctx.informers.informerFor<ControllerRevision>(R.controllerrevisions);
    this.sets = dsInf.lister;
    this.pods = podInf.lister;
    this.nodes = nodeInf.lister;
    this.revisions = revInf.lister;
    this.controller = new Controller({
      name: CONTROLLER_NAME, workers: opts.workers ?? 2, signal: ctx.signal, clock: ctx.clock,
      waitFor: [dsInf, podInf, nodeInf, revInf],
      reconcile: (key) => this.reconcile(key),
    });
    const c = this.controller;
    dsInf.addEventHandler({
      ...enqueueSelf(c),
      onDelete: (o) => {
        enqueueObject(c, o);
        this.expectations.delete(isDeletedFinalStateUnknown(o) ? o.key : keyOf(o));
      },
    });
    podInf.addEventHandler({
      onAdd: (p) => this.podChanged(p, 'add'),
      onUpdate: (o, n) => { if (isRealUpdate(o, n)) this.podChanged(n); },
      onDelete: (p) => this.podChanged(isDeletedFinalStateUnknown<Pod>(p) ? p.obj : p, 'delete'),
    });
    const allSets = (): void => { for (const ds of this.sets.list()) enqueueObject(c, ds); };
    nodeInf.addEventHandler({
      onAdd: allSets,
      onUpdate: (o, n) => {
        if (!isRealUpdate(o, n)) return;
        if (!deepEqual(o.metadata.labels, n.metadata.labels) || !deepEqual(o.spec, n.spec)) allSets();
      },
      onDelete: allSets,
    });
  }

  private podChanged(pod: Readonly<Pod>, what?: 'add' | 'delete'): void {
    const ref = pod.metadata.ownerReferences?.find((r) => r.controller && r.kind === DAEMONSET_KIND);
    if (!ref) return;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    if (what === 'add') this.expectations.creationObserved(key);
    if (what === 'delete') this.expectations.deletionObserved(key);
    this.controller.enqueue(key);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ds = this.sets.get(namespace, name);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    const selector = labelSelectorFromMeta(ds.spec.selector);
    const pods = this.pods.list(namespace, (p) => isControlledBy(p, ds) && matchesLabels(selector, p.metadata.labels ?? {}));
    const nodes = this.nodes.list();
    const { hash, revisions, current, collisionCount } = await this.syncHistory(ds);
    const now = this.now();
    if (!ds.metadata.deletionTimestamp && this.expectations.satisfied(key)) {
      const podsOf = podsByNode(pods);
      const manage = planManage(ds, nodes, podsOf, hash, now);
      for (const f of manage.failedPods) {
        this.recorder.event(ds, 'Warning', REASON_FAILED_DAEMON_POD, `Found failed daemon pod ${f.pod.metadata.namespace}/${f.pod.metadata.name} on node ${f.node}, will try to kill it`);
      }
      if (manage.nodesNeedingPods.length > 0 || manage.podsToDelete.length > 0) {
        await this.syncNodes(ds, key, manage.podsToDelete, manage.nodesNeedingPods, hash);
      } else if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
        const ru = planRollingUpdate(ds, nodes, podsOf, hash, now);
        await this.syncNodes(ds, key, ru.oldPodsToDelete, ru.newNodesToCreate, hash);
      }
      const live = new Set([current.metadata.name ?? '', ...pods.map((p) => `${name}-${p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? ''}`)]);
      await deleteRevisions(this.client, revisionsToTruncate(revisions, live, ds.spec.revisionHistoryLimit ?? 10));
    }
    await this.writeStatus(ds, nodes, pods, hash, collisionCount);
  }

  /** Finds or creates the revision of the current template; keeps it the newest. */
  private async syncHistory(ds: Readonly<ServedDaemonSet>): Promise<{ hash: string; revisions: Readonly<ControllerRevision>[]; current: Readonly<ControllerRevision>; collisionCount: number }> {
    const revisions = listOwnedRevisions(this.revisions, ds);
    let collisionCount = ds.status?.collisionCount ?? 0;
    let hash = hashTemplate(ds.spec.template, collisionCount);
    const data = templatePatch(ds.spec.template);
    const max = nextRevision(revisions);
    const candidate = newControllerRevision({
      owner: ds, ownerApiVersion: 'apps/v1', ownerKind: DAEMONSET_KIND, labels: ds.spec.template?.metadata?.labels,
      annotations: ds.metadata.annotations, data, revision: max, hash, hashLabel: CONTROLLER_REVISION_HASH_LABEL,
    });
    let current = revisions.find((r) => r.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash || equalRevision(r, candidate));
    if (current) {
      if (current.revision < max - 1) current = await updateRevisionNumber(this.client, current, max);
      hash = current.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? hash;
    } else {
      const created = await createControllerRevision(this.client, ds, candidate, collisionCount,
        (count) => hashTemplate(ds.spec.template, count), CONTROLLER_REVISION_HASH_LABEL);
      current = created.revision;
      collisionCount = created.collisionCount;
      hash = current.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? hash;
    }
    const all = revisions.filter((r) => r.metadata.name !== current!.metadata.name).concat([current]);
    return { hash, revisions: all, current, collisionCount };
  }

  private newPod(ds: Readonly<ServedDaemonSet>, nodeName: string, hash: string): KObject {
    const tpl: Partial<PodTemplateSpec> = ds.spec.template ?? {};
    const labels: Record<string, string> = { ...(tpl.metadata?.labels ?? {}) };
    labels[TEMPLATE_GENERATION_LABEL] = templateGeneration(ds) ?? String(ds.metadata.generation ?? 1);
    labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
    const spec = pinToNode(templateSpec(ds) ?? {}, nodeName);
    spec.tolerations = withDaemonTolerations(spec);
    const meta: KObject['metadata'] = {
      generateName: `${ds.metadata.name}-`, namespace: ds.metadata.namespace, labels,
      ownerReferences: [newControllerRef(ds, 'apps/v1', DAEMONSET_KIND)],
    };
    if (tpl.metadata?.annotations) meta.annotations = clone(tpl.metadata.annotations);
    return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
  }

  /** Deletes then creates, both capped at the burst size, creations in slow-start batches. */
  private async syncNodes(ds: Readonly<ServedDaemonSet>, key: string, toDelete: readonly Readonly<Pod>[], nodes: readonly string[], hash: string): Promise<void> {
    const seen = new Set<string>();
    const dels = toDelete.filter((p) => !seen.has(p.metadata.uid ?? '') && seen.add(p.metadata.uid ?? '')).slice(0, BURST_REPLICAS);
    const creates = nodes.slice(0, BURST_REPLICAS);
    this.expectations.expect(key, creates.length, dels.length);
    const errors: unknown[] = [];
    const createResult = await slowStartBatch(creates.length, async (i) => {
      try {
        const pod = await this.client.create(R.pods, ds.metadata.namespace, this.newPod(ds, creates[i]!, hash));
        this.recorder.event(ds, 'Normal', REASON_SUCCESSFUL_CREATE, `Created pod: ${pod.metadata.name}`);
      } catch (err) {
        this.expectations.lowerCreations(key);
        this.recorder.event(ds, 'Warning', REASON_FAILED_CREATE, `Error creating: ${msg(err)}`);
        throw err;
      }
    });
    // Creates never attempted after a failed batch will not be observed either.
    this.expectations.lowerCreations(key, creates.length - createResult.attempted);
    if (createResult.error) errors.push(createResult.error);
    await Promise.all(dels.map(async (p) => {
      try {
        await this.client.delete(R.pods, p.metadata.namespace, p.metadata.name ?? '', { preconditions: { uid: p.metadata.uid } });
        this.recorder.event(ds, 'Normal', REASON_SUCCESSFUL_DELETE, `Deleted pod: ${p.metadata.name}`);
      } catch (err) {
        this.expectations.lowerDeletions(key);
        if (isNotFound(err)) return;
        this.recorder.event(ds, 'Warning', REASON_FAILED_DELETE, `Error deleting: ${msg(err)}`);
        errors.push(err);
      }
    }));
    if (errors.length > 0) throw errors[0];
  }

  private async writeStatus(ds: Readonly<ServedDaemonSet>, nodes: readonly Readonly<Node>[], pods: readonly Readonly<Pod>[], hash: string, collisionCount: number): Promise<void> {
    const status = computeStatus(ds, nodes, podsByNode(pods), hash, this.now());
    if (collisionCount !== (ds.status?.collisionCount ?? 0)) status.collisionCount = collisionCount;
    const minReady = ds.spec.minReadySeconds ?? 0;
    if (minReady > 0 && status.numberReady !== (status.numberAvailable ?? 0)) this.controller.enqueueAfter(keyOf(ds), minReady * 1000);
    if (deepEqual(status, ds.status ?? {})) return;
    const copy = clone(ds) as ServedDaemonSet;
    copy.status = status;
    try {
      await this.client.updateStatus(R.daemonsets, ds.metadata.namespace, copy);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

const msg = (err: unknown): string => (err instanceof Error ? err.message : String(err));
