import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError, type StatusError } from '../api/status.js';
import { parseDeleteQuery, parseListQuery, parseWriteQuery, queryBool, queryInt } from './query.js';

const q = (s: string): URLSearchParams => new URLSearchParams(s);

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (isStatusError(e)) return e;
    throw e;
  }
  assert.fail('expected a Status error');
}

test('booleans follow the parameter codec: only 0 and false (any case) are false', () => {
  for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True', 'yes', '']) assert.equal(queryBool(q(`watch=${v}`), 'watch'), true, v);
  for (const v of ['0', 'false', 'False', 'FALSE', 'fAlSe']) assert.equal(queryBool(q(`watch=${v}`), 'watch'), false, v);
  assert.equal(queryBool(q(''), 'watch'), undefined);
  // The first of repeated values wins.
  assert.equal(queryBool(q('watch=false&watch=true'), 'watch'), false);
});

test('integers are strconv.ParseInt base 10 within int64; garbage is a 400 naming the parameter', () => {
  assert.equal(queryInt(q('limit=500'), 'limit'), 500);
  assert.equal(queryInt(q('limit=%2B7'), 'limit'), 7);
  assert.equal(queryInt(q('gracePeriodSeconds=-1'), 'gracePeriodSeconds'), -1);
  assert.equal(queryInt(q('limit=007'), 'limit'), 7);
  assert.equal(queryInt(q(''), 'limit'), undefined);
  for (const bad of ['abc', '1.5', '0x10', '1e3', '', ' 1', '1_000', '9223372036854775808']) {
    const e = statusOf(() => queryInt(q(`timeoutSeconds=${encodeURIComponent(bad)}`), 'timeoutSeconds'));
    assert.equal(e.status.code, 400, bad);
    assert.equal(e.status.reason, 'BadRequest');
    assert.match((e.status.message ?? ''), /query parameter "timeoutSeconds"/);
    assert.ok((e.status.message ?? '').includes(JSON.stringify(bad)), (e.status.message ?? ''));
  }
  assert.match(statusOf(() => queryInt(q('limit=9223372036854775808'), 'limit')).status.message ?? '', /value out of range/);
  assert.equal(queryInt(q('limit=9223372036854775807'), 'limit'), 9223372036854775807);
});

test('list options: paging, defaults, unknown parameters ignored', () => {
  const lq = parseListQuery(q('limit=-5&timeoutSeconds=0&pretty=true&bogus=1&labelSelector=a%3Db'));
  assert.equal(lq.watch, false);
  assert.equal(lq.limit, undefined);
  assert.equal(lq.timeoutSeconds, undefined);
  assert.equal(lq.labelSelector, 'a=b');
  assert.equal(parseListQuery(q('watch=True')).watch, true);
  assert.equal(parseListQuery(q('watch=0'), true).watch, true, 'the legacy /watch/ path is a watch whatever the query');
  assert.equal(parseListQuery(q('limit=10&continue=abc')).limit, 10);
});

test('resourceVersionMatch and sendInitialEvents are validated as upstream (422 ListOptions)', () => {
  const cases: Array<[string, string]> = [
    ['resourceVersionMatch=Exact', 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'],
    ['resourceVersionMatch=Exact&resourceVersion=0', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'],
    ['resourceVersionMatch=Newer&resourceVersion=5', 'resourceVersionMatch: Unsupported value: "Newer": supported values: "Exact", "NotOlderThan", ""'],
    ['resourceVersionMatch=NotOlderThan&resourceVersion=5&continue=x', 'resourceVersionMatch is forbidden when continue is provided'],
    ['sendInitialEvents=true', 'sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list'],
    ['watch=1&sendInitialEvents=true', 'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'],
    ['watch=1&resourceVersionMatch=NotOlderThan', 'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'],
    ['watch=1&sendInitialEvents=true&resourceVersionMatch=Exact', 'resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"'],
  ];
  for (const [query, message] of cases) {
    const e = statusOf(() => parseListQuery(q(query)));
    assert.equal(e.status.code, 422, query);
    assert.equal(e.status.reason, 'Invalid');
    assert.equal(e.status.details?.kind, 'ListOptions');
    assert.equal(e.status.details?.group, 'meta.k8s.io');
    assert.ok((e.status.message ?? '').includes(message), `${query}: ${(e.status.message ?? '')}`);
  }
  const wl = parseListQuery(q('watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion='));
  assert.deepEqual([wl.watch, wl.sendInitialEvents, wl.resourceVersionMatch, wl.allowWatchBookmarks, wl.resourceVersion], [true, true, 'NotOlderThan', true, '']);
  assert.equal(parseListQuery(q('watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan')).sendInitialEvents, false);
  assert.equal(parseListQuery(q('resourceVersionMatch=NotOlderThan&resourceVersion=0')).resourceVersionMatch, 'NotOlderThan');
});

test('write options: repeated dryRun, fieldManager and fieldValidation', () => {
  assert.deepEqual(parseWriteQuery(q('dryRun=All&dryRun=All&fieldManager=me&fieldValidation=Strict'), 'CreateOptions'), { dryRun: true, fieldManager: 'me', fieldValidation: 'Strict' });
  assert.deepEqual(parseWriteQuery(q('fieldManager='), 'PatchOptions'), { dryRun: false, fieldManager: undefined, fieldValidation: 'Warn' });
  const dry = statusOf(() => parseWriteQuery(q('dryRun=All&dryRun=Server'), 'UpdateOptions'));
  assert.equal(dry.status.code, 422);
  assert.equal(dry.status.message ?? '', 'UpdateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["All","Server"]: supported values: "All"');
  const fv = statusOf(() => parseWriteQuery(q('fieldValidation=strict'), 'CreateOptions'));
  assert.equal(fv.status.message ?? '', 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"');
  assert.match(statusOf(() => parseWriteQuery(q(`fieldManager=${'x'.repeat(129)}`), 'PatchOptions')).status.message ?? '', /fieldManager: Too long/);
  assert.match(statusOf(() => parseWriteQuery(q('fieldManager=a%0Ab'), 'PatchOptions')).status.message ?? '', /invalid character U\+000A \(at position 1\)/);
  // DeleteOptions carry neither fieldManager nor fieldValidation.
  assert.deepEqual(parseWriteQuery(q('fieldValidation=nonsense'), 'DeleteOptions').fieldValidation, 'Warn');
});

test('delete options from the query', () => {
  assert.deepEqual(parseDeleteQuery(q('gracePeriodSeconds=0&propagationPolicy=Foreground&orphanDependents=False&dryRun=All')), {
    dryRun: true, gracePeriodSeconds: 0, propagationPolicy: 'Foreground', orphanDependents: false,
  });
  assert.equal(statusOf(() => parseDeleteQuery(q('gracePeriodSeconds=soon'))).status.code, 400);
  const p = statusOf(() => parseDeleteQuery(q('propagationPolicy=orphan')));
  assert.equal(p.status.code, 422);
  assert.match(p.status.message ?? '', /propagationPolicy: Unsupported value: "orphan"/);
});
