// Cron schedules as the CronJob controller reads them (robfig/cron ParseStandard): five
// fields `minute hour day-of-month month day-of-week`, with `*`, `?`, lists, ranges, steps
// and month/weekday names; the descriptors @yearly/@annually, @monthly, @weekly, @daily/
// @midnight, @hourly; and `@every <duration>`. Validation messages come from
// src/api/validation (cronScheduleError); this file turns a valid spec into a schedule.
//
// next() walks wall-clock time in the schedule's zone like robfig does on real instants:
// a time that falls in a spring-forward gap is skipped, a time in a fall-back overlap runs
// once for each of its two instants.
import { cronScheduleError } from '../../api/validation/index.js';
import { instantsFor, naiveAt } from './tz.js';

export interface Schedule {
  /** The first activation strictly after `after` (ms), or undefined if none within 5 years. */
  next(after: number): number | undefined;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const BOUNDS: readonly [number, number, string[]?][] = [[0, 59], [0, 23], [1, 31], [1, 12, MONTHS], [0, 6, DAYS]];
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const DAY_MS = 86_400_000;
const YEARS_LIMIT = 5;

interface Field { set: boolean[]; star: boolean }

function parseField(expr: string, [min, max, names]: readonly [number, number, string[]?]): Field {
  const set = new Array<boolean>(max + 1).fill(false);
  let star = false;
  const val = (s: string): number => {
    const i = names?.indexOf(s.toLowerCase()) ?? -1;
    return i >= 0 ? i + (min === 1 ? 1 : 0) : Number(s);
  };
  for (const part of expr.split(',')) {
    const [range, stepStr] = part.split('/');
    const step = stepStr === undefined ? 1 : Number(stepStr);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = min; hi = max;
      if (step === 1) star = true;
    } else {
      const [a, b] = range!.split('-');
      lo = val(a!);
      hi = b !== undefined ? val(b) : stepStr !== undefined ? max : lo;
    }
    for (let v = lo; v <= hi; v += step) set[v] = true;
  }
  return { set, star };
}

class CronSchedule implements Schedule {
  constructor(private readonly f: Field[], private readonly tz: string) {}

  private dayMatches(d: Date): boolean {
    const dom = this.f[2]!.set[d.getUTCDate()]!;
    const dow = this.f[4]!.set[d.getUTCDay()]!;
    return this.f[2]!.star || this.f[4]!.star ? dom && dow : dom || dow;
  }

  /** First matching wall-clock minute at or after naive time `from`. */
  private nextNaive(from: number, limit: number): number | undefined {
    let day = Math.floor(from / DAY_MS) * DAY_MS;
    let minuteOfDay = Math.ceil((from - day) / 60000);
    for (; day <= limit; day += DAY_MS, minuteOfDay = 0) {
      const d = new Date(day);
      if (!this.f[3]!.set[d.getUTCMonth() + 1] || !this.dayMatches(d)) continue;
      for (let h = Math.floor(minuteOfDay / 60); h < 24; h++) {
        if (!this.f[1]!.set[h]) continue;
        const m0 = h === Math.floor(minuteOfDay / 60) ? minuteOfDay % 60 : 0;
        for (let m = m0; m < 60; m++) if (this.f[0]!.set[m]) return day + h * 3600_000 + m * 60000;
      }
    }
    return undefined;
  }

  next(after: number): number | undefined {
    const start = naiveAt(after, this.tz) - 3 * 3600_000; // offsets differ by less than 3 h across a transition
    const limit = start + (YEARS_LIMIT * 366 + 1) * DAY_MS;
    let best: number | undefined;
    let bestNaive = Infinity;
    for (let n = this.nextNaive(start, limit); n !== undefined && n <= bestNaive + 3 * 3600_000; n = this.nextNaive(n + 60000, limit)) {
      for (const t of instantsFor(n, this.tz)) {
        if (t > after && (best === undefined || t < best)) { best = t; bestNaive = Math.min(bestNaive, n); }
      }
    }
    return best;
  }
}

class EverySchedule implements Schedule {
  constructor(private readonly delayMs: number) {}
  next(after: number): number {
    return Math.floor(after / 1000) * 1000 + this.delayMs;
  }
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600_000 };

/** Go's time.ParseDuration, in ms (no sign). */
export function parseGoDuration(s: string): number | undefined {
  const re = /([0-9]*(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  if (s === '0') return 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m[1] === '' || m[1] === '.') return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = re.lastIndex;
  }
  return pos === s.length && pos > 0 ? total : undefined;
}

/** A schedule for `spec` in time zone `tz` ('' = UTC), or the parse error message. */
export function parseSchedule(spec: string, tz = ''): Schedule | string {
  const err = cronScheduleError(spec);
  if (err) return err;
  let s = spec.trim();
  if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
    const sp = s.indexOf(' ');
    tz = s.slice(s.indexOf('=') + 1, sp);
    s = s.slice(sp + 1).trim();
  }
  if (s.startsWith('@every ')) {
    const d = parseGoDuration(s.slice(7).trim()) ?? 0;
    return new EverySchedule(Math.max(1000, Math.floor(d / 1000) * 1000));
  }
  const fields = (DESCRIPTORS[s] ?? s).split(/\s+/);
  return new CronSchedule(fields.map((f, i) => parseField(f, BOUNDS[i]!)), tz);
}
