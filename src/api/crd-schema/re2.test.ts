import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchema, validateCrdSchema, type JSONSchemaProps } from './index.js';
import { withRe2Matches } from './cel-rules.js';

// Patterns and CEL matches() run on RE2 (linear time). A backtracking engine takes exponential
// time on these inputs; with RE2 they answer at once, so a hang here (caught by the timeout) means
// a backtracking engine crept back in.

const spec = (properties: JSONSchemaProps, extra: JSONSchemaProps = {}): JSONSchemaProps => ({
  type: 'object', properties: { spec: { type: 'object', properties, ...extra } },
});
const evil = 'a'.repeat(40_000) + '!';

test('a catastrophic-backtracking pattern answers on a long value', { timeout: 20_000 }, () => {
  const s = compileSchema(spec({ s: { type: 'string', pattern: '^(a+)+$' } }));
  const errs = s.validate({ spec: { s: evil } });
  assert.equal(errs.length, 1);
  assert.match(errs[0].message, /spec\.s in body should match '\^\(a\+\)\+\$'/);
  assert.deepEqual(s.validate({ spec: { s: 'aaaa' } }), []);
});

test('CEL matches() runs on RE2: linear on a long value, Go syntax accepted', { timeout: 20_000 }, () => {
  const s = compileSchema(spec({ s: { type: 'string', 'x-kubernetes-validations': [{ rule: "self.matches('^(a+)+$')", message: 'only a' }] } }));
  const errs = s.validate({ spec: { s: evil } });
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, 'spec.s');
  assert.match(errs[0].message, /: only a$/);
  const g = compileSchema(spec({ s: { type: 'string', 'x-kubernetes-validations': [{ rule: "self.matches('\\\\A(?P<w>[[:alpha:]]+)\\\\z')" }] } }));
  assert.deepEqual(g.validate({ spec: { s: 'abc' } }), []);
  assert.equal(g.validate({ spec: { s: 'ab1' } }).length, 1);
});

test('RE2 refusals keep Go wording at CRD write', () => {
  const errs = validateCrdSchema(spec({ s: { type: 'string', pattern: 'a(?=b)' } }), 'spec.validation.openAPIV3Schema');
  assert.equal(errs.length, 1);
  assert.match(errs[0].message, /error parsing regexp: invalid or unsupported Perl syntax: `\(\?=`/);
});

test('withRe2Matches renames calls, not string contents or other names', () => {
  assert.equal(withRe2Matches("self.matches('x')"), "self.matchRe('x')");
  assert.equal(withRe2Matches("self.matches ('x') && matches(self, 'y')"), "self.matchRe ('x') && matchRe(self, 'y')");
  assert.equal(withRe2Matches("self == 'a.matches(b)' || self == \"matches(\""), "self == 'a.matches(b)' || self == \"matches(\"");
  assert.equal(withRe2Matches("self.rematches(x) || self.matchesX(y) || self.matches"), "self.rematches(x) || self.matchesX(y) || self.matches");
  // a raw string ends at its quote even after a backslash
  assert.equal(withRe2Matches("r'a\\' + self.matches('b')"), "r'a\\' + self.matchRe('b')");
  assert.equal(withRe2Matches("'''it's matches(''' + x.matches('b')"), "'''it's matches(''' + x.matchRe('b')");
});
