// Everything a controller unit test needs: a ControllerContext over a FakeApiClient with
// informers mirroring it, a FakeRecorder and a fake clock.
import type { ControllerContext } from '../controller-types.js';
import { FakeApiClient, type FakeApiClientOptions } from './fake-api-client.js';
import { FakeInformerFactory } from './fake-informers.js';
import { FakeRecorder } from './fake-recorder.js';
import { fakeClock, type FakeClock } from './fake-clock.js';

export interface TestContext {
  ctx: ControllerContext;
  client: FakeApiClient;
  informers: FakeInformerFactory;
  recorder: FakeRecorder;
  clock: FakeClock;
  /** Aborts ctx.signal: controllers shut their queues down. */
  abort(): void;
}

export interface TestContextOptions extends Omit<FakeApiClientOptions, 'clock'> {
  /** Start time of the fake clock (ms since the epoch). */
  start?: number;
}

export function newTestContext(opts: TestContextOptions = {}): TestContext {
  const clock = fakeClock(opts.start);
  const client = new FakeApiClient({ ...opts, clock });
  const informers = FakeInformerFactory.fromClient(client);
  const recorder = new FakeRecorder();
  const ac = new AbortController();
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: (component) => recorder.forComponent(component),
    clock,
    signal: ac.signal,
  };
  return { ctx, client, informers, recorder, clock, abort: () => ac.abort() };
}
