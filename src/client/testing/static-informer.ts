// An informer over a fixed list that tests replace wholesale with set(); handlers hear one
// onAdd per set(), which is all a level-triggered consumer (e.g. the service proxy) needs.
import type { KObject } from '../../api/types/index.js';
import type { EventHandler, SharedInformer } from '../informer-types.js';

export class StaticInformer implements SharedInformer<KObject> {
  private readonly handlers = new Set<EventHandler<KObject>>();
  constructor(private objs: KObject[]) {}
  readonly lister = {
    get: (ns: string | undefined, name: string) => this.objs.find((o) => o.metadata.name === name && (!ns || o.metadata.namespace === ns)),
    list: () => this.objs,
    byIndex: () => [],
  };
  addEventHandler(h: EventHandler<KObject>) {
    this.handlers.add(h);
    return { dispose: () => void this.handlers.delete(h) };
  }
  addIndexer(): void {}
  hasSynced() { return true; }
  whenSynced() { return Promise.resolve(); }
  lastSyncResourceVersion() { return '1'; }
  set(objs: KObject[]): void {
    this.objs = objs;
    for (const h of this.handlers) h.onAdd?.(objs[0], false);
  }
}
