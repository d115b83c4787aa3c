// YAML bodies resolve plain scalars as upstream's YAMLToJSON (go-yaml v2, YAML 1.1) does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '../api/status.js';
import { decodeObjectBody, parseYamlBody } from './negotiate.js';

const y = (s: string): unknown => parseYamlBody(Buffer.from(s));

test('YAML 1.1 numbers: leading-zero octal, hex, underscores, 0o', () => {
  assert.deepEqual(y('a: 0644\nb: 0x1A\nc: 1_000\nd: 0o17\ne: -010\nf: 1e3\ng: 1.5\nh: 10\n'), { a: 420, b: 26, c: 1000, d: 15, e: -8, f: 1000, g: 1.5, h: 10 });
  // Quoted scalars stay strings.
  assert.deepEqual(y(`a: '0644'\nb: "yes"\n`), { a: '0644', b: 'yes' });
});

test('YAML 1.1 booleans, in values and keys, regardless of the field', () => {
  const t = ['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE'];
  const f = ['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE'];
  for (const v of t) assert.deepEqual(y(`v: ${v}`), { v: true }, v);
  for (const v of f) assert.deepEqual(y(`v: ${v}`), { v: false }, v);
  assert.deepEqual(y('yes: 1\nno: 2\n'), { true: 1, false: 2 });
  assert.deepEqual(y('v: yesno\nw: ~\nx: null\n'), { v: 'yesno', w: null, x: null });
});

test('what go-yaml v2 keeps as strings or refuses', () => {
  assert.deepEqual(y('t: 2024-01-01T00:00:00Z\nd: 2001-12-14\ns: 1:20\n'), { t: '2024-01-01T00:00:00Z', d: '2001-12-14', s: '1:20' });
  assert.deepEqual(y('b: !!binary aGVsbG8=\n'), { b: 'hello' });
  for (const bad of ['v: .inf', 'v: -.Inf', 'v: .nan']) {
    assert.throws(() => y(bad), (e: unknown) => isStatusError(e) && e.status.code === 400 && /unsupported value/.test(e.status.message ?? ''), bad);
  }
  assert.throws(() => y('a: 1\na: 2\n'), (e: unknown) => isStatusError(e) && e.status.code === 400);
});

test('an object body in YAML: a Secret manifest with defaultMode-style octal', () => {
  const body = decodeObjectBody(Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n  labels:\n    enabled: "yes"\ndata:\n  mode: "0644"\nspec:\n  defaultMode: 0644\n  readOnly: yes\n'), 'application/yaml');
  assert.deepEqual(body, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm', labels: { enabled: 'yes' } }, data: { mode: '0644' }, spec: { defaultMode: 420, readOnly: true } });
  // JSON under a YAML media type stays JSON.
  assert.deepEqual(decodeObjectBody(Buffer.from('{"a":"yes","b":"0644"}'), 'application/yaml'), { a: 'yes', b: '0644' });
});
