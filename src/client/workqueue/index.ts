// Public surface of the work queue: WorkQueue ◀ DelayingQueue ◀ RateLimitingQueue, and the
// rate limiters that decide retry delays.
export { WorkQueue, type WorkQueueOptions, type QueueMetrics } from './queue.js';
export { DelayingQueue } from './delaying-queue.js';
export { RateLimitingQueue, type RateLimitingQueueOptions } from './rate-limiting-queue.js';
export {
  type RateLimiter,
  exponentialFailureRateLimiter,
  bucketRateLimiter,
  fastSlowRateLimiter,
  maxOf,
  defaultControllerRateLimiter,
} from './rate-limiters.js';
export { type TimerClock, type TimerHandle, isTimerClock, timerClockOf, sleep } from './timers.js';
