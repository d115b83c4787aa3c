// `k8ts image load FILE | ls | rm REF`: through the running agent's control socket when there
// is one, else directly on the store in the data dir.
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CliError } from './errors.js';
import { defaultDataDir } from './server.js';
import type { ImageInfo } from '../runtime/index.js';

export const imageHelp = `Usage: k8ts image COMMAND [flags]

Commands:
  load FILE [--name REPO]   load a docker-archive or OCI archive (tar) into the node's image store
  ls                        list images
  rm REF...                 remove images (by reference or id)

Flags:
  --data-dir DIR            the server's data dir (default /var/lib/k8ts as root, ~/.k8ts otherwise)
`;

function humanSize(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}kB`;
  return `${n}B`;
}

export async function runImage(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { 'data-dir': { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  const [cmd, ...args] = positionals;
  if (values.help || !cmd) {
    process.stdout.write(imageHelp);
    return;
  }
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const socket = join(dataDir, 'images.sock');
  const { callImageControl, OciImageService, familiarName } = await import('../runtime/images/index.js');
  type Service = Awaited<ReturnType<typeof OciImageService.open>>;
  let direct: Service | undefined;
  const local = async (): Promise<Service> => (direct ??= await OciImageService.open({ root: join(dataDir, 'images') }));
  switch (cmd) {
    case 'load': {
      if (args.length !== 1) throw new CliError('usage: k8ts image load FILE');
      const file = resolve(args[0]);
      if (!existsSync(file)) throw new CliError(`${args[0]}: no such file`);
      try {
        const loaded = (await callImageControl<ImageInfo[]>(socket, 'POST', '/load', { path: file, name: values.name })) ?? (await (await local()).loadArchive(file, { name: values.name }));
        for (const img of loaded) process.stdout.write(`Loaded image: ${img.repoTags.map((t: string) => familiarName(t)).join(', ') || img.id}\n`);
      } catch (e) {
        throw new CliError(`cannot load ${args[0]}: ${(e as Error).message}`);
      }
      return;
    }
    case 'ls': {
      const list = (await callImageControl<ImageInfo[]>(socket, 'GET', '/images')) ?? (await (await local()).listImages());
      const rows = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
      for (const img of list) {
        const tags = img.repoTags.length ? img.repoTags : ['<none>:<none>'];
        for (const t of tags) {
          const i = t.lastIndexOf(':');
          rows.push([t.slice(0, i), t.slice(i + 1), img.id.replace('sha256:', '').slice(0, 13), humanSize(img.sizeBytes)]);
        }
      }
      const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
      for (const r of rows) process.stdout.write(r.map((cell, c) => cell.padEnd(w[c] + 3)).join('').trimEnd() + '\n');
      return;
    }
    case 'rm': {
      if (!args.length) throw new CliError('usage: k8ts image rm REF...');
      for (const ref of args) {
        try {
          const viaSocket = await callImageControl(socket, 'DELETE', `/images?ref=${encodeURIComponent(ref)}`);
          if (viaSocket === undefined) await (await local()).removeImage({ ref });
          process.stdout.write(`Deleted: ${ref}\n`);
        } catch (e) {
          throw new CliError(`cannot remove ${ref}: ${(e as Error).message}`);
        }
      }
      return;
    }
    default:
      throw new CliError(`unknown image command "${cmd}": use load, ls or rm`);
  }
}
