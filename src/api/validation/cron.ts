// Standard 5-field cron schedules as CronJob accepts them (robfig/cron ParseStandard):
// minute hour day-of-month month day-of-week, with `*`, `?`, lists, ranges, steps, month
// and weekday names, and the @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly
// and `@every <duration>` descriptors. Returns an error message or undefined.

interface Bounds { min: number; max: number; names?: ReadonlyMap<string, number> }

const MONTHS = new Map(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((m, i) => [m, i + 1]));
const DAYS = new Map(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d, i) => [d, i]));
const FIELDS: readonly Bounds[] = [
  { min: 0, max: 59 }, { min: 0, max: 23 }, { min: 1, max: 31 }, { min: 1, max: 12, names: MONTHS }, { min: 0, max: 6, names: DAYS },
];
const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const DURATION_RE = /^([0-9]*(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$/;
const INT_RE = /^[+-]?[0-9]+$/;
const WS_RE = /\s+/;

function parseInt10(s: string): number | string {
  if (!INT_RE.test(s)) return `failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;
  const n = Number(s);
  if (n < 0) return `negative number (${n}) not allowed: ${s}`;
  return n;
}

function parseValue(s: string, b: Bounds): number | string {
  const named = b.names?.get(s.toLowerCase());
  return named !== undefined ? named : parseInt10(s);
}

function checkRange(expr: string, b: Bounds): string | undefined {
  const slash = expr.split('/');
  if (slash.length > 2) return `too many slashes: ${expr}`;
  const hyphen = slash[0]!.split('-');
  if (hyphen.length > 2) return `too many hyphens: ${expr}`;
  let start: number;
  let end: number;
  if (hyphen[0] === '*' || hyphen[0] === '?') {
    if (hyphen.length > 1) return `failed to parse int from ${hyphen[0]}: strconv.Atoi: parsing ${JSON.stringify(hyphen[0])}: invalid syntax`;
    start = b.min; end = b.max;
  } else {
    const s = parseValue(hyphen[0]!, b);
    if (typeof s === 'string') return s;
    start = s;
    if (hyphen.length === 2) {
      const e = parseValue(hyphen[1]!, b);
      if (typeof e === 'string') return e;
      end = e;
    } else end = start;
  }
  if (slash.length === 2) {
    const step = parseInt10(slash[1]!);
    if (typeof step === 'string') return step;
    if (step <= 0) return `step of range should be a positive number: ${expr}`;
    if (hyphen.length === 1 && hyphen[0] !== '*' && hyphen[0] !== '?') end = b.max;
  }
  if (start < b.min) return `beginning of range (${start}) below minimum (${b.min}): ${expr}`;
  if (end > b.max) return `end of range (${end}) above maximum (${b.max}): ${expr}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`;
  return undefined;
}

/** Undefined when `spec` parses; otherwise robfig/cron's error text. */
export function cronScheduleError(specInput: string): string | undefined {
  let spec = specInput.trim();
  if (spec.length === 0) return 'empty spec string';
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const sp = spec.indexOf(' ');
    if (sp < 0) return 'missing spec after TZ';
    spec = spec.slice(sp + 1).trim();
  }
  if (spec.startsWith('@')) {
    if (DESCRIPTORS.has(spec)) return undefined;
    if (spec.startsWith('@every ')) {
      const d = spec.slice(7).trim();
      return DURATION_RE.test(d) ? undefined : `failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(d)}`;
    }
    return `unrecognized descriptor: ${spec}`;
  }
  const fields = spec.split(WS_RE);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: ${spec}`;
  for (let i = 0; i < 5; i++) {
    for (const part of fields[i]!.split(',')) {
      const err = checkRange(part, FIELDS[i]!);
      if (err) return err;
    }
  }
  return undefined;
}

const tzCache = new Map<string, string | undefined>();

/** Undefined for a valid IANA zone name; otherwise Go's `unknown time zone X`. */
export function timeZoneError(tz: string): string | undefined {
  if (tzCache.has(tz)) return tzCache.get(tz);
  let err: string | undefined;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
    // Intl is case-insensitive; zone files are not.
    if (resolved.toLowerCase() === tz.toLowerCase() && resolved !== tz) err = `unknown time zone ${tz}`;
  } catch {
    err = `unknown time zone ${tz}`;
  }
  if (tzCache.size > 1000) tzCache.clear();
  tzCache.set(tz, err);
  return err;
}
