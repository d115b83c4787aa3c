export { runServer, serverHelp, defaultDataDir } from './server.js';
export { CliError } from './errors.js';
