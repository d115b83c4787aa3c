// scripts/check-boundaries.mjs on small temporary trees: a clean tree passes, and each kind of
// violation (internals, up the layers, a type-only cycle, shipped code importing test code, a file
// in no component) fails the check with a line naming the file, the line and the rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testTempDir } from '../../src/testing/temp-dir.js';

// dist/test/unit/x.test.js → the checkout's root (K8TS_ROOT when run-tests sets it).
const repoRoot = process.env.K8TS_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const script = join(repoRoot, 'scripts/check-boundaries.mjs');

const manifest = {
  components: [
    { name: 'util', dir: 'src/util', surface: ['*.ts'] },
    { name: 'api', dir: 'src/api', surface: ['index.ts'] },
    { name: 'client', dir: 'src/client', surface: ['index.ts'] },
    { name: 'peer', dir: 'src/peer', surface: ['index.ts'] },
    { name: 'app', dir: 'src/app', surface: ['index.ts', 'entry.ts'] },
    { name: 'tool', dir: 'src/tool', surface: ['index.ts'] },
  ],
  layers: [['util'], ['api'], ['client', 'peer'], ['app', 'tool']],
  testCode: ['**/*.test.ts', '**/testing/**', 'test/**'],
  allow: [] as unknown[],
};

/** A clean tree: surfaces used across components, internals used only inside, tests free. */
const clean: Record<string, string> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, types: [] },
    include: ['src/**/*.ts', 'test/**/*.ts'],
  }),
  'src/util/log.ts': `export const log = (s: string): string => s;\n`,
  'src/api/internal.ts': `import { log } from '../util/log.js';\nexport interface Pod { name: string }\nexport const podName = (p: Pod): string => log(p.name);\n`,
  'src/api/index.ts': `export { podName, type Pod } from './internal.js';\n`,
  'src/client/client.ts': `import type { Pod } from '../api/index.js';\nexport const get = (p: Pod): Pod => p;\n`,
  'src/client/index.ts': `export { get } from './client.js';\n`,
  'src/peer/index.ts': `import { get } from '../client/index.js';\nexport const peer = get;\n`,
  'src/app/entry.ts': `export const entry = 1;\n`,
  'src/tool/index.ts': `export const tool = 1;\n`,
  'src/app/main.ts': `import { podName } from '../api/index.js';\nimport { peer } from '../peer/index.js';\nexport const main = async (): Promise<unknown> => [podName, peer, await import('../client/index.js')];\n`,
  'src/app/index.ts': `export { main } from './main.js';\n`,
  'src/app/testing/fake.ts': `import { podName } from '../../api/internal.js';\nexport const fake = podName;\n`,
  'src/app/main.test.ts': `import { podName } from '../api/internal.js';\nimport { fake } from './testing/fake.js';\nexport const t = [podName, fake];\n`,
  'test/e2e.test.ts': `import { get } from '../src/client/client.js';\nexport const t = get;\n`,
};

function runCheck(t: import('node:test').TestContext, files: Record<string, string>, m: object = manifest): { code: number | null; out: string } {
  const root = testTempDir(t, 'k8ts-bounds-');
  const all = { ...files, 'scripts/boundaries.json': JSON.stringify(m) };
  for (const [rel, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  const r = spawnSync(process.execPath, [script, '--root', root], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Asserts the check failed with exactly one violation, at file:line, of the rule. */
function assertOneViolation(r: { code: number | null; out: string }, where: string, rule: string, names: string): void {
  assert.equal(r.code, 1, r.out);
  const lines = r.out.split('\n').filter((l) => /^\S+:\d+ {2}\[/.test(l));
  assert.equal(lines.length, 1, r.out);
  assert.ok(lines[0].startsWith(`${where}  [${rule}]`), lines[0]);
  assert.ok(lines[0].includes(names), lines[0]);
}

test('check-boundaries passes on a clean tree (test code may reach into internals)', { timeout: 60_000 }, (t) => {
  const r = runCheck(t, clean);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /check-boundaries: \d+ files, \d+ relative imports, 6 components: ok/);
});

test('importing another component\'s internals fails, static or dynamic', { timeout: 60_000 }, (t) => {
  const r = runCheck(t, {
    ...clean,
    'src/app/main.ts': `import { podName } from '../api/index.js';\nexport const main = async (): Promise<unknown> => [podName, await import('../client/client.js')];\n`,
  });
  assertOneViolation(r, 'src/app/main.ts:2', 'internal', "import() '../client/client.js'");
  assert.ok(r.out.includes('src/client/index.ts'), 'names the surface to use');
});

test('an import up the layers fails', { timeout: 60_000 }, (t) => {
  const r = runCheck(t, { ...clean, 'src/util/log.ts': `import { tool } from '../tool/index.js';\nexport const log = (s: string): string => s + tool;\n` });
  assertOneViolation(r, 'src/util/log.ts:1', 'layer', 'util (layer 0) imports tool (layer 3)');
});

test('a type-only cycle between peer components fails', { timeout: 60_000 }, (t) => {
  const r = runCheck(t, {
    ...clean,
    'src/client/client.ts': `import type { Pod } from '../api/index.js';\nimport type { peer } from '../peer/index.js';\nexport const get = (p: Pod): Pod => p;\nexport type Peer = typeof peer;\n`,
  });
  assert.equal(r.code, 1, r.out);
  const cycle = r.out.split('\n').filter((l) => l.includes('[cycle]'));
  assert.equal(cycle.length, 2, r.out);
  assert.ok(cycle.some((l) => l.startsWith('src/client/client.ts:2  [cycle]') && l.includes('{client, peer}')), r.out);
  assert.ok(cycle.some((l) => l.startsWith('src/peer/index.ts:1  [cycle]')), r.out);
});

test('shipped code importing test code fails', { timeout: 60_000 }, (t) => {
  const r = runCheck(t, { ...clean, 'src/app/index.ts': `export { main } from './main.js';\nexport { fake } from './testing/fake.js';\n` });
  assertOneViolation(r, 'src/app/index.ts:2', 'test-only', 'src/app/testing/fake.ts');
});

test('a file in no component fails', { timeout: 60_000 }, (t) => {
  const r = runCheck(t, { ...clean, 'src/stray/x.ts': `export const x = 1;\n` });
  assertOneViolation(r, 'src/stray/x.ts:1', 'unowned', 'belongs to no component');
});

test('an allow-list entry exempts exactly its import', { timeout: 60_000 }, (t) => {
  const files = { ...clean, 'src/app/main.ts': `import { podName } from '../api/internal.js';\nexport const main = podName;\n` };
  const allow = { from: 'src/app/main.ts', to: 'src/api/internal.ts', rule: 'internal', reason: 'test of the allow-list' };
  assert.equal(runCheck(t, files, { ...manifest, allow: [allow] }).code, 0);
  assertOneViolation(runCheck(t, files, { ...manifest, allow: [{ ...allow, rule: 'layer' }] }), 'src/app/main.ts:1', 'internal', 'api');
});
