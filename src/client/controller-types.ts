// What a controller gets to work with. A controller is a `register(ctx)` function that sets
// up informer handlers and a Controller (work queue + workers + reconcile), see
// controller.ts. Controllers never talk to storage or to each other, only to the API.
import type { KObject } from '../api/types/index.js';
import type { ApiClient, ResourceRef } from './types.js';
import type { SharedInformer } from './informer-types.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Records a core/v1 Event about `obj`; repeats of the same event are aggregated (count). */
  event(obj: Readonly<KObject>, type: EventType, reason: string, message: string): void;
}

/** Time source; tests pass a fake. */
export interface Clock {
  now(): number;
}

export const realClock: Clock = { now: () => Date.now() };

export interface InformerFactory {
  /** One shared informer per resource (all namespaces). Started by the factory's owner. */
  informerFor<T extends KObject = KObject>(res: ResourceRef): SharedInformer<T>;
}

export interface ControllerContext {
  client: ApiClient;
  informers: InformerFactory;
  recorder(component: string): EventRecorder;
  clock: Clock;
  signal: AbortSignal;
}

export interface ControllerRegistration {
  name: string;
  /** Wires handlers and starts workers; returns once running (informers may not be synced yet). */
  register(ctx: ControllerContext): void | Promise<void>;
}
