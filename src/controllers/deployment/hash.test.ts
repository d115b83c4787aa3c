import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHash, fnv32a, safeEncodeString, templatesEqualIgnoringHash } from './hash.js';

const tmpl = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1', resources: {} }], restartPolicy: 'Always' } };

test('fnv32a matches the reference vectors', () => {
  assert.equal(fnv32a(new Uint8Array()), 0x811c9dc5);
  assert.equal(fnv32a(new TextEncoder().encode('a')), 0xe40c292c);
  assert.equal(fnv32a(new TextEncoder().encode('foobar')), 0xbf9cf968);
});

test('safe encoding uses the upstream alphabet', () => {
  assert.equal(safeEncodeString('0123456789'), '456789bcdf');
});

test('hash: deterministic, at most 10 safe characters, independent of key order, salted by collisionCount', () => {
  const h = computeHash(tmpl);
  assert.match(h, /^[4-9bcdf]{1,10}$/);
  assert.equal(computeHash({ spec: { restartPolicy: 'Always', containers: [{ image: 'nginx:1', name: 'c' }] }, metadata: { labels: { app: 'web' } } }), h);
  assert.notEqual(computeHash({ ...tmpl, spec: { ...tmpl.spec, restartPolicy: 'Never' } }), h);
  assert.notEqual(computeHash(tmpl, 1), h);
  assert.notEqual(computeHash(tmpl, 1), computeHash(tmpl, 2));
});

test('templates compare equal ignoring pod-template-hash and omitted-empty fields (rollout undo)', () => {
  const fromRS = { metadata: { creationTimestamp: null, labels: { app: 'web', 'pod-template-hash': '5d59d67564' } }, spec: { ...tmpl.spec, initContainers: [] } };
  assert.equal(templatesEqualIgnoringHash(tmpl, fromRS), true);
  assert.equal(templatesEqualIgnoringHash(tmpl, { ...fromRS, spec: { ...fromRS.spec, restartPolicy: 'Never' } }), false);
  assert.equal(templatesEqualIgnoringHash(tmpl, { metadata: { labels: { app: 'web', extra: 'x' } }, spec: tmpl.spec }), false);
});
