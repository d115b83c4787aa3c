// Runs fuzz targets for a time budget with fast-check: seeded (one seed per run, each target
// derives its own), bounded in time, counts printed, and a failing input written to a file
// that `scripts/fuzz.mjs --replay FILE` runs again (fast-check replays the same seed and
// shrink path, so the exact counterexample comes back).
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FuzzTarget } from './target.js';

export interface TargetResult {
  name: string;
  seed: number;
  runs: number;
  failed: boolean;
  /** The shrunk input (fc.stringify) and the defect, when failed. */
  counterexample?: string;
  error?: string;
  /** Where the failing input was written. */
  file?: string;
  ms: number;
}

export interface RunOptions {
  targets: readonly FuzzTarget[];
  /** Total budget for all targets, split by weight. */
  totalMs: number;
  seed: number;
  /** Where failing inputs go (created on the first failure). */
  failureDir: string;
  log?: (line: string) => void;
}

/** The target's own seed: the run's seed mixed with its position, kept a 32-bit int. */
export function targetSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 1) + Math.imul(index + 1, 0x85ebca6b)) | 0;
}

export async function runTargets(o: RunOptions): Promise<TargetResult[]> {
  const log = o.log ?? (() => {});
  const totalWeight = o.targets.reduce((s, t) => s + t.weight, 0);
  const results: TargetResult[] = [];
  for (const [i, t] of o.targets.entries()) {
    const ms = Math.max(1000, Math.round((o.totalMs * t.weight) / totalWeight));
    const seed = targetSeed(o.seed, i);
    results.push(await runOne(t, seed, ms, o.failureDir, log));
  }
  return results;
}

async function runOne(t: FuzzTarget, seed: number, ms: number, failureDir: string, log: (l: string) => void, path?: string): Promise<TargetResult> {
  const started = Date.now();
  const session = await t.open();
  let res: TargetResult;
  try {
    const details = await fc.check(session.property, {
      seed,
      path,
      numRuns: path ? undefined : Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: path ? undefined : ms,
      markInterruptAsFailure: false,
      endOnFailure: path !== undefined,
    });
    res = { name: t.name, seed, runs: details.numRuns, failed: details.failed, ms: 0 };
    if (details.failed) {
      res.counterexample = fc.stringify(details.counterexample);
      res.error = details.errorInstance instanceof Error ? (details.errorInstance.stack ?? details.errorInstance.message) : String(details.errorInstance);
      const dir = failureDir;
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${t.name}-${seed}.json`);
      writeFileSync(file, `${JSON.stringify({ target: t.name, seed, path: details.counterexamplePath, counterexample: res.counterexample, error: res.error }, null, 2)}\n`);
      res.file = file;
    } else if (session.finish) {
      try {
        await session.finish();
      } catch (e) {
        res.failed = true;
        res.error = `after ${details.numRuns} runs: ${(e as Error).stack ?? String(e)}`;
      }
    }
  } finally {
    await session.close?.();
  }
  res.ms = Date.now() - started;
  log(`${res.failed ? 'FAIL' : 'ok  '} ${t.name.padEnd(22)} seed=${seed} runs=${res.runs} ${(res.ms / 1000).toFixed(1)}s${res.file ? ` input=${res.file}` : ''}`);
  if (res.failed) log(`     ${res.counterexample ? `input: ${res.counterexample.slice(0, 2000)}\n     ` : ''}${res.error}`);
  return res;
}

/** Runs one recorded failure again (its seed and shrink path). */
export async function replay(t: FuzzTarget, seed: number, path: string, failureDir: string, log: (l: string) => void): Promise<TargetResult> {
  return runOne(t, seed, 0, failureDir, log, path);
}
