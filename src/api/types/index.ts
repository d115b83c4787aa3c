// The one home of API types: the generated model of every built-in kind (generated.ts, from the
// wire facts by scripts/gen-types.mjs) and the hand-written envelopes (meta.ts).
// Type-only: generated.ts has no runtime code, so no loop loads it.
export type * from './generated.js';
export * from './meta.js';
// meta.ts's decoded WatchEvent<T> wins over the wire message meta/v1 WatchEvent (object: raw JSON).
export type { WatchEvent } from './meta.js';
export type { WatchEvent as MetaV1WatchEvent } from './generated.js';
