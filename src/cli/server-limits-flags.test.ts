import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerFlags, parseDurationFlag, type ServerFlags } from './server.js';
import { CliError } from './errors.js';

const parse = (args: string[]): ServerFlags => parseServerFlags(['--data-dir', '/tmp/k8ts-test-flags', ...args]) as ServerFlags;

test('limit flags become ApiLimits; unset ones stay upstream defaults', () => {
  assert.deepEqual(parse([]).limits, {});
  assert.equal(parse([]).audit, undefined);
  const f = parse(['--request-timeout', '1m30s', '--min-request-timeout', '600', '--max-requests-inflight', '0', '--max-mutating-requests-inflight', '50', '--max-watches-per-user', '10', '--max-watches', '100', '--max-connections', '500']);
  assert.deepEqual(f.limits, { requestTimeoutMs: 90_000, minRequestTimeoutS: 600, maxRequestsInflight: 0, maxMutatingRequestsInflight: 50, maxWatchesPerUser: 10, maxWatches: 100, maxConnections: 500 });
  assert.equal(parse(['--request-timeout', '45']).limits.requestTimeoutMs, 45_000);
  assert.equal(parseDurationFlag('--x', '500ms'), 500);
  assert.throws(() => parse(['--request-timeout', 'soon']), (e: unknown) => e instanceof CliError && /--request-timeout must be a duration like 60s/.test(e.message));
  assert.throws(() => parse(['--max-watches', 'many']), (e: unknown) => e instanceof CliError && /--max-watches must be an integer/.test(e.message));
});

test('audit flags: the log defaults to <data-dir>/audit.log; --audit-log-* without a policy is an error', () => {
  const f = parse(['--audit-policy-file', '/etc/k8ts/audit.yaml', '--audit-log-maxsize', '10', '--audit-log-maxbackup', '3', '--audit-log-maxage', '7']);
  assert.deepEqual(f.audit, { policyFile: '/etc/k8ts/audit.yaml', logPath: '/tmp/k8ts-test-flags/audit.log', maxSizeMB: 10, maxBackups: 3, maxAgeDays: 7 });
  assert.equal(parse(['--audit-policy-file', 'p.yaml', '--audit-log-path', '-']).audit?.logPath, '-');
  assert.throws(() => parse(['--audit-log-path', '/var/log/audit.log']), (e: unknown) => e instanceof CliError && /needs --audit-policy-file/.test(e.message));
});

test('leader-election flags: upstream defaults, shorter timings, and inconsistent ones refused in one line', () => {
  assert.deepEqual(parse([]).leaseTimings, { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 });
  assert.deepEqual(parse(['--leader-elect-lease-duration', '8s', '--leader-elect-renew-deadline', '6s', '--leader-elect-retry-period', '1s']).leaseTimings, { leaseDurationSeconds: 8, renewDeadlineSeconds: 6, retryPeriodSeconds: 1 });
  assert.throws(() => parse(['--leader-elect-renew-deadline', '20s']), (e: unknown) => e instanceof CliError && /renew-deadline \(20s\) must be shorter than --leader-elect-lease-duration \(15s\)/.test(e.message));
  assert.throws(() => parse(['--leader-elect-retry-period', '10s']), (e: unknown) => e instanceof CliError && /retry-period \(10s\) must be shorter/.test(e.message));
  assert.throws(() => parse(['--leader-elect-lease-duration', '7500ms', '--leader-elect-renew-deadline', '5s']), (e: unknown) => e instanceof CliError && /whole number of seconds/.test(e.message));
});
