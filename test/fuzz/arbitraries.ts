// Input generators the targets share: hostile strings, JSON values of any shape, deep
// nesting, and "almost valid" API objects (a plausible object with a few random edits),
// which reach further into the server than random bytes do.
import fc from 'fast-check';
import YAML from 'yaml';

/** Strings that break naive code: non-ASCII, lone surrogates, controls, quotes, separators. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'k\u00a2nd', '\u00e9', '\ud800', '\udfff', '\u0000', '\u0007', '\r\n', '\n', '"', '\\', '\u2028', '\ufeff', '\u{1f600}',
      'a'.repeat(300), '', ' ', '.', '..', '/', '%', '%00', '?', '#', '=', ',', '!', '(', ')', 'in', 'notin', '*', '~', '[0]', '-1',
      'apiVersion', 'kind', 'metadata', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
    ),
  },
);

/** A DNS-label-ish name, sometimes not. */
export const nameLike: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,14}[a-z0-9])?$/) },
  { weight: 1, arbitrary: hostileString },
);

/** A JSON value of any shape whose keys and strings are hostile too. */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -0, 1e308, -1e308, 2 ** 53, 2 ** 63, -(2 ** 31), 0.5, 1e-7),
    hostileString,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('v'), { maxKeys: 4 }),
  ),
})).v;

/**
 * Nesting far deeper than any schema: arrays or objects `depth` levels down. Kept as a marker
 * (generating or cloning such a value would overflow the fuzzer's own stack); jsonText and
 * yamlText write it out as text.
 */
export class Deep {
  constructor(readonly depth: number, readonly arr: boolean, readonly key: string) {}
  text(): string {
    return this.arr ? `${'['.repeat(this.depth)}"leaf"${']'.repeat(this.depth)}` : `${`{"${this.key}":`.repeat(this.depth)}"leaf"${'}'.repeat(this.depth)}`;
  }
}
export const deepValue: fc.Arbitrary<unknown> = fc
  .record({ depth: fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1000, max: 4500 })), arr: fc.boolean(), key: fc.constantFrom('a', 'spec', 'x') })
  .map(({ depth, arr, key }) => new Deep(depth, arr, key));

/** JSON text of a value that may hold Deep markers. */
export function jsonText(v: unknown): string {
  if (v instanceof Deep) return v.text();
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : jsonText(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) if (x !== undefined) parts.push(`${JSON.stringify(k)}:${jsonText(x)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The value without Deep markers (each becomes a short string), for encoders that cannot hold them. */
export function shallow(v: unknown): unknown {
  if (v instanceof Deep) return 'deep';
  if (Array.isArray(v)) return v.map(shallow);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shallow(x)]));
  return v;
}

/** YAML text of a value that may hold Deep markers (written as JSON flow collections). */
export function yamlText(v: unknown): string {
  const deep: Deep[] = [];
  const swap = (x: unknown): unknown => {
    if (x instanceof Deep) return `k8ts-fuzz-deep-${deep.push(x) - 1}`;
    if (Array.isArray(x)) return x.map(swap);
    if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, swap(y)]));
    return x;
  };
  const text = YAML.stringify(swap(v), { aliasDuplicateObjects: false });
  return text.replace(/k8ts-fuzz-deep-(\d+)/g, (_m, i: string) => deep[Number(i)].text());
}

/**
 * `obj` with `value` set at `path`, creating objects as needed. Copies only the objects on
 * the path (values may be far too deep for structuredClone), so `obj` is left as it was.
 */
export function setAt(obj: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  if (path.length === 0) return obj;
  const put = (o: Record<string, unknown>, k: string, v: unknown): void => {
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  };
  const out: Record<string, unknown> = Array.isArray(obj) ? ([...obj] as never) : { ...obj };
  let cur = out;
  for (let i = 0; i < path.length - 1; i++) {
    const next = Object.hasOwn(cur, path[i]) ? cur[path[i]] : undefined;
    const copy: Record<string, unknown> = typeof next !== 'object' || next === null ? {} : Array.isArray(next) ? ([...next] as never) : { ...(next as Record<string, unknown>) };
    put(cur, path[i], copy);
    cur = copy;
  }
  put(cur, path[path.length - 1], value);
  return out;
}

/** A path into an object: mostly real field names, with some hostile ones. */
export function pathInto(fields: readonly string[]): fc.Arbitrary<string[]> {
  return fc.array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...fields) }, { weight: 1, arbitrary: hostileString }), { minLength: 1, maxLength: 5 });
}

/** A value for an edit: any JSON, deep nesting now and then. */
export const editValue: fc.Arbitrary<unknown> = fc.oneof({ weight: 12, arbitrary: jsonValue }, { weight: 1, arbitrary: deepValue });

/** `base` with 0–3 random edits at paths built from `fields`. */
export function almost(base: Record<string, unknown>, fields: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.array(fc.tuple(pathInto(fields), editValue), { maxLength: 3 }).map((edits) => {
    let o = base;
    for (const [p, v] of edits) o = setAt(o, p, v);
    return o;
  });
}

/** Bytes of `text` with a few bytes flipped, cut or inserted. */
export function mutatedBytes(text: fc.Arbitrary<string | Uint8Array>): fc.Arbitrary<Buffer> {
  return fc
    .tuple(text, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'insert')), { maxLength: 4 }))
    .map(([t, edits]) => {
      let b = Buffer.from(typeof t === 'string' ? Buffer.from(t, 'utf8') : t);
      for (const [pos, byte, how] of edits) {
        if (b.length === 0) break;
        const at = pos % b.length;
        if (how === 'flip') b[at] = byte;
        else if (how === 'cut') b = b.subarray(0, at);
        else b = Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
      }
      return b;
    });
}
