/** An error the CLI prints as one plain line (no stack trace), exiting with status 1. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}
