import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerLogPath, findContainerLog, parseCriLine, readContainerLog } from './container-log.js';

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

test('parseCriLine', () => {
  assert.deepEqual(parseCriLine('2024-01-01T00:00:00.5Z stdout F hello world'), { timestamp: '2024-01-01T00:00:00.5Z', time: Date.parse('2024-01-01T00:00:00.5Z'), stream: 'stdout', partial: false, message: 'hello world' });
  assert.equal(parseCriLine('garbage'), undefined);
});

test('readContainerLog: joins partial lines, tail, timestamps, since, limitBytes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-log-'));
  const p = join(dir, '0.log');
  writeFileSync(p, LOG);
  assert.equal(await collect(readContainerLog(p)), 'first\npartial\nthird\n');
  assert.equal(await collect(readContainerLog(p, { tailLines: 2 })), 'partial\nthird\n');
  assert.equal(await collect(readContainerLog(p, { tailLines: 1, timestamps: true })), '2024-01-01T00:00:02.000000000Z third\n');
  assert.equal(await collect(readContainerLog(p, { sinceSeconds: 1, now: () => Date.parse('2024-01-01T00:00:02.5Z') })), 'third\n');
  assert.equal(await collect(readContainerLog(p, { limitBytes: 8 })), 'first\npa');
});

test('readContainerLog follow: new lines stream until the container stops', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-log-'));
  const p = join(dir, '0.log');
  writeFileSync(p, LOG);
  let running = true;
  const r = readContainerLog(p, { follow: true, pollMs: 5, isRunning: async () => running });
  const got = collect(r);
  await new Promise((res) => setTimeout(res, 20));
  appendFileSync(p, '2024-01-01T00:00:03Z stdout F more\n');
  await new Promise((res) => setTimeout(res, 20));
  running = false;
  assert.equal(await got, 'first\npartial\nthird\nmore\n');
});

test('containerLogPath and findContainerLog (previous)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-log-'));
  const pod = { namespace: 'default', name: 'web', uid: 'u1' };
  assert.equal(containerLogPath(dir, pod, 'nginx', 2), join(dir, 'pods', 'default_web_u1', 'nginx', '2.log'));
  mkdirSync(join(dir, 'pods', 'default_web_u1', 'nginx'), { recursive: true });
  for (const n of [0, 1, 2, 10]) writeFileSync(containerLogPath(dir, pod, 'nginx', n), '');
  assert.equal(await findContainerLog(dir, pod, 'nginx'), containerLogPath(dir, pod, 'nginx', 10));
  assert.equal(await findContainerLog(dir, pod, 'nginx', true), containerLogPath(dir, pod, 'nginx', 2));
  assert.equal(await findContainerLog(dir, pod, 'other'), undefined);
});
