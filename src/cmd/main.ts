// Entry point of the k8ts binary: picks the command, nothing else.
import { runServer, CliError } from '../cli/index.js';
import { runImage } from '../cli/image.js';
import { runService } from '../cli/service.js';

const usage = `k8ts — a small Kubernetes

Usage: k8ts COMMAND [flags]

Commands:
  server      run the control plane (and the local node) in the foreground
  image       load, list and remove images in the node's image store
  service     print the URL that reaches a NodePort or LoadBalancer Service (--url)
  version     print the version

Run 'k8ts COMMAND --help' for a command's flags.
`;

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'server':
      return runServer(rest);
    case 'image':
      return runImage(rest);
    case 'service':
      return runService(rest);
    case 'version':
    case '--version':
      process.stdout.write('k8ts v0.1.0 (Kubernetes API v1.32)\n');
      return;
    case undefined:
    case 'help':
    case '-h':
    case '--help':
      process.stdout.write(usage);
      return;
    default:
      throw new CliError(`unknown command "${cmd}": run 'k8ts --help' for the list of commands`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof CliError) {
    process.stderr.write(`k8ts: ${e.message}\n`);
    process.exit(e.exitCode);
  }
  if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    process.stderr.write(`k8ts: ${e.message}; run with --help for the flags\n`);
    process.exit(1);
  }
  process.stderr.write(`k8ts: unexpected error: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(70);
});
