import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../status.js';
import {
  parseLabelSelector, matchesLabels, selectorToString, labelSelectorFromMeta, labelSelectorFromSet,
  formatLabelSelector, formatLabels, isEverything, isNothing, NOTHING,
} from './index.js';

function parseError(s: string): string {
  try {
    parseLabelSelector(s);
  } catch (e) {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(s)} to be rejected`);
}

test('empty and whitespace selectors select everything', () => {
  assert.ok(isEverything(parseLabelSelector('')));
  assert.ok(isEverything(parseLabelSelector('   ')));
  assert.equal(matchesLabels(parseLabelSelector(''), undefined), true);
});

test('equality operators', () => {
  const labels = { app: 'nginx', tier: 'fe' };
  assert.ok(matchesLabels(parseLabelSelector('app=nginx'), labels));
  assert.ok(matchesLabels(parseLabelSelector('app==nginx'), labels));
  assert.ok(!matchesLabels(parseLabelSelector('app!=nginx'), labels));
  assert.ok(matchesLabels(parseLabelSelector('app!=redis'), labels));
  assert.ok(matchesLabels(parseLabelSelector('missing!=x'), labels), '!= matches when the key is absent');
  assert.ok(matchesLabels(parseLabelSelector('app=nginx,tier=fe'), labels));
  assert.ok(!matchesLabels(parseLabelSelector('app=nginx,tier=be'), labels));
  assert.ok(matchesLabels(parseLabelSelector(' app = nginx , tier = fe '), labels), 'whitespace between tokens');
});

test('empty value after = means the empty string', () => {
  assert.ok(matchesLabels(parseLabelSelector('a='), { a: '' }));
  assert.ok(!matchesLabels(parseLabelSelector('a='), { a: 'x' }));
  assert.ok(!matchesLabels(parseLabelSelector('a='), {}));
});

test('set operators and existence', () => {
  const labels = { env: 'prod', app: 'web' };
  assert.ok(matchesLabels(parseLabelSelector('env in (prod,staging)'), labels));
  assert.ok(!matchesLabels(parseLabelSelector('env in (dev)'), labels));
  assert.ok(matchesLabels(parseLabelSelector('env notin (dev,qa)'), labels));
  assert.ok(matchesLabels(parseLabelSelector('zone notin (a)'), labels), 'notin matches an absent key');
  assert.ok(matchesLabels(parseLabelSelector('app'), labels));
  assert.ok(!matchesLabels(parseLabelSelector('!app'), labels));
  assert.ok(matchesLabels(parseLabelSelector('!zone'), labels));
  assert.ok(matchesLabels(parseLabelSelector('x in (in,notin)'), { x: 'in' }), 'keywords are values in value position');
  assert.ok(matchesLabels(parseLabelSelector('x in ()'), { x: '' }));
  assert.ok(matchesLabels(parseLabelSelector('x in (a,,b)'), { x: '' }));
});

test('gt and lt compare integers', () => {
  assert.ok(matchesLabels(parseLabelSelector('n>5'), { n: '6' }));
  assert.ok(!matchesLabels(parseLabelSelector('n>5'), { n: '5' }));
  assert.ok(matchesLabels(parseLabelSelector('n<5'), { n: '4' }));
  assert.ok(!matchesLabels(parseLabelSelector('n<5'), { n: 'x' }));
  assert.ok(!matchesLabels(parseLabelSelector('n<5'), {}));
  assert.ok(matchesLabels(parseLabelSelector('n>9007199254740993'), { n: '9007199254740994' }), 'int64 precision');
});

test('label keys such as "constructor" are not confused with Object members', () => {
  assert.ok(!matchesLabels(parseLabelSelector('constructor'), {}));
  assert.ok(matchesLabels(parseLabelSelector('!toString'), {}));
});

test('canonical string form sorts requirements and values', () => {
  assert.equal(selectorToString(parseLabelSelector('tier in (fe,be),app=nginx,!old,new')), 'app=nginx,new,!old,tier in (be,fe)');
  assert.equal(selectorToString(parseLabelSelector('a==b,c!=d,n>3,m<2')), 'a==b,c!=d,m<2,n>3');
});

test('syntax errors carry upstream messages', () => {
  assert.equal(parseError('a,'), "found '', expected: identifier after ','");
  assert.equal(parseError('a=b c'), "found 'c', expected: ',' or 'end of string'");
  assert.equal(parseError('a b'), "unable to parse requirement: found 'b', expected: '=', '!=', '==', 'in', notin'");
  assert.equal(parseError('=a'), "found '=', expected: !, identifier, or 'end of string'");
  assert.equal(parseError('a in b'), "unable to parse requirement: found 'b' expected: '('");
  assert.equal(parseError('a in (b'), "unable to parse requirement: found '', expected: ',' or ')'");
  assert.equal(parseError('!=a'), "found '!=', expected: !, identifier, or 'end of string'");
  assert.equal(parseError('a=(b)'), "unable to parse requirement: found '(', expected: identifier");
});

test('invalid keys and values are rejected with field errors', () => {
  assert.match(parseError('-a=b'), /^unable to parse requirement: <nil>: Invalid value: "-a": name part must consist of alphanumeric characters/);
  assert.match(parseError('a=-b'), /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "-b": a valid label must be an empty string/);
  assert.equal(
    parseError('n>x'),
    `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`,
  );
  assert.match(parseError('Example.com/x=y'), /prefix part a lowercase RFC 1123 subdomain/);
  assert.match(parseError(`a=${'v'.repeat(64)}`), /must be no more than 63 characters/);
  assert.ok(matchesLabels(parseLabelSelector('example.com/app_v1.2=ok'), { 'example.com/app_v1.2': 'ok' }));
});

test('metav1.LabelSelector: null selects nothing, empty selects everything', () => {
  assert.ok(isNothing(labelSelectorFromMeta(null)));
  assert.ok(isNothing(labelSelectorFromMeta(undefined)));
  assert.equal(matchesLabels(NOTHING, {}), false);
  assert.ok(isEverything(labelSelectorFromMeta({})));
  assert.ok(isEverything(labelSelectorFromMeta({ matchLabels: {}, matchExpressions: [] })));
  const sel = labelSelectorFromMeta({
    matchLabels: { app: 'nginx' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['fe', 'be'] },
      { key: 'legacy', operator: 'DoesNotExist' },
      { key: 'zone', operator: 'Exists' },
      { key: 'env', operator: 'NotIn', values: ['dev'] },
    ],
  });
  assert.equal(selectorToString(sel), 'app=nginx,env notin (dev),!legacy,tier in (be,fe),zone');
  assert.ok(matchesLabels(sel, { app: 'nginx', tier: 'fe', zone: 'a' }));
  assert.ok(!matchesLabels(sel, { app: 'nginx', tier: 'fe', zone: 'a', legacy: 'y' }));
});

test('metav1.LabelSelector errors', () => {
  assert.throws(() => labelSelectorFromMeta({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] }), {
    message: '"Equals" is not a valid label selector operator',
  });
  assert.throws(() => labelSelectorFromMeta({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), {
    message: "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
  });
});

test('printer formatting helpers', () => {
  assert.equal(formatLabelSelector({ matchLabels: { app: 'server' } }), 'app=server');
  assert.equal(formatLabelSelector(null), '<none>');
  assert.equal(formatLabelSelector({}), '<none>');
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), '<error>');
  assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
  assert.equal(formatLabels({}), '<none>');
  assert.equal(selectorToString(labelSelectorFromSet({ run: 'x', app: 'y' })), 'app=y,run=x');
});

test('matching 10,000 label sets reuses the parsed selector', () => {
  const sel = parseLabelSelector('app=web,tier in (fe,be),!canary');
  const objs = Array.from({ length: 10_000 }, (_, i) => ({ app: i % 2 ? 'web' : 'db', tier: i % 3 ? 'fe' : 'cache' }));
  const hits = objs.filter((l) => matchesLabels(sel, l)).length;
  // odd i and i not divisible by 3
  const expected = objs.filter((_, i) => i % 2 === 1 && i % 3 !== 0).length;
  assert.equal(hits, expected);
});
