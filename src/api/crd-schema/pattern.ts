// `pattern` as upstream reads it: Go's regexp (RE2), compiled when the CRD is written. We use
// re2js, a port of RE2, rather than JavaScript's RegExp for two reasons: it accepts exactly what
// Go accepts (named groups `(?P<x>`, `\A`/`\z`, `\Q…\E`, POSIX classes, flag groups) and refuses
// what Go refuses (lookarounds, backreferences) with Go's error wording; and it matches in linear
// time, so a CRD author's pattern such as `^(a+)+$` cannot stall the API server's loop on a long
// value the way a backtracking engine would.

import { RE2JS } from 're2js';

export interface CompiledPattern {
  readonly source: string;
  /** undefined when the pattern is not valid RE2 (error holds why). */
  readonly re?: { test(s: string): boolean };
  readonly error?: string;
}

/** Compiles an RE2 pattern: a matcher that finds the pattern anywhere in the string, as Go's MatchString. */
export function compileRe2(source: string): { test(s: string): boolean } {
  const p = RE2JS.compile(source);
  return { test: (s: string) => p.matcher(s).find() };
}

/** The first match of `source` in `s` ('' when none), and every non-overlapping match. */
export function re2Find(source: string, s: string): string {
  const m = RE2JS.compile(source).matcher(s);
  return m.find() ? m.group() ?? '' : '';
}

export function re2FindAll(source: string, s: string): string[] {
  const m = RE2JS.compile(source).matcher(s);
  const out: string[] = [];
  while (m.find()) out.push(m.group() ?? '');
  return out;
}

/** Why RE2 refuses the pattern, in Go's regexp error wording, or '' when it is acceptable. */
export function re2Error(p: string): string {
  try {
    RE2JS.compile(p);
    return '';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function compilePattern(source: string): CompiledPattern {
  try {
    return { source, re: compileRe2(source) };
  } catch (e) {
    return { source, error: e instanceof Error ? e.message : String(e) };
  }
}
