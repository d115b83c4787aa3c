// Public surface of the event recorder: core/v1 Events written through the API, repeats
// aggregated into count and lastTimestamp.
export {
  ClientEventRecorder, DEFAULT_MAX_QUEUED_EVENT_WRITES, type ClientEventRecorderOptions,
} from './recorder.js';
export { EventCorrelator, AGGREGATION_WINDOW_MS, type EventIdentity, type SeenEvent, type Correlation } from './correlator.js';
