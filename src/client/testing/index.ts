// Test doubles for everything in src/client: an in-memory ApiClient, informers driven by
// the test (or mirroring the fake client), an event recorder, a fake clock, and helpers to
// let async work settle without waiting on time.
export {
  FakeApiClient, type FakeAction, type FakeVerb, type FakeReactor, type FakeApiClientOptions, type ChangeListener,
  type ChangeType,
} from './fake-api-client.js';
export { FakeInformerFactory, FakeSharedInformer, NAMESPACE_INDEX } from './fake-informers.js';
export { FakeRecorder, type RecordedEvent } from './fake-recorder.js';
export { fakeClock, FAKE_CLOCK_START, type FakeClock } from './fake-clock.js';
export { newTestContext, type TestContext, type TestContextOptions } from './test-context.js';
export { settle, waitForIdle, type Idleable } from './settle.js';
export { deepFreeze } from './deep-freeze.js';
