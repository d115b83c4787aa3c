// SIGINT/SIGTERM for the long-running commands (server, agent): run the shutdown once, then exit.
export function onShutdownSignals(log: (msg: string) => void, shutdown: () => Promise<void>): void {
  let stopping = false;
  const stop = async (sig: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`${sig} received, shutting down`);
    await shutdown().catch((e: Error) => log(`shutdown: ${e.message}`));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
