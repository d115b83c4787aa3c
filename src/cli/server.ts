// `k8ts server`: everything in one process, in the foreground.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { openStore } from '../storage/index.js';
import { startApiServer, adminKubeconfig } from '../apiserver/index.js';
import { CliError } from './errors.js';

export const serverHelp = `Usage: k8ts server [flags]

Runs the control plane (API server) in the foreground.

Flags:
  --data-dir DIR             state, certificates and kubeconfig (default /var/lib/k8ts as root, ~/.k8ts otherwise)
  --port PORT                HTTPS port of the API server (default 6443)
  --bind-address ADDR        address to listen on (default 0.0.0.0)
  --write-kubeconfig FILE    write the admin kubeconfig here too (default <data-dir>/kubeconfig.yaml)
  --datastore KIND           sqlite (default), memory, or etcd://HOST:PORT,...
  --service-cidr CIDR        Service IP range (default 10.43.0.0/16)
  --service-node-port-range  NodePort range (default 30000-32767)
  --tls-san NAME             extra name or IP for the serving certificate (repeatable)
  --default-watch-cache-size N  fixed number of events kept per resource for resuming watches
                             (default: the last 75 s, at least 1024, at most 102400)
  -h, --help                 show this help
`;

export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/k8ts' : join(homedir(), '.k8ts');
}

export async function runServer(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string', default: '6443' },
      'bind-address': { type: 'string', default: '0.0.0.0' },
      'write-kubeconfig': { type: 'string' },
      datastore: { type: 'string', default: 'sqlite' },
      'service-cidr': { type: 'string', default: '10.43.0.0/16' },
      'service-node-port-range': { type: 'string', default: '30000-32767' },
      'tls-san': { type: 'string', multiple: true },
      'default-watch-cache-size': { type: 'string' },
      runtime: { type: 'string' },
      'simulated-nodes': { type: 'string' },
      disable: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(serverHelp);
    return;
  }
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a number between 0 and 65535, got "${values.port}"`);
  const m = /^(\d+)-(\d+)$/.exec(values['service-node-port-range']!);
  if (!m || Number(m[1]) > Number(m[2])) throw new CliError(`--service-node-port-range must look like 30000-32767, got "${values['service-node-port-range']}"`);
  if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(values['service-cidr']!)) throw new CliError(`--service-cidr must be an IPv4 CIDR like 10.43.0.0/16, got "${values['service-cidr']}"`);
  const wcs = Number(values['default-watch-cache-size'] ?? 1);
  if (!Number.isInteger(wcs) || wcs < 1) throw new CliError(`--default-watch-cache-size must be a positive integer, got "${values['default-watch-cache-size']}"`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let store;
  try {
    store = openStore(values.datastore!, dataDir);
  } catch (e) {
    throw new CliError(`cannot open the ${values.datastore} datastore in ${dataDir}: ${(e as Error).message}`);
  }
  const t0 = performance.now();
  let api;
  try {
    api = await startApiServer({
      store,
      dataDir,
      port,
      bindAddress: values['bind-address']!,
      serviceCIDR: values['service-cidr']!,
      nodePortRange: { from: Number(m[1]), to: Number(m[2]) },
      tlsSANs: values['tls-san'],
      watchCacheSize: values['default-watch-cache-size'] ? Number(values['default-watch-cache-size']) : undefined,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new CliError(`port ${port} is already in use: stop the other server or pick another port with --port`);
    if (err.code === 'EACCES') throw new CliError(`no permission to listen on port ${port}: run as root or use a port above 1024`);
    throw e;
  }
  const kubeconfig = adminKubeconfig(api.url, api.pki);
  const kcPaths = [join(dataDir, 'kubeconfig.yaml')];
  if (values['write-kubeconfig']) kcPaths.push(values['write-kubeconfig']);
  for (const p of kcPaths) {
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, kubeconfig, { mode: 0o600 });
  }
  process.stderr.write(`k8ts server: API server listening on ${api.url} (ready in ${Math.round(performance.now() - t0)} ms)\n`);
  process.stderr.write(`k8ts server: kubeconfig written to ${kcPaths.join(', ')}\n`);
  void existsSync;

  let stopping = false;
  const stop = async (sig: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`k8ts server: ${sig} received, shutting down\n`);
    await api.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
