// Bounded waits for tests and their helpers: a wait that cannot end fails with what it waited
// for, instead of holding the test (and CI) until an outer limit kills it without a reason.

/** Settles as `p` does, or rejects after `ms` with "<what>: not done within <ms> ms". */
export function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}
