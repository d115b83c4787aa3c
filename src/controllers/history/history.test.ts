import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalJson, equalRevision, fnv1, fnv1a, hashRevisionData, hashTemplate, newControllerRevision, nextRevision,
  revisionName, revisionsToTruncate, REVISION_HASH_LABEL, safeEncode, sortRevisions, templateFromRevision, templatePatch,
  type ControllerRevision,
} from './index.js';
import { Expectations, slowStartBatch } from './expectations.js';

const owner = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', uid: 'u1' } };
const tpl = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } };

test('FNV-1 and FNV-1a match the reference vectors', () => {
  const enc = new TextEncoder();
  assert.equal(fnv1(enc.encode('')), 0x811c9dc5);
  assert.equal(fnv1(enc.encode('a')), 0x050c5d7e);
  assert.equal(fnv1a(enc.encode('a')), 0xe40c292c);
  assert.equal(fnv1a(enc.encode('foobar')), 0xbf9cf968);
});

test('safeEncode maps digits into the vowel-free alphabet', () => {
  assert.match(safeEncode('1234567890'), /^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
});

test('canonical JSON sorts keys at every level', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
});

test('revision hash depends on data and collision count only', () => {
  const d = templatePatch(tpl);
  assert.equal(hashRevisionData(d, 0), hashRevisionData(JSON.parse(JSON.stringify(d)), 0));
  assert.notEqual(hashRevisionData(d, 0), hashRevisionData(d, 1));
  assert.notEqual(hashTemplate(tpl), hashTemplate({ ...tpl, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } }));
  assert.notEqual(hashTemplate(tpl, 0), hashTemplate(tpl, 1));
});

test('templatePatch stores the template with $patch: replace and round-trips', () => {
  const d = templatePatch(tpl);
  assert.equal(d.spec.template.$patch, 'replace');
  const rev = newControllerRevision({ owner, ownerApiVersion: 'apps/v1', ownerKind: 'StatefulSet', labels: tpl.metadata.labels, data: d, revision: 1, collisionCount: 0 });
  assert.deepEqual(templateFromRevision(rev), tpl);
  assert.equal(rev.metadata.name, `web-${rev.metadata.labels![REVISION_HASH_LABEL]}`);
  assert.equal(rev.metadata.labels!.app, 'web');
  assert.equal(rev.metadata.ownerReferences![0]!.controller, true);
  assert.equal(rev.revision, 1);
});

test('revisionName truncates long owner names to 223 characters', () => {
  assert.equal(revisionName('x'.repeat(300), 'abc').length, 223 + 4);
});

const rev = (name: string, revision: number, data: unknown = { n: name }): ControllerRevision =>
  ({ metadata: { name, labels: {} }, revision, data });

test('equal revisions compare data (and hash labels when both have one)', () => {
  assert.ok(equalRevision(rev('a', 1, { x: 1 }), rev('b', 2, { x: 1 })));
  assert.ok(!equalRevision(rev('a', 1, { x: 1 }), rev('b', 2, { x: 2 })));
});

test('nextRevision and sorting', () => {
  assert.equal(nextRevision([]), 1);
  assert.equal(nextRevision([rev('a', 3), rev('b', 7)]), 8);
  assert.deepEqual(sortRevisions([rev('b', 2), rev('a', 1), rev('c', 3)]).map((r) => r.metadata.name), ['a', 'b', 'c']);
});

test('truncation removes the oldest non-live revisions beyond the limit', () => {
  const list = [rev('r1', 1), rev('r2', 2), rev('r3', 3), rev('r4', 4), rev('r5', 5)];
  assert.deepEqual(revisionsToTruncate(list, new Set(['r5', 'r1']), 2).map((r) => r.metadata.name), ['r2']);
  assert.deepEqual(revisionsToTruncate(list, new Set(['r5']), 0).map((r) => r.metadata.name), ['r1', 'r2', 'r3', 'r4']);
  assert.deepEqual(revisionsToTruncate(list, new Set(), 10), []);
});

test('expectations are satisfied once observed, and expire', () => {
  let now = 0;
  const e = new Expectations({ now: () => now });
  assert.ok(e.satisfied('k'));
  e.expectCreations('k', 2);
  assert.ok(!e.satisfied('k'));
  e.creationObserved('k');
  assert.ok(!e.satisfied('k'));
  e.creationObserved('k');
  assert.ok(e.satisfied('k'));
  e.expectDeletions('k', 1);
  now = 6 * 60_000;
  assert.ok(e.satisfied('k'));
});

test('slowStartBatch doubles batch sizes and stops at the first failing batch', async () => {
  const calls: number[] = [];
  const r = await slowStartBatch(10, async (i) => { calls.push(i); if (i === 4) throw new Error('boom'); });
  assert.equal(r.attempted, 7); // 1 + 2 + 4
  assert.equal(r.done, 6);
  assert.ok(r.error instanceof Error);
  assert.deepEqual((await slowStartBatch(5, async () => {})), { done: 5, attempted: 5 });
});
