// `k8ts completion bash|zsh`: a shell completion script for the commands and their flags. The
// flags are read from each command's --help text, so the script follows the commands.
import { CliError } from './errors.js';

export const completionHelp = `Usage: k8ts completion bash|zsh

Prints a completion script for k8ts commands and flags. Load it in the current shell with
  source <(k8ts completion bash)        # or: source <(k8ts completion zsh)
or install it, e.g. k8ts completion bash > /etc/bash_completion.d/k8ts
`;

/** Flag values worth completing; path-valued flags complete file or directory names. */
const VALUES: Record<string, string> = {
  '--runtime': 'oci simulated',
  '--datastore': 'sqlite memory etcd://',
  '--pod-network': 'bridge cni',
  '--disable': 'agent proxy dns ingress servicelb controllers scheduler',
  '--output': 'text json',
  '-o': 'text json',
};
const DIRS = ['--data-dir'];
const FILES = ['--config', '--write-kubeconfig', '--kubeconfig', '--etcd-cafile', '--etcd-certfile', '--etcd-keyfile'];
const SUBCOMMANDS: Record<string, string> = { image: 'load ls rm', completion: 'bash zsh', 'etcd-snapshot': 'save restore', 'etcd-member': 'list remove' };

/** Every `--flag` (and `-x` short flag) a help text mentions, in order of appearance. */
export function flagsOf(help: string): string[] {
  const out = new Set<string>();
  for (const m of help.matchAll(/(?:^|[\s[,|(])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?=[\s=\],|)]|$)/gm)) out.add(m[1]);
  return [...out];
}

function word(s: string): string {
  if (!/^[A-Za-z0-9_.:/=@+-]*$/.test(s)) throw new Error(`not a plain word: ${s}`);
  return s;
}

/** The bash completion script for `commands` (name → help text). */
export function bashCompletion(commands: Record<string, string>): string {
  const names = Object.keys(commands).map(word).join(' ');
  const flagCases = Object.entries(commands)
    .map(([name, help]) => `    ${word(name)}) flags="${flagsOf(help).map(word).join(' ')}" ;;`)
    .join('\n');
  const valueCases = Object.entries(VALUES)
    .map(([flag, values]) => `    ${flag}) COMPREPLY=($(compgen -W "${values}" -- "$cur")); return ;;`)
    .join('\n');
  const subCases = Object.entries(SUBCOMMANDS)
    .map(([cmd, subs]) => `    ${cmd}) if [ "$COMP_CWORD" -eq 2 ]; then COMPREPLY=($(compgen -W "${subs}" -- "$cur")); return; fi ;;`)
    .join('\n');
  return `# bash completion for k8ts: source <(k8ts completion bash)
_k8ts() {
  local cur prev cmd flags
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${names} help version" -- "$cur"))
    return
  fi
  case "$prev" in
${valueCases}
    ${DIRS.join('|')}) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    ${FILES.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  case "$cmd" in
${subCases}
    kubectl) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  case "$cmd" in
${flagCases}
    *) flags="--help" ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _k8ts k8ts
`;
}

/** zsh runs the bash function through bashcompinit. */
export function zshCompletion(commands: Record<string, string>): string {
  return `#compdef k8ts
# zsh completion for k8ts: source <(k8ts completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(commands).split('\n').slice(1).join('\n')}`;
}

export async function runCompletion(argv: string[], commands: () => Promise<Record<string, string>>): Promise<void> {
  const shell = argv[0];
  if (!shell || shell === '-h' || shell === '--help') return void process.stdout.write(completionHelp);
  if (shell !== 'bash' && shell !== 'zsh') throw new CliError(`k8ts completion: unknown shell "${shell}": bash or zsh`);
  const c = await commands();
  process.stdout.write(shell === 'bash' ? bashCompletion(c) : zshCompletion(c));
}
