export { startControllerManager, type ControllerManagerOptions, type RunningControllerManager } from './manager.js';
