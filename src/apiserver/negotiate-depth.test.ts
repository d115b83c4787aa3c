import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeObjectBody, parseJsonBody, parseYamlBody, checkBodyDepth, MAX_BODY_DEPTH } from './negotiate.js';
import { StatusError } from '../api/status.js';

const deepJson = (depth: number): string => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"zz":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
const is400 = (e: unknown): boolean => e instanceof StatusError && e.code === 400 && /exceeded max depth/.test(e.message);

// Fuzz: a body nested a few thousand levels deep decoded fine and then overflowed the stack in
// server-side apply's recursive walks (a 500); structuredClone fails near 2000 levels too.
test('bodies nested deeper than MAX_BODY_DEPTH are a 400 in every format and for patches', () => {
  assert.throws(() => decodeObjectBody(Buffer.from(deepJson(MAX_BODY_DEPTH)), 'application/json'), is400);
  assert.throws(() => decodeObjectBody(Buffer.from(deepJson(4000)), 'application/yaml'), is400);
  assert.throws(() => decodeObjectBody(Buffer.from(`a: ${'['.repeat(600)}1${']'.repeat(600)}\n`), 'application/yaml'), is400);
  assert.throws(() => parseJsonBody(Buffer.from(`[{"op":"add","path":"/a","value":${'['.repeat(600)}1${']'.repeat(600)}}]`)), is400);
  assert.throws(() => parseYamlBody(Buffer.from(deepJson(3000))), is400);
  let v: unknown = 1;
  for (let i = 0; i < 600; i++) v = [v];
  assert.throws(() => checkBodyDepth({ a: v }, 'the patched object'), (e: unknown) => is400(e) && /the patched object/.test((e as Error).message));
});

test('bodies up to the limit decode as before', () => {
  const obj = decodeObjectBody(Buffer.from(deepJson(MAX_BODY_DEPTH - 2)), 'application/json');
  assert.equal((obj.metadata as { name: string }).name, 'x');
});
