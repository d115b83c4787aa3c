// A throwaway CNCF distribution registry (`docker-registry` from Debian) on 127.0.0.1:<free port>
// for tests and benchmarks, plus a helper to push archives into it with skopeo.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export function registrySkipReason(): string | undefined {
  if (spawnSync('sh', ['-c', 'command -v docker-registry']).status !== 0) return 'docker-registry missing (apt-get install docker-registry)';
  if (spawnSync('sh', ['-c', 'command -v skopeo']).status !== 0) return 'skopeo missing (apt-get install skopeo)';
  return undefined;
}

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  url: string;
  push(archive: string, repoAndTag: string): void;
  stop(): Promise<void>;
}

export async function startRegistry(): Promise<TestRegistry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'k8ts-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  await fs.writeFile(
    config,
    [
      'version: 0.1',
      'log: {level: error, fields: {service: registry}}',
      `storage: {filesystem: {rootdirectory: ${path.join(dir, 'data')}}, delete: {enabled: true}}`,
      `http: {addr: "${host}", headers: {X-Content-Type-Options: [nosniff]}}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    await fs.rm(dir, { recursive: true, force: true });
  };
  const url = `http://${host}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/v2/`);
      if (r.status === 200) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not start: ${stderr.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    url,
    push(archive, repoAndTag) {
      const r = spawnSync('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${host}/${repoAndTag}`], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`skopeo copy failed: ${r.stderr}`);
    },
    stop,
  };
}
