import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  instantsFor, jobFromTemplate, jobName, jobsToCleanUp, mostRecentScheduleTime, nextScheduleDelay, parseGoDuration,
  parseSchedule, rfc1123z, rfc3339In, type ServedCronJob, type Schedule,
} from './index.js';
import type { PodTemplateSpec } from '../../api/types/index.js';

const sched = (spec: string, tz = ''): Schedule => {
  const s = parseSchedule(spec, tz);
  if (typeof s === 'string') throw new Error(s);
  return s;
};
const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());
const at = (s: string): number => Date.parse(s);

test('standard fields, lists, ranges, steps and names', () => {
  assert.equal(iso(sched('*/15 * * * *').next(at('2024-01-01T00:07:00Z'))), '2024-01-01T00:15:00.000Z');
  assert.equal(iso(sched('0 9-17/4 * * mon-fri').next(at('2024-01-06T00:00:00Z'))), '2024-01-08T09:00:00.000Z'); // Sat → Mon
  assert.equal(iso(sched('30 2 1,15 * *').next(at('2024-01-02T00:00:00Z'))), '2024-01-15T02:30:00.000Z');
  assert.equal(iso(sched('0 0 * feb *').next(at('2024-03-01T00:00:00Z'))), '2025-02-01T00:00:00.000Z');
  assert.equal(iso(sched('5 * * * *').next(at('2024-01-01T00:05:00Z'))), '2024-01-01T01:05:00.000Z'); // strictly after
});

test('day-of-month and day-of-week are ORed unless one is *', () => {
  // 13th or a Friday.
  assert.equal(iso(sched('0 0 13 * 5').next(at('2024-01-01T00:00:00Z'))), '2024-01-05T00:00:00.000Z');
  assert.equal(iso(sched('0 0 13 * *').next(at('2024-01-01T00:00:00Z'))), '2024-01-13T00:00:00.000Z');
  assert.equal(iso(sched('0 0 */2 * 5').next(at('2024-01-01T00:00:00Z'))), '2024-01-03T00:00:00.000Z');
});

test('descriptors and @every', () => {
  assert.equal(iso(sched('@hourly').next(at('2024-01-01T00:00:00Z'))), '2024-01-01T01:00:00.000Z');
  assert.equal(iso(sched('@daily').next(at('2024-01-01T10:00:00Z'))), '2024-01-02T00:00:00.000Z');
  assert.equal(iso(sched('@weekly').next(at('2024-01-01T10:00:00Z'))), '2024-01-07T00:00:00.000Z');
  assert.equal(iso(sched('@monthly').next(at('2024-01-01T10:00:00Z'))), '2024-02-01T00:00:00.000Z');
  assert.equal(iso(sched('@yearly').next(at('2024-01-01T10:00:00Z'))), '2025-01-01T00:00:00.000Z');
  assert.equal(iso(sched('@every 1h30m').next(at('2024-01-01T10:00:00.500Z'))), '2024-01-01T11:30:00.000Z');
  assert.equal(parseGoDuration('1.5h'), 5_400_000);
  assert.equal(parseGoDuration('abc'), undefined);
  assert.equal(typeof parseSchedule('61 * * * *'), 'string');
  assert.equal(sched('0 0 30 2 *').next(at('2024-01-01T00:00:00Z')), undefined);
});

test('time zones: schedules run on the zone\'s wall clock', () => {
  assert.equal(iso(sched('0 9 * * *', 'Europe/Berlin').next(at('2024-01-01T00:00:00Z'))), '2024-01-01T08:00:00.000Z');
  assert.equal(iso(sched('0 9 * * *', 'Europe/Berlin').next(at('2024-07-01T00:00:00Z'))), '2024-07-01T07:00:00.000Z');
  assert.equal(iso(sched('0 0 * * *', 'Asia/Kolkata').next(at('2024-01-01T00:00:00Z'))), '2024-01-01T18:30:00.000Z');
});

