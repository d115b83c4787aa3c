// One shared informer per resource for a whole process: every controller that asks for
// pods gets the same cache and the same watch.
import type { KObject } from '../../api/types/index.js';
import type { ApiClient, ResourceRef } from '../types.js';
import type { InformerFactory } from '../controller-types.js';
import type { SharedInformer } from '../informer-types.js';
import { ClientSharedInformer, type InformerOptions } from './shared-informer.js';

export class SharedInformerFactory implements InformerFactory {
  private readonly informers = new Map<string, ClientSharedInformer>();
  private signal?: AbortSignal;

  constructor(private readonly client: ApiClient, private readonly opts: InformerOptions = {}) {}

  informerFor<T extends KObject = KObject>(res: ResourceRef): SharedInformer<T> {
    const key = `${res.group}/${res.version}/${res.resource}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new ClientSharedInformer(this.client, res, this.opts);
      this.informers.set(key, inf);
      if (this.signal && !this.signal.aborted) inf.run(this.signal);
    }
    return inf as unknown as SharedInformer<T>;
  }

  /** Starts every informer requested so far, and any requested later. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const inf of this.informers.values()) inf.run(signal);
  }

  async waitForCacheSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.whenSynced()));
  }
}
