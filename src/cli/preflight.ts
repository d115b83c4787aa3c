// Checks before a server or agent starts, each failure one plain line saying what to do: root and
// the host tools and kernel features the oci runtime needs, ports already taken, a data dir that
// cannot be written or that a newer k8ts wrote. The probes are injectable so tests can fake a host.
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdirPrivate, privateDirProblem, writePrivateFile } from '../util/secure-fs.js';
import { dirname, join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { DATA_FORMAT_VERSION, K8TS_VERSION } from './version.js';
import { runtimeHostProblems, hostRuntimeProbes, type HostProbes } from '../runtime/oci/requirements.js';

export { RUNTIME_TOOLS, runtimeHostProblems } from '../runtime/oci/requirements.js';

export interface PreflightPort {
  port: number;
  /** The flag that picks another port, e.g. `--port`. */
  flag: string;
  /** What listens there, e.g. `API server`. */
  what: string;
  /** Address to try (default 0.0.0.0, which also collides with a listener on any one address). */
  host?: string;
}

export interface PreflightOptions {
  runtime: 'oci' | 'simulated';
  dataDir: string;
  ports: PreflightPort[];
}

export type ListenResult = 'ok' | 'in-use' | 'denied' | { error: string };

/** What preflight looks at on the host; `hostProbes` is the real one. */
export interface PreflightProbes extends HostProbes {
  listen(port: number, host: string): Promise<ListenResult>;
  /** Undefined when dir (or the nearest existing parent that would hold it) is writable, else why not. */
  unwritable(dir: string): string | undefined;
  /** Undefined when dir is missing or private to this user (util/secure-fs.ts), else the one-line reason. */
  notPrivate?(dir: string): string | undefined;
}

export const hostProbes: PreflightProbes = {
  ...hostRuntimeProbes,
  listen: (port, host) =>
    new Promise((done) => {
      const s = createServer();
      s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'EADDRINUSE' ? 'in-use' : e.code === 'EACCES' ? 'denied' : { error: e.code ?? e.message }));
      s.listen({ port, host, exclusive: true }, () => s.close(() => done('ok')));
    }),
  unwritable: (dir) => {
    let d = resolve(dir);
    while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
    try {
      accessSync(d, constants.W_OK | constants.X_OK);
      return undefined;
    } catch (e) {
      return `${d}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    }
  },
  notPrivate: (dir) => privateDirProblem(dir),
};

interface DataVersion {
  format: number;
  k8ts: string;
}

/** The data dir's VERSION record, or undefined when there is none; throws a one-line message when it is garbage. */
export function readDataVersion(dataDir: string, p: Pick<PreflightProbes, 'readFile' | 'exists'> = hostProbes): DataVersion | undefined {
  const path = join(dataDir, 'VERSION');
  if (!p.exists(path)) return undefined;
  const text = p.readFile(path);
  try {
    const v = JSON.parse(text ?? '') as Partial<DataVersion>;
    if (typeof v.format !== 'number' || !Number.isInteger(v.format)) throw new Error('no integer "format"');
    return { format: v.format, k8ts: typeof v.k8ts === 'string' ? v.k8ts : 'unknown' };
  } catch (e) {
    throw new Error(`${path} is not a k8ts version record (${(e as Error).message}): remove it if this data dir is yours, or use another --data-dir`);
  }
}

/** Records that this k8ts wrote the data dir (at server start, after preflight). */
export function writeDataVersion(dataDir: string): void {
  const text = JSON.stringify({ format: DATA_FORMAT_VERSION, k8ts: K8TS_VERSION }) + '\n';
  const path = join(dataDir, 'VERSION');
  if (hostProbes.readFile(path) === text) return;
  mkdirPrivate(dataDir);
  writePrivateFile(path, text);
}

export async function preflight(o: PreflightOptions, probes: PreflightProbes = hostProbes): Promise<string[]> {
  const problems: string[] = [];
  const root = probes.uid() === 0;
  if (o.runtime === 'oci') problems.push(...runtimeHostProblems(probes));

  const why = probes.unwritable(o.dataDir);
  if (why) problems.push(`cannot write the data dir ${o.dataDir} (${why}): pick one you can write with --data-dir`);
  // Whoever can write the data dir can swap the cluster's keys and state: refuse it (fakes without the probe: the real check).
  const unsafe = (probes.notPrivate ?? hostProbes.notPrivate!)(o.dataDir);
  if (unsafe) problems.push(unsafe);
  try {
    const v = readDataVersion(o.dataDir, probes);
    if (v && v.format > DATA_FORMAT_VERSION) {
      problems.push(`the data dir ${o.dataDir} was written by k8ts ${v.k8ts}, newer than this k8ts ${K8TS_VERSION}: upgrade k8ts or use another --data-dir`);
    }
  } catch (e) {
    problems.push((e as Error).message);
  }

  const seen = new Set<number>();
  for (const port of o.ports) {
    if (!(port.port > 0) || seen.has(port.port)) continue;
    seen.add(port.port);
    const r = await probes.listen(port.port, port.host ?? '0.0.0.0');
    if (r === 'ok') continue;
    if (r === 'in-use') problems.push(`port ${port.port} (${port.what}) is already in use: stop what listens there, or pick another port with ${port.flag}`);
    else if (r === 'denied') {
      // Without root the oci runtime already said "run as root".
      if (!(o.runtime === 'oci' && !root)) problems.push(`no permission to listen on port ${port.port} (${port.what}): run as root, or pick a port above 1023 with ${port.flag}`);
    } else problems.push(`cannot listen on port ${port.port} (${port.what}): ${r.error}; pick another port with ${port.flag}`);
  }
  return problems;
}
