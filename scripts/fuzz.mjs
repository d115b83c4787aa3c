#!/usr/bin/env node
// The fuzzing suite (test/fuzz/, compiled to dist/test/fuzz): every target, seeded and bounded
// in time. `npm run fuzz` builds first, then runs all targets for 10 minutes in total.
//
//   node scripts/fuzz.mjs [--seconds N] [--seed N] [--target NAME[,NAME]] [--list]
//   node scripts/fuzz.mjs --replay FILE     run a recorded failure again (same seed and shrink path)
//
// Env: K8TS_FUZZ_SECONDS, K8TS_FUZZ_SEED. Failing inputs are written to fuzz-failures/ (or
// K8TS_FUZZ_FAILURES); the exit code is 1 when any target failed.
import { parseArgs } from 'node:util';
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomInt } from 'node:crypto';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    seed: { type: 'string' },
    target: { type: 'string' },
    replay: { type: 'string' },
    list: { type: 'boolean' },
  },
});
const entry = join(root, 'dist/test/fuzz/index.js');
if (!existsSync(entry)) {
  console.error('fuzz: dist/test/fuzz/index.js is missing; run `npm run build` first');
  process.exit(2);
}
process.env.K8TS_ROOT ??= root;
const { TARGETS, runTargets, replay, runNotes } = await import(pathToFileURL(entry).href);
const failureDir = process.env.K8TS_FUZZ_FAILURES ?? join(root, 'fuzz-failures');
const log = (l) => console.log(l);

if (values.list) {
  for (const t of TARGETS) console.log(`${t.name.padEnd(20)} weight ${t.weight}  ${t.about}`);
  process.exit(0);
}

if (values.replay) {
  const rec = JSON.parse(readFileSync(values.replay, 'utf8'));
  const t = TARGETS.find((x) => x.name === rec.target);
  if (!t) {
    console.error(`fuzz: no target named ${rec.target}`);
    process.exit(2);
  }
  console.log(`replaying ${rec.target} seed=${rec.seed} path=${rec.path}`);
  const r = await replay(t, rec.seed, rec.path, failureDir, log);
  process.exit(r.failed ? 1 : 0);
}

const int = (name, v) => {
  const n = Number(v);
  if (!Number.isInteger(n)) {
    console.error(`fuzz: ${name} must be an integer, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
};
const seconds = int('--seconds', values.seconds ?? process.env.K8TS_FUZZ_SECONDS ?? 600);
const seed = int('--seed', values.seed ?? process.env.K8TS_FUZZ_SEED ?? randomInt(2 ** 31));
const names = values.target ? values.target.split(',') : undefined;
const targets = names ? TARGETS.filter((t) => names.includes(t.name)) : TARGETS;
if (names && targets.length !== names.length) {
  console.error(`fuzz: unknown target in ${values.target}; --list shows them`);
  process.exit(2);
}
console.log(`fuzz: ${targets.length} targets, ${seconds} s in all, seed ${seed} (replay a run with --seed ${seed})`);
const started = Date.now();
const results = await runTargets({ targets, totalMs: seconds * 1000, seed, failureDir, log });
const total = results.reduce((s, r) => s + r.runs, 0);
const failed = results.filter((r) => r.failed);
for (const n of runNotes()) console.log(n);
console.log(`fuzz: ${total} inputs in ${((Date.now() - started) / 1000).toFixed(0)} s, ${failed.length} failing target(s)${failed.length ? `: ${failed.map((r) => r.name).join(', ')}` : ''}; seed ${seed}`);
process.exit(failed.length ? 1 : 0);
