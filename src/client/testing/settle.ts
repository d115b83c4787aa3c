// Letting async work finish without waiting on time: each turn yields to the event loop
// once (setImmediate), which runs every promise continuation queued so far.

/** Yields `turns` times to the event loop. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A work queue, or anything holding one (a Controller). */
export type Idleable = { readonly name: string; isIdle(): boolean } | { readonly queue: { readonly name: string; isIdle(): boolean } };

/**
 * Yields until `queue` has nothing waiting and nothing being processed (delayed keys not
 * yet due do not count). Throws after `maxTurns` turns: a reconcile that never finishes is
 * a test failure, not a hang.
 */
export async function waitForIdle(target: Idleable, maxTurns = 10_000): Promise<void> {
  const queue = 'isIdle' in target ? target : target.queue;
  for (let i = 0; i < maxTurns; i++) {
    await new Promise<void>((r) => setImmediate(r));
    if (queue.isIdle()) return;
  }
  throw new Error(`queue ${queue.name} still busy after ${maxTurns} turns`);
}
