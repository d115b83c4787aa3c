import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync, appendFileSync } from 'node:fs';
import { testTempDir } from '../../testing/temp-dir.js';
import { join } from 'node:path';
import { containerLogPath, findContainerLog } from './container-log.js';

const LOG = [
  '2024-01-01T00:00:00.000000001Z stdout F first',
  '2024-01-01T00:00:01.000000000Z stderr P par',
  '2024-01-01T00:00:01.500000000Z stderr F tial',
  '2024-01-01T00:00:02.000000000Z stdout F third',
  '',
].join('\n');

async function collect(r: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const c of r) s += c.toString();
  return s;
}

test('containerLogPath and findContainerLog (previous)', async (t) => {
  const dir = testTempDir(t, 'k8ts-log-');
  const pod = { namespace: 'default', name: 'web', uid: 'u1' };
  assert.equal(containerLogPath(dir, pod, 'nginx', 2), join(dir, 'pods', 'default_web_u1', 'nginx', '2.log'));
  mkdirSync(join(dir, 'pods', 'default_web_u1', 'nginx'), { recursive: true });
  for (const n of [0, 1, 2, 10]) writeFileSync(containerLogPath(dir, pod, 'nginx', n), '');
  assert.equal(await findContainerLog(dir, pod, 'nginx'), containerLogPath(dir, pod, 'nginx', 10));
  assert.equal(await findContainerLog(dir, pod, 'nginx', true), containerLogPath(dir, pod, 'nginx', 2));
  assert.equal(await findContainerLog(dir, pod, 'other'), undefined);
});
