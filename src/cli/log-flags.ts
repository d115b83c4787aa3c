// The logging flags every long-running command takes (server, agent): --log-format, -v.
import { configureLogging, type LogFormat } from '../util/log.js';
import { CliError } from './errors.js';

export const logOptions = {
  'log-format': { type: 'string', default: 'text' },
  v: { type: 'string', short: 'v', default: '0' },
} as const;

/** The help lines, their descriptions starting at column `column` (as the command's other flags). */
export function logHelp(column: number): string {
  const line = (flag: string, what: string): string => `  ${flag.padEnd(column - 2)}${what}\n`;
  return line('--log-format FORMAT', 'text (default, klog-like lines) or json (one object a line)') + line('-v, --v N', 'log verbosity: also write messages of level N and below (default 0)');
}

export interface LogFlags {
  logFormat: LogFormat;
  verbosity: number;
}

export function parseLogFlags(values: { 'log-format'?: string; v?: string }): LogFlags {
  const logFormat = values['log-format'] ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new CliError(`--log-format must be text or json, got "${logFormat}"`);
  const verbosity = Number(values.v ?? '0');
  if (!Number.isInteger(verbosity) || verbosity < 0) throw new CliError(`-v must be an integer ≥ 0, got "${values.v}"`);
  return { logFormat, verbosity };
}

export function applyLogFlags(f: LogFlags): void {
  configureLogging({ format: f.logFormat, verbosity: f.verbosity });
}
