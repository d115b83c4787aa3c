import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from './metrics.js';
import { CounterFamily, HistogramFamily } from './metric-families.js';

test('a histogram family exposes cumulative buckets, +Inf, sum and count in the text format', async () => {
  const r = new Registry();
  const h = HistogramFamily.register(r, 'op_seconds', 'Op latency.', ['op'], [1, 0.1]);
  const s = h.seriesFor({ op: 'get' });
  for (const v of [0.05, 0.1, 0.5, 3]) s.observe(v);
  assert.equal(h.seriesFor({ op: 'get' }), s, 'one handle per label combination');
  assert.equal(
    await r.metrics(),
    [
      '# HELP op_seconds Op latency.',
      '# TYPE op_seconds histogram',
      'op_seconds_bucket{op="get",le="0.1"} 2',
      'op_seconds_bucket{op="get",le="1"} 3',
      'op_seconds_bucket{op="get",le="+Inf"} 4',
      'op_seconds_sum{op="get"} 3.65',
      'op_seconds_count{op="get"} 4',
      '',
    ].join('\n'),
  );
});

test('a counter family counts per label combination; registering again returns the registered family', async () => {
  const r = new Registry();
  const c = CounterFamily.register(r, 'req_total', 'Requests.', ['verb', 'code']);
  c.seriesFor({ verb: 'GET', code: '200' }).inc();
  c.seriesFor({ code: '200', verb: 'GET' }).inc(2);
  c.seriesFor({ verb: 'GET', code: '404' }).inc();
  assert.equal(CounterFamily.register(r, 'req_total', 'Requests.', ['verb', 'code']), c);
  const json = (await r.getMetricsAsJSON())[0];
  assert.deepEqual(json.values, [
    { value: 3, labels: { verb: 'GET', code: '200' } },
    { value: 1, labels: { verb: 'GET', code: '404' } },
  ]);
  // Reset zeroes the series; handles held by callers keep counting into the exposed series.
  const held = c.seriesFor({ verb: 'GET', code: '200' });
  r.resetMetrics();
  held.inc();
  assert.deepEqual((await r.getMetricsAsJSON())[0].values.map((v) => v.value), [1, 0]);
});
