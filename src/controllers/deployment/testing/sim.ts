// A tiny cluster for Deployment tests: FakeApiClient + mirroring informers, the ReplicaSet
// and Deployment controllers running on a fake clock, and a toy kubelet that makes pods
// Running and Ready (and finishes graceful deletions) when asked.
import { getCondition } from '../../../api/pod-util.js';
import { rfc3339 } from '../../../util/time.js';
import { R } from '../../../client/resources.js';
import { newTestContext, waitForIdle, type TestContext } from '../../../client/testing/index.js';
import { ReplicaSetController } from '../../replicaset/index.js';
import { DeploymentController } from '../deployment-controller.js';
import type { Deployment, Pod, ReplicaSet } from '../../../api/types/index.js';

export class Sim {
  readonly t: TestContext;
  readonly rsc: ReplicaSetController;
  readonly dc: DeploymentController;

  constructor(opts: { gracefulPodDeletion?: boolean } = {}) {
    this.t = newTestContext({ gracefulPodDeletion: opts.gracefulPodDeletion });
    this.rsc = new ReplicaSetController(this.t.ctx, { workers: 1 });
    this.dc = new DeploymentController(this.t.ctx, { workers: 1 });
    this.rsc.run();
    this.dc.run();
  }

  get client() {
    return this.t.client;
  }

  /** Lets both controllers work until neither has anything queued. */
  async settle(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      await waitForIdle(this.rsc.controller);
      await waitForIdle(this.dc.controller);
      if (this.rsc.controller.queue.isIdle() && this.dc.controller.queue.isIdle()) return;
    }
  }

  /** Pending pods become Running and Ready now; terminating pods go away. */
  async kubelet(opts: { ready?: boolean } = {}): Promise<void> {
    for (const pod of this.client.objects<Pod>(R.pods)) {
      if (pod.metadata.deletionTimestamp) {
        await this.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name ?? '', { gracePeriodSeconds: 0 });
        continue;
      }
      if (getCondition(pod, 'Ready')) continue;
      if (opts.ready === false) continue;
      const now = rfc3339(this.t.clock.now());
      const ns = pod.metadata.namespace;
      const name = pod.metadata.name ?? '';
      if (!pod.spec?.nodeName) await this.client.createSubresource(R.pods, ns, name, 'binding', { target: { name: 'node-1' } });
      const bound = this.client.object<Pod>(R.pods, ns, name)!;
      bound.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] };
      await this.client.updateStatus(R.pods, ns, bound);
    }
  }

  /** settle, kubelet, settle, then advance the clock by `ms` and settle again. */
  async step(ms = 1000, kubelet: { ready?: boolean } = {}): Promise<void> {
    await this.settle();
    await this.kubelet(kubelet);
    await this.settle();
    this.t.clock.advance(ms);
    await this.settle();
  }

  deployment(name = 'web'): Deployment {
    const d = this.client.object<Deployment>(R.deployments, 'ns', name);
    if (!d) throw new Error(`deployment ${name} not found`);
    return d;
  }

  replicaSets(): ReplicaSet[] {
    return this.client.objects<ReplicaSet>(R.replicasets);
  }

  pods(): Pod[] {
    return this.client.objects<Pod>(R.pods);
  }

  /** Applies `fn` to the stored Deployment (a spec change bumps the generation). */
  async updateDeployment(fn: (d: Deployment) => void, name = 'web'): Promise<void> {
    const d = this.deployment(name);
    fn(d);
    await this.client.update(R.deployments, 'ns', d);
  }

  stop(): void {
    this.t.abort();
  }
}