test('DST: a time in the spring-forward gap is skipped, one in the fall-back overlap runs twice', () => {
  // America/New_York: 2024-03-10 02:00 EST → 03:00 EDT; 2024-11-03 02:00 EDT → 01:00 EST.
  const gap = sched('30 2 * * *', 'America/New_York');
  assert.equal(iso(gap.next(at('2024-03-09T08:00:00Z'))), '2024-03-11T06:30:00.000Z');
  const overlap = sched('30 1 * * *', 'America/New_York');
  const first = overlap.next(at('2024-11-03T04:00:00Z'));
  assert.equal(iso(first), '2024-11-03T05:30:00.000Z'); // 01:30 EDT
  assert.equal(iso(overlap.next(first!)), '2024-11-03T06:30:00.000Z'); // 01:30 EST
  assert.equal(iso(overlap.next(at('2024-11-03T06:30:00Z'))), '2024-11-04T06:30:00.000Z');
  assert.equal(instantsFor(Date.UTC(2024, 2, 10, 2, 30), 'America/New_York').length, 0);
  assert.equal(instantsFor(Date.UTC(2024, 10, 3, 1, 30), 'America/New_York').length, 2);
  // Every-hour schedules keep firing hourly across both transitions.
  const hourly = sched('0 * * * *', 'America/New_York');
  assert.equal(iso(hourly.next(at('2024-11-03T05:00:00Z'))), '2024-11-03T06:00:00.000Z');
});

test('scheduled timestamp annotation and job name', () => {
  assert.equal(rfc3339In(at('2024-01-01T08:00:00Z'), 'Europe/Berlin'), '2024-01-01T09:00:00+01:00');
  assert.equal(rfc3339In(at('2024-01-01T08:00:00Z'), ''), '2024-01-01T08:00:00Z');
  assert.equal(rfc1123z(at('2024-01-01T08:00:00Z')), 'Mon, 01 Jan 2024 08:00:00 +0000');
  const cj = cron({ timeZone: 'Europe/Berlin' });
  const job = jobFromTemplate(cj, at('2024-01-01T08:00:00Z'));
  assert.equal(job.metadata.name, `hello-${at('2024-01-01T08:00:00Z') / 60000}`);
  assert.equal(jobName(cj, at('2024-01-01T08:00:30Z')), job.metadata.name);
  assert.equal(job.metadata.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2024-01-01T09:00:00+01:00');
  assert.equal(job.metadata.labels!.app, 'hello');
  assert.equal(job.metadata.ownerReferences![0]!.kind, 'CronJob');
});

function cron(spec: Partial<ServedCronJob['spec']> = {}, status: ServedCronJob['status'] = {}): ServedCronJob {
  return {
    metadata: { name: 'hello', namespace: 'default', uid: 'cj', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { schedule: '*/5 * * * *', jobTemplate: { metadata: { labels: { app: 'hello' } }, spec: { template: {} as PodTemplateSpec } }, ...spec },
    status,
  };
}

test('most recent missed activation, deadline and too-many-missed', () => {
  const s = sched('*/5 * * * *');
  assert.deepEqual(mostRecentScheduleTime(cron(), at('2024-01-01T00:04:00Z'), s, true), { earliest: at('2024-01-01T00:00:00Z'), missed: 'none' });
  assert.equal(iso(mostRecentScheduleTime(cron(), at('2024-01-01T00:05:10Z'), s, true).mostRecent), '2024-01-01T00:05:00.000Z');
  assert.equal(iso(mostRecentScheduleTime(cron(), at('2024-01-01T00:17:00Z'), s, true).mostRecent), '2024-01-01T00:15:00.000Z');
  const far = mostRecentScheduleTime(cron(), at('2024-01-03T00:01:00Z'), s, true);
  assert.equal(far.missed, 'many');
  assert.equal(iso(far.mostRecent), '2024-01-03T00:00:00.000Z');
  const withDeadline = mostRecentScheduleTime(cron({ startingDeadlineSeconds: 120 }), at('2024-01-03T00:01:30Z'), s, true);
  assert.equal(withDeadline.missed, 'few');
  assert.equal(iso(withDeadline.mostRecent), '2024-01-03T00:00:00.000Z');
  assert.equal(nextScheduleDelay(cron({}, { lastScheduleTime: '2024-01-01T00:05:00Z' }), at('2024-01-01T00:06:00Z'), s), 4 * 60_000 + 100);
});

test('history limits delete the oldest finished jobs', () => {
  const j = (name: string, type: string, start: string) => ({ metadata: { name }, status: { startTime: start, conditions: [{ type, status: 'True' }] } });
  const jobs = [j('a', 'Complete', '2024-01-01T00:00:00Z'), j('b', 'Complete', '2024-01-01T00:05:00Z'), j('c', 'Failed', '2024-01-01T00:01:00Z'), j('d', 'Failed', '2024-01-01T00:02:00Z')];
  assert.deepEqual(jobsToCleanUp(cron({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }), jobs).map((x) => x.metadata.name), ['a', 'c']);
});
