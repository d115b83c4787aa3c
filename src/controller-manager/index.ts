export { startControllerManager, type ControllerManagerOptions, type LeaseTimings, type RunningControllerManager } from './manager.js';
