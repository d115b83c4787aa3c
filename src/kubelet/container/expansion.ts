// `$(VAR)` expansion as upstream's third_party/forked/golang/expansion: `$(NAME)` is
// replaced when NAME is defined, kept verbatim otherwise; `$$` escapes a `$`, so `$$(NAME)`
// yields the literal `$(NAME)`. Pure.

export type Mapping = (name: string) => string | undefined;

export function expand(input: string, mapping: Mapping): string {
  if (!input.includes('$')) return input;
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        // Unterminated reference: kept as written.
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const v = name ? mapping(name) : undefined;
      out += v ?? `$(${name})`;
      i = close + 1;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** A mapping over several maps, earlier maps winning. */
export function mappingFor(...maps: ReadonlyArray<ReadonlyMap<string, string>>): Mapping {
  return (name) => {
    for (const m of maps) {
      const v = m.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}
