import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, readdirSync } from 'node:fs';
import { testTempDir } from '../../testing/temp-dir.js';
import { join } from 'node:path';
import { writeAtomically, validatePayloadPath } from './atomic-writer.js';
import { resolveSubPath } from './subpath.js';

const f = (s: string, mode = 0o644) => ({ data: Buffer.from(s), mode });

test('writeAtomically: ..data swap, top-level links, no-op when unchanged, stale names removed', async (t) => {
  const dir = testTempDir(t, 'k8ts-aw-');
  assert.equal(await writeAtomically(dir, new Map([['a', f('1')], ['sub/b', f('2')]])), true);
  assert.equal(readFileSync(join(dir, 'a'), 'utf8'), '1');
  assert.equal(readFileSync(join(dir, 'sub/b'), 'utf8'), '2');
  assert.equal(readlinkSync(join(dir, 'a')), '..data/a');
  const first = readlinkSync(join(dir, '..data'));
  assert.equal(await writeAtomically(dir, new Map([['a', f('1')], ['sub/b', f('2')]])), false);
  assert.equal(await writeAtomically(dir, new Map([['a', f('changed')]])), true);
  assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'changed');
  assert.notEqual(readlinkSync(join(dir, '..data')), first);
  assert.deepEqual(readdirSync(dir).filter((e) => !e.startsWith('..')), ['a']);
  assert.equal(readdirSync(dir).filter((e) => e.startsWith('..') && e !== '..data').length, 1, 'old payload directory removed');
});

test('payload and subPath safety', async (t) => {
  assert.throws(() => validatePayloadPath('../x'));
  assert.throws(() => validatePayloadPath('/abs'));
  assert.throws(() => validatePayloadPath('..hidden'));
  const dir = testTempDir(t, 'k8ts-sp-');
  const { symlinkSync } = await import('node:fs');
  symlinkSync('/etc', join(dir, 'escape'));
  await assert.rejects(resolveSubPath(dir, 'escape'), /outside the volume/);
  await assert.rejects(resolveSubPath(dir, '../x'), /must not contain/);
  assert.equal(await resolveSubPath(dir, 'new/dir'), join(dir, 'new/dir'));
});
