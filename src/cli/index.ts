export { runServer, serverHelp, defaultDataDir } from './server.js';
export { CliError, isFlagError } from './errors.js';
