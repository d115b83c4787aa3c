// Loop modules for the supervisor's tests. Behaviour is chosen by the options:
//   { mode: 'crash-after', ms }  starts, then throws from a timer after `ms`
//   { mode: 'spin-after', ms }   starts, then blocks its event loop forever after `ms`
//   { mode: 'fail-start' }       rejects while starting
//   { mode: 'ok' }               starts and idles
import type { RunningLoop } from '../protocol.js';

export type FixtureOptions = { mode: 'crash-after' | 'spin-after'; ms: number } | { mode: 'fail-start' } | { mode: 'ok' };

export async function runLoop(o: FixtureOptions, signal: AbortSignal): Promise<RunningLoop> {
  if (o.mode === 'fail-start') throw new Error('listen EADDRINUSE: address already in use 127.0.0.1:1');
  const keepAlive = setInterval(() => undefined, 1000);
  signal.addEventListener('abort', () => clearInterval(keepAlive), { once: true });
  if (o.mode === 'crash-after')
    setTimeout(() => {
      throw new Error('fixture loop crashed');
    }, o.ms);
  if (o.mode === 'spin-after')
    setTimeout(() => {
      for (;;) {
        // blocks this loop's thread
      }
    }, o.ms);
  return { info: { mode: o.mode }, close: async () => clearInterval(keepAlive) };
}
