import { parseArgs, type ParseArgsConfig } from 'node:util';

/** An error the CLI prints as one plain line (no stack trace), exiting with status 1. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

/** True for the errors node:util's parseArgs throws for bad flags (unknown, missing value, …). */
export function isFlagError(e: unknown): e is Error {
  return e instanceof Error && /^ERR_PARSE_ARGS_/.test((e as NodeJS.ErrnoException).code ?? '');
}

/** parseArgs for `k8ts COMMAND`: a bad flag is one line pointing at the command's --help. */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, config: T, exitCode = 1): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    if (isFlagError(e)) throw new CliError(`${e.message}; run 'k8ts ${command} --help' for the flags`, exitCode);
    throw e;
  }
}
