// The server's event loops: the supervisor (run on the API server's loop) and the loop modules
// it starts on worker threads. See supervisor.ts for the life cycle and protocol.ts for messages.
export { LoopSupervisor, MAIN_LOOP, type LoopSpec, type LoopStatus, type LoopState, type SupervisorOptions } from './supervisor.js';
export type { ControllersLoopOptions } from './loops/controllers.js';
export type { NodeLoopOptions } from './loops/node.js';
export { SPIN_CONFIGMAP } from './test-hooks.js';
