export { FakeRuntime, FakeRuntimeError, type FakeBehavior, type FakeContainer, type FakeRuntimeOptions } from './fake-runtime.js';
export { startHarness, NODE, NODE_IP, type Harness } from './harness.js';
