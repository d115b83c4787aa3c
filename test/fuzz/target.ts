// The shape of one fuzz target and the oracles the decoder targets share.
//
// A target opens a session (a property over generated inputs, plus whatever it drives: a
// server, a socket), the runner checks the property for a slice of the time budget, then
// calls `finish` (end-of-run checks such as "the server is alive and its memory flat") and
// `close`. A property throws (or returns false) exactly when it found a defect.
import type fc from 'fast-check';
import { StatusError } from '../../src/api/status.js';

export interface FuzzSession {
  property: fc.IRawProperty<any, boolean>;
  /** Checks after the run (the server alive, memory flat); throws on a defect. */
  finish?(): Promise<void>;
  close?(): Promise<void> | void;
}

export interface FuzzTarget {
  name: string;
  /** What it feeds and what it asserts (printed by `npm run fuzz -- --list`). */
  about: string;
  /** Relative share of the time budget. */
  weight: number;
  open(): Promise<FuzzSession> | FuzzSession;
}

/**
 * The oracle for code that decodes untrusted input into API objects: it either returns,
 * or refuses with a StatusError of a 4xx code (what the API server answers). Any other
 * throw (TypeError, RangeError, stack overflow, BugError) is a defect, rethrown.
 */
export function decodeOrRefuse<T>(fn: () => T, upstream500 = false): T | StatusError {
  try {
    return fn();
  } catch (e) {
    if (e instanceof StatusError && e.code >= 400 && e.code < 500 && typeof e.status.message === 'string') return e;
    if (upstream500 && isUpstreamPatch500(e)) return e as StatusError;
    throw e;
  }
}

/**
 * The one 500 that is upstream's answer, not a crash: a strategic merge patch that cannot be
 * merged (bad `$patch`, missing merge key...) is a bare error upstream, a Status with code 500
 * and an empty reason (src/api/patch/patch-error.ts). A crash is reason InternalError.
 */
export function isUpstreamPatch500(e: unknown): boolean {
  return e instanceof StatusError && e.code === 500 && (e.status.reason ?? '') === '';
}

/** Same for decoders with a domain error class (DnsFormatError, HeadError, SpdyProtocolError). */
export function decodeOrFail<T>(fn: () => T, ...expected: Array<abstract new (...args: any[]) => Error>): T | Error {
  try {
    return fn();
  } catch (e) {
    if (expected.some((c) => e instanceof c)) return e as Error;
    throw e;
  }
}

/**
 * Errors that escape a target's code asynchronously (an uncaught exception in a socket or
 * stream callback, an unhandled rejection): in the server they would end the process. The
 * runner installs the trap for the whole run; targets with async internals call
 * `assertNoEscapes()` after letting the event loop settle.
 */
const escaped: unknown[] = [];
let trapped = 0;
const onEscape = (e: unknown): void => {
  escaped.push(e);
};
export function trapEscapes(): () => void {
  if (trapped++ === 0) {
    process.on('uncaughtException', onEscape);
    process.on('unhandledRejection', onEscape);
  }
  return () => {
    if (--trapped === 0) {
      process.off('uncaughtException', onEscape);
      process.off('unhandledRejection', onEscape);
    }
  };
}

export function assertNoEscapes(): void {
  if (!escaped.length) return;
  const e = escaped.splice(0)[0];
  throw new Error(`an error escaped asynchronously (in the server it would end the process): ${(e as Error)?.stack ?? String(e)}`);
}

/** Lets queued callbacks, microtasks and immediates run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
