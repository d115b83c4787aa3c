// The short seeded fuzz run CI does (inside `npm test`): every target from test/fuzz/ for
// a fixed seed and a total of K8TS_FUZZ_CI_SECONDS (default 45 s); `npm run fuzz` is the long run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { TARGETS, runTargets, runNotes } from './index.js';

const SEED = Number(process.env.K8TS_FUZZ_SEED ?? 1400);
const SECONDS = Number(process.env.K8TS_FUZZ_CI_SECONDS ?? 45);

test(`fuzz: every target, seed ${SEED}, ${SECONDS} s in all`, { timeout: (SECONDS + 120) * 1000 }, async () => {
  const lines: string[] = [];
  const results = await runTargets({ targets: TARGETS, totalMs: SECONDS * 1000, seed: SEED, failureDir: join(tmpdir(), 'k8ts-fuzz-failures'), log: (l) => { lines.push(l); console.log(l); } });
  for (const n of runNotes()) console.log(n);
  const failed = results.filter((r) => r.failed);
  assert.deepEqual(failed.map((r) => r.name), [], lines.filter((l) => !l.startsWith('ok')).join('\n'));
  for (const r of results) assert.ok(r.runs > 0, `${r.name} ran no input`);
});
