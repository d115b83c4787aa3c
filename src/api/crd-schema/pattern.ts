// `pattern` as upstream reads it: Go's regexp (RE2), which the API server compiles when the CRD
// is written. We run patterns on JavaScript's RegExp, so a pattern is first checked for what RE2
// refuses (lookarounds, backreferences, possessive/atomic groups) and rewritten where the two
// spell the same thing differently (`(?P<name>`, a leading `(?i)`/`(?s)`/`(?m)` flag group).
// What remains is read the same way by both for the patterns CRDs use (anchors, classes,
// quantifiers, alternation, \d \w \s, {n,m}).

export interface CompiledPattern {
  readonly source: string;
  /** undefined when the pattern is not valid RE2 (error holds why). */
  readonly re?: RegExp;
  readonly error?: string;
}

/** Why RE2 refuses the pattern, in Go's regexp error wording, or '' when it is acceptable. */
export function re2Error(p: string): string {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const n = p[i + 1];
      if (n !== undefined && /[1-9]/.test(n)) return `error parsing regexp: invalid escape sequence: \`\\${n}\``;
      if (n === 'k' && p[i + 2] === '<') return 'error parsing regexp: invalid escape sequence: `\\k`';
      i++;
      continue;
    }
    if (c === '[') {
      // skip a character class (a ']' right after '[' or '[^' is literal)
      let j = i + 1;
      if (p[j] === '^') j++;
      if (p[j] === ']') j++;
      while (j < p.length && p[j] !== ']') { if (p[j] === '\\') j++; j++; }
      i = j;
      continue;
    }
    if (c === '(' && p[i + 1] === '?') {
      const rest = p.slice(i + 2);
      for (const bad of ['=', '!', '<=', '<!', '>']) {
        if (rest.startsWith(bad)) return `error parsing regexp: invalid or unsupported Perl syntax: \`(?${bad}\``;
      }
    }
    if ((c === '+' || c === '*' || c === '?' || c === '}') && p[i + 1] === '+') {
      return `error parsing regexp: invalid nested repetition operator: \`${c}+\``;
    }
  }
  return '';
}

export function compilePattern(source: string): CompiledPattern {
  const err = re2Error(source);
  if (err) return { source, error: err };
  let body = source.replace(/\(\?P</g, '(?<');
  let flags = '';
  const lead = /^\(\?([ims]+)\)/.exec(body);
  if (lead) {
    flags = [...new Set(lead[1])].join('');
    body = body.slice(lead[0].length);
  }
  try {
    // 'u' makes JS count code points (RE2 matches runes) and rejects the odd escapes RE2 rejects.
    return { source, re: new RegExp(body, flags + 'u') };
  } catch {
    try {
      return { source, re: new RegExp(body, flags) };
    } catch (e) {
      return { source, error: `error parsing regexp: ${(e as Error).message}` };
    }
  }
}
