// The labelSelector query-string grammar (apimachinery labels.Parse):
//
//   selector    ::= requirement ( "," requirement )*
//   requirement ::= [ "!" ] KEY [ ( "in" | "notin" ) "(" VALUES ")" | ( "=" | "==" | "!=" | ">" | "<" ) VALUE ]
//
// Whitespace separates tokens and is otherwise ignored. `in`/`notin` are keywords only in
// operator position (`x in (in)` is fine). `k=` means "k equals the empty string"; `k in ()`
// means "k in {""}". Error messages match upstream word for word, since clients show them.

import { badRequest, type StatusError } from '../status.js';
import { qualifiedNameErrors } from './label-validation.js';
import {
  EVERYTHING, aggregate, invalidValue, requirementErrors, selectorOf,
  type LabelOperator, type LabelRequirement, type LabelSelector,
} from './label-selector.js';

type Token =
  | 'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'identifier' | 'in' | '<' | '!=' | 'notin' | '(';

interface Item { tok: Token; lit: string }

const KEYWORDS: Readonly<Record<string, Token>> = {
  ')': ')', ',': ',', '!': '!', '==': '==', '=': '=', '>': '>', in: 'in', '<': '<', '!=': '!=', notin: 'notin', '(': '(',
};

const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => c === '=' || c === '!' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<';

function lookupKeyword(s: string): Token | undefined {
  return Object.hasOwn(KEYWORDS, s) ? KEYWORDS[s] : undefined;
}

/** Splits the input into tokens; always ends with 'eos'. */
function scan(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    if (isSpecial(s[pos])) {
      // Longest run of special characters that still forms a known operator.
      let buf = '';
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos])) {
        buf += s[pos];
        const tok = lookupKeyword(buf);
        if (tok) {
          last = { tok, lit: buf };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    const start = pos;
    while (pos < s.length && !isSpecial(s[pos]) && !isWhitespace(s[pos])) pos++;
    const word = s.slice(start, pos);
    items.push({ tok: lookupKeyword(word) ?? 'identifier', lit: word });
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  /** In value context the keywords in/notin are plain identifiers. */
  private peek(values = true): Item {
    const it = this.items[this.pos];
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'identifier', lit: it.lit } : it;
  }

  private next(values = true): Item {
    const it = this.peek(values);
    this.pos++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek();
      if (tok === 'eos') return reqs;
      if (tok !== 'identifier' && tok !== '!') throw fail(`found '${lit}', expected: !, identifier, or 'end of string'`);
      reqs.push(this.requirement());
      const t = this.next();
      if (t.tok === 'eos') return reqs;
      if (t.tok !== ',') throw fail(`found '${t.lit}', expected: ',' or 'end of string'`);
      const t2 = this.peek();
      if (t2.tok !== 'identifier' && t2.tok !== '!') throw fail(`found '${t2.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): LabelRequirement {
    let t = this.next();
    let op: LabelOperator | undefined;
    if (t.tok === '!') {
      op = '!';
      t = this.next();
    }
    if (t.tok !== 'identifier') throw requirementFail(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const keyErrs = qualifiedNameErrors(key);
    // Upstream validates the key here with a nil field path, hence the "<nil>" prefix.
    if (keyErrs.length) throw requirementFail(invalidValue('<nil>', key, keyErrs.join('; ')));
    const after = this.peek().tok;
    if (op === '!' || after === 'eos' || after === ',') return build(key, op ?? 'exists', []);

    const o = this.next(false);
    let values: string[];
    switch (o.tok) {
      case 'in':
      case 'notin':
        values = this.setValues();
        return build(key, o.tok, values);
      case '=':
      case '==':
      case '!=':
        return build(key, o.tok, this.exactValue());
      case '>':
        return build(key, 'gt', this.exactValue());
      case '<':
        return build(key, 'lt', this.exactValue());
      default:
        throw requirementFail(`found '${o.lit}', expected: '=', '!=', '==', 'in', notin'`);
    }
  }

  private setValues(): string[] {
    const open = this.next();
    if (open.tok !== '(') throw requirementFail(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.peek();
    if (tok === ')') {
      this.next();
      return [''];
    }
    if (tok !== 'identifier' && tok !== ',') throw requirementFail(`found '${lit}', expected: ',', ')' or identifier`);
    const set = this.identifierList();
    if (this.next().tok !== ')') throw requirementFail(`found '${lit}', expected: ')'`);
    return set;
  }

  /** A possibly empty, comma separated list of possibly empty identifiers, up to ")". */
  private identifierList(): string[] {
    const s = new Set<string>();
    for (;;) {
      const t = this.next();
      if (t.tok === 'identifier') {
        s.add(t.lit);
        const t2 = this.peek();
        if (t2.tok === ',') continue;
        if (t2.tok === ')') return [...s];
        throw requirementFail(`found '${t2.lit}', expected: ',' or ')'`);
      }
      if (t.tok === ',') {
        if (s.size === 0) s.add('');
        const t2 = this.peek();
        if (t2.tok === ')') {
          s.add('');
          return [...s];
        }
        if (t2.tok === ',') {
          this.next();
          s.add('');
        }
        continue;
      }
      throw requirementFail(`found '${t.lit}', expected: ',', or identifier`);
    }
  }

  private exactValue(): string[] {
    const { tok } = this.peek();
    if (tok === 'eos' || tok === ',') return [''];
    const t = this.next();
    if (t.tok === 'identifier') return [t.lit];
    throw requirementFail(`found '${t.lit}', expected: identifier`);
  }
}

function fail(msg: string): StatusError {
  return badRequest(msg);
}

function requirementFail(msg: string): StatusError {
  return badRequest(`unable to parse requirement: ${msg}`);
}

function build(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  // Upstream stores a sorted set of values (sets.String.List()).
  const sorted = [...new Set(values)].sort();
  const errs = requirementErrors(key, operator, sorted);
  if (errs.length) throw requirementFail(aggregate(errs));
  return { key, operator, values: sorted };
}

/**
 * Parses a `labelSelector` query parameter. The empty string selects everything.
 * Throws a 400 BadRequest StatusError with upstream's message on bad input.
 */
export function parseLabelSelector(s: string): LabelSelector {
  const reqs = new Parser(scan(s)).parse();
  return reqs.length === 0 ? EVERYTHING : selectorOf(reqs);
}
