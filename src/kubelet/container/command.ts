// The argv a container runs, as upstream's kuberuntime (and Docker) decide it:
//   command set          → command + args            (image Entrypoint and Cmd are ignored)
//   only args set        → image Entrypoint + args   (args replace the image Cmd)
//   neither              → image Entrypoint + image Cmd
// `$(VAR)` references in command and args are expanded with the container's environment.
import type { ImageConfig } from '../../runtime/index.js';
import type { Container } from '../../api/types/index.js';
import { expand, type Mapping } from './expansion.js';

export function containerArgv(c: Readonly<Container>, image: Readonly<ImageConfig>, env: Mapping): string[] {
  const command = (c.command ?? []).map((s) => expand(s, env));
  const args = (c.args ?? []).map((s) => expand(s, env));
  const entrypoint = image.Entrypoint ?? [];
  const cmd = image.Cmd ?? [];
  if (command.length > 0) return [...command, ...args];
  if (args.length > 0) return [...entrypoint, ...args];
  return [...entrypoint, ...cmd];
}
