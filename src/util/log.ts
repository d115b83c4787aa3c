// One levelled logger for every part of k8ts, klog-shaped:
//
//   I1206 14:40:00.123456   4242 controllers] deployment: reconcile default/web failed: …
//   │└─┬┘ └──────┬──────┘   └┬─┘ └────┬────┘
//   │ month/day  time         pid    logger name
//   severity: I info, W warning, E error
//
// `--log-format json` writes one JSON object a line instead ({"ts","level","v","logger","msg"}).
// `-v N` enables `log.v(n, …)` lines with n ≤ N (klog's verbosity). The configuration is
// process-wide state set once at start (and passed to each event loop's worker), so callers
// only name themselves: `const log = logger('kubelet')`.

export type LogFormat = 'text' | 'json';
export interface LogConfig {
  format: LogFormat;
  verbosity: number;
}

const config: LogConfig = { format: 'text', verbosity: 0 };
let sink: (line: string) => void = (line) => void process.stderr.write(line);

export function configureLogging(c: Partial<LogConfig>): void {
  if (c.format !== undefined) config.format = c.format;
  if (c.verbosity !== undefined) config.verbosity = c.verbosity;
}

export function logConfig(): LogConfig {
  return { ...config };
}

/** Replaces where lines go (tests capture them); returns the previous sink. */
export function setLogSink(s: (line: string) => void): (line: string) => void {
  const prev = sink;
  sink = s;
  return prev;
}

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** Info at verbosity n: written only with `-v n` or more. */
  v(n: number, msg: string): void;
  enabled(n: number): boolean;
  child(name: string): Logger;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function textLine(sev: 'I' | 'W' | 'E', name: string, msg: string, now: Date): string {
  const us = pad(now.getUTCMilliseconds(), 3) + '000';
  return `${sev}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())} ${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}.${us} ${String(process.pid).padStart(7)} ${name}] ${msg}\n`;
}

function write(sev: 'I' | 'W' | 'E', v: number, name: string, msg: string): void {
  const now = new Date();
  if (config.format === 'json') {
    const level = sev === 'I' ? 'info' : sev === 'W' ? 'warning' : 'error';
    sink(JSON.stringify({ ts: now.toISOString(), level, v, logger: name, msg }) + '\n');
  } else sink(textLine(sev, name, msg, now));
}

export function logger(name: string): Logger {
  return {
    info: (msg) => write('I', 0, name, msg),
    warn: (msg) => write('W', 0, name, msg),
    error: (msg) => write('E', 0, name, msg),
    v: (n, msg) => {
      if (n <= config.verbosity) write('I', n, name, msg);
    },
    enabled: (n) => n <= config.verbosity,
    child: (sub) => logger(`${name}/${sub}`),
  };
}

/** The message of an unknown thrown value, on one line. */
export function errorMessage(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
}
