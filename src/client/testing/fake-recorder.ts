// An EventRecorder that keeps what it was told, for assertions.
import type { KObject } from '../../api/types/index.js';
import type { EventRecorder, EventType } from '../controller-types.js';

export interface RecordedEvent {
  type: EventType;
  reason: string;
  message: string;
  object: { kind: string; namespace?: string; name: string };
  /** The component passed to ControllerContext.recorder(component), when known. */
  component?: string;
}

export class FakeRecorder implements EventRecorder {
  readonly events: RecordedEvent[] = [];

  constructor(readonly component?: string) {}

  event(obj: Readonly<KObject>, type: EventType, reason: string, message: string): void {
    const object: RecordedEvent['object'] = { kind: obj.kind ?? '', name: obj.metadata.name ?? '' };
    if (obj.metadata.namespace) object.namespace = obj.metadata.namespace;
    const e: RecordedEvent = { type, reason, message, object };
    if (this.component !== undefined) e.component = this.component;
    this.events.push(e);
  }

  /** A recorder for `component` that appends to this one's events. */
  forComponent(component: string): EventRecorder {
    return { event: (obj, type, reason, message) => {
      this.event(obj, type, reason, message);
      this.events[this.events.length - 1].component = component;
    } };
  }

  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }

  clear(): void {
    this.events.length = 0;
  }
}
