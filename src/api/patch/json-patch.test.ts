import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { PatchError, toStatusError, GENERIC_422_MESSAGE } from './patch-error.js';

const doc = Object.freeze({ metadata: Object.freeze({ name: 'x', labels: Object.freeze({ 'a/b': '1', 'c~d': '2' }) }), spec: Object.freeze({ list: Object.freeze([1, 2, 3]) }) });

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof PatchError, String(e));
    return e.kind;
  }
  return 'no error';
}

test('add, remove, replace with escapes and array positions', () => {
  const out = applyJsonPatch(doc, [
    { op: 'add', path: '/spec/list/-', value: 4 },
    { op: 'add', path: '/spec/list/0', value: 0 },
    { op: 'remove', path: '/metadata/labels/a~1b' },
    { op: 'replace', path: '/metadata/labels/c~0d', value: 'z' },
    { op: 'add', path: '/spec/new', value: { k: true } },
  ]);
  assert.deepEqual(out, { metadata: { name: 'x', labels: { 'c~d': 'z' } }, spec: { list: [0, 1, 2, 3, 4], new: { k: true } } });
  // input untouched
  assert.deepEqual(doc.spec.list, [1, 2, 3]);
});

test('move and copy; copy is independent of its source', () => {
  const out = applyJsonPatch(doc, [
    { op: 'copy', from: '/spec', path: '/spec2' },
    { op: 'move', from: '/spec/list/0', path: '/spec/first' },
  ]) as { spec: { list: number[]; first: number }; spec2: { list: number[] } };
  assert.deepEqual(out.spec, { list: [2, 3], first: 1 });
  assert.deepEqual(out.spec2.list, [1, 2, 3]);
});

test('rollout undo style replace of a subtree and resourceVersion precondition', () => {
  const live = { metadata: { resourceVersion: '5', annotations: { a: '1' } }, spec: { template: { spec: { containers: [{ name: 'n', image: 'v2' }] } } } };
  const out = applyJsonPatch(live, [
    { op: 'replace', path: '/spec/template', value: { spec: { containers: [{ name: 'n', image: 'v1' }] } } },
    { op: 'replace', path: '/metadata/annotations', value: { b: '2' } },
  ]);
  assert.deepEqual(out, { metadata: { resourceVersion: '5', annotations: { b: '2' } }, spec: { template: { spec: { containers: [{ name: 'n', image: 'v1' }] } } } });
});

test('test op: pass continues, failure aborts the whole patch', () => {
  assert.deepEqual(applyJsonPatch({ a: { b: [1] } }, [{ op: 'test', path: '/a', value: { b: [1] } }, { op: 'add', path: '/c', value: 1 }]), { a: { b: [1] }, c: 1 });
  assert.equal(kindOf(() => applyJsonPatch({ a: 1 }, [{ op: 'add', path: '/c', value: 1 }, { op: 'test', path: '/a', value: 2 }])), 'test-failed');
});

test('application failures are apply errors (422), shape errors are malformed (400)', () => {
  assert.equal(kindOf(() => applyJsonPatch(doc, [{ op: 'replace', path: '/spec/missing', value: 1 }])), 'apply');
  assert.equal(kindOf(() => applyJsonPatch(doc, [{ op: 'remove', path: '/metadata/nope' }])), 'apply');
  assert.equal(kindOf(() => applyJsonPatch(doc, [{ op: 'add', path: '/no/such/parent', value: 1 }])), 'apply');
  assert.equal(kindOf(() => applyJsonPatch(doc, [{ op: 'add', path: '/spec/list/9', value: 1 }])), 'apply');
  assert.equal(kindOf(() => applyJsonPatch(doc, [{ op: 'frobnicate', path: '/a' }])), 'apply');
  assert.equal(kindOf(() => applyJsonPatch(doc, [{ op: 'replace', path: '', value: {} }])), 'apply');
  assert.equal(kindOf(() => applyJsonPatch(doc, { op: 'add' })), 'malformed');
  assert.equal(kindOf(() => applyJsonPatch(doc, ['add'])), 'malformed');
});

test('replace on a missing key names the key in the internal message', () => {
  try {
    applyJsonPatch(doc, [{ op: 'replace', path: '/spec/foo', value: 1 }]);
    assert.fail('expected error');
  } catch (e) {
    assert.ok(e instanceof PatchError);
    assert.match(e.message, /replace operation does not apply: doc is missing key: \/spec\/foo/);
  }
});

test('toStatusError mirrors upstream statuses', () => {
  const s422 = toStatusError(new PatchError('apply', 'x')).status;
  assert.equal(s422.code, 422);
  assert.equal(s422.reason, 'Invalid');
  assert.equal(s422.message, GENERIC_422_MESSAGE);
  assert.deepEqual(s422.details, {});
  const s400 = toStatusError(new PatchError('malformed', 'bad body')).status;
  assert.equal(s400.code, 400);
  assert.equal(s400.reason, 'BadRequest');
  assert.equal(s400.message, 'bad body');
  assert.equal(toStatusError(new PatchError('internal', 'boom')).status.code, 500);
  assert.equal(toStatusError(new PatchError('too-large', 'n')).status.code, 413);
});

test('__proto__ keys stay data', () => {
  const out = applyJsonPatch({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.ok(Object.prototype.hasOwnProperty.call(out, '__proto__'));
});

test('merge patch: recursive merge, null deletes, arrays replace, nulls pruned in new values', () => {
  const live = { metadata: { labels: { a: '1', b: '2' } }, spec: { replicas: 1, list: [1, 2], tpl: 'x' } };
  const out = applyMergePatch(live, { metadata: { labels: { a: null, c: '3' } }, spec: { replicas: 10, list: [3], tpl: { k: 1, gone: null } } });
  assert.deepEqual(out, { metadata: { labels: { b: '2', c: '3' } }, spec: { replicas: 10, list: [3], tpl: { k: 1 } } });
  assert.deepEqual(live.metadata.labels, { a: '1', b: '2' });
  assert.deepEqual(applyMergePatch(live, [1, 2]), [1, 2]);
  assert.equal(kindOf(() => applyMergePatch(live, null)), 'malformed');
  assert.equal(kindOf(() => applyMergePatch(live, 5)), 'malformed');
});

test('copy operations share one size budget: a self-doubling copy patch fails before it grows (CVE-2019-1002100)', () => {
  const base = { data: { seed: 'x'.repeat(1024) } };
  // Each op copies /data into itself: without the budget the object doubles 40 times.
  const ops = Array.from({ length: 40 }, (_, i) => ({ op: 'copy', from: '/data', path: `/data/c${i}` }));
  let err: unknown;
  try {
    applyJsonPatch(base, ops);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof PatchError && err.kind === 'apply', String(err));
  assert.match(err.message, /accumulated size increase of copy is \d+, exceeding the limit 3145728/);
  const st = toStatusError(err).status;
  assert.equal(st.code, 422);
  // A custom budget: two copies of ~1 KiB fit in 3000 bytes, three do not.
  const small = (n: number): unknown => Array.from({ length: n }, (_, i) => ({ op: 'copy', from: '/data/seed', path: `/data/s${i}` }));
  assert.doesNotThrow(() => applyJsonPatch(base, small(2), { maxCopyBytes: 3000 }));
  assert.equal(kindOf(() => applyJsonPatch(base, small(3), { maxCopyBytes: 3000 })), 'apply');
});
