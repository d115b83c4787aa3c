import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopSupervisor, MAIN_LOOP } from './supervisor.js';
import type { FixtureOptions } from './testing/fixture-loops.js';
import { setLogSink } from '../util/log.js';

const fixture = new URL('./testing/fixture-loops.js', import.meta.url).href;
const spec = (name: string, options: FixtureOptions) => ({ name, module: fixture, options });

async function until<T>(what: string, f: () => T | undefined, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function captureLog(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const prev = setLogSink((l) => void lines.push(l));
  return { lines, restore: () => void setLogSink(prev) };
}

test('a loop that crashes is restarted with back-off and reported', { timeout: 20_000 }, async () => {
  const log = captureLog();
  const sup = new LoopSupervisor({ pingIntervalMs: 50, stallAfterMs: 400, backoffInitialMs: 100, backoffMaxMs: 400, backoffResetMs: 60_000 });
  try {
    assert.deepEqual(await sup.start(spec('crashy', { mode: 'crash-after', ms: 100 })), { mode: 'crash-after' });
    await sup.start(spec('calm', { mode: 'ok' }));
    await until('four restarts', () => (sup.status().find((s) => s.name === 'crashy')!.restarts >= 4 ? true : undefined));
    // The back-off doubles from 100 ms up to its 400 ms cap.
    const delays = log.lines.flatMap((l) => /loop crashy crashed \(restarting in (\S+) s\)/.exec(l)?.[1] ?? []);
    assert.deepEqual(delays.slice(0, 4), ['0.1', '0.2', '0.4', '0.4']);
    assert.equal(sup.status().find((s) => s.name === 'calm')!.restarts, 0);
    assert.ok(log.lines.some((l) => /loop crashy crashed .*fixture loop crashed/.test(l)), log.lines.join(''));
    const text = await sup.metrics();
    assert.match(text, /k8ts_loop_restarts_total\{loop="crashy"\} [3-9]/);
    assert.match(text, /k8ts_loop_restarts_total\{loop="calm"\} 0/);
  } finally {
    await sup.stop();
    log.restore();
  }
});

test('a loop that spins is reported as stalled; the others keep answering; stop ends it', { timeout: 20_000 }, async () => {
  const log = captureLog();
  const sup = new LoopSupervisor({ pingIntervalMs: 50, stallAfterMs: 300 });
  try {
    await sup.start(spec('spinner', { mode: 'spin-after', ms: 200 }));
    await sup.start(spec('calm', { mode: 'ok' }));
    const stalled = await until('the stall', () => sup.status().find((s) => s.name === 'spinner' && s.state === 'stalled'));
    assert.ok(stalled.lagMs >= 300);
    await new Promise((r) => setTimeout(r, 300));
    const calm = sup.status().find((s) => s.name === 'calm')!;
    assert.equal(calm.state, 'running');
    assert.ok(calm.lagMs < 300, `calm loop lag ${calm.lagMs} ms`);
    const text = await sup.metrics();
    assert.match(text, /k8ts_loop_stalled\{loop="spinner"\} 1/);
    assert.match(text, /k8ts_loop_stalled\{loop="calm"\} 0/);
    const lag = Number(/k8ts_event_loop_lag_seconds\{loop="spinner"\} (\S+)/.exec(text)?.[1]);
    assert.ok(lag >= 0.3, text);
    assert.ok(log.lines.some((l) => /loop spinner is stalled/.test(l)));
  } finally {
    await sup.stop(500);
    log.restore();
  }
  assert.ok(sup.status().every((s) => s.name === MAIN_LOOP || s.state === 'stopped'));
});

test('a loop that fails to start makes start() reject with its reason', { timeout: 10_000 }, async () => {
  const sup = new LoopSupervisor({ pingIntervalMs: 50 });
  try {
    await assert.rejects(sup.start(spec('broken', { mode: 'fail-start' })), /the broken loop did not start: .*EADDRINUSE/);
  } finally {
    await sup.stop();
  }
});

test('a loop module run inline shares the main loop and stops with the supervisor', { timeout: 10_000 }, async () => {
  const sup = new LoopSupervisor({ pingIntervalMs: 50 });
  try {
    assert.deepEqual(await sup.startInline(spec('node', { mode: 'ok' })), { mode: 'ok' });
    assert.deepEqual(sup.status().map((s) => s.name), [MAIN_LOOP]);
    assert.doesNotMatch(await sup.metrics(), /loop="node"/);
  } finally {
    // The fixture's keep-alive timer is cleared by its close(): the test file could not end otherwise.
    await sup.stop();
  }
});
