// Configuration like k3s: a YAML file whose keys are the long flag names, environment variables
// K8TS_<FLAG> (upper snake case), and the command line. Precedence: flags > environment > file >
// defaults. `resolveArgs` turns all three into one argv for node's parseArgs, so every command
// keeps a single options table and a single parser.
//
//   config file: --config FILE, else $K8TS_CONFIG, else <data-dir>/config.yaml if present, else
//                /etc/k8ts/config.yaml if present (<data-dir> from the flag, K8TS_DATA_DIR, or the default)
//   values:      strings and numbers as they are; booleans true/false; lists (or a comma-separated
//                string) for repeatable flags such as disable and tls-san
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { CliError } from './errors.js';

export type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

export interface ResolveOptions {
  /** Where to look when no --config / K8TS_CONFIG is given (default: <data-dir>/config.yaml, /etc/k8ts/config.yaml). */
  defaultConfigPaths?: string[];
  /**
   * Keys a config file may hold besides this command's options; they are accepted and ignored
   * (commands such as `k8ts stop` read `data-dir` from the file the server uses).
   */
  alsoValid?: Iterable<string>;
  /** Names the command in error messages, e.g. `k8ts server`. */
  command?: string;
}

/** Environment variables that also set a flag, besides K8TS_<FLAG> (k3s's K3S_URL). */
const ENV_ALIASES: Record<string, string[]> = { server: ['K8TS_URL'] };

/** Flags that are never read from the environment or a file. */
const NOT_CONFIGURABLE = new Set(['help', 'config']);

export function envNameOf(flag: string): string {
  return 'K8TS_' + flag.toUpperCase().replace(/-/g, '_');
}

/** /var/lib/k8ts as root, ~/.k8ts otherwise (as `k8ts server` picks it). */
/**
 * The default data dir, never under /tmp (where any local user could pre-create it): root →
 * /var/lib/k8ts; anyone else → $XDG_DATA_HOME/k8ts, else ~/.local/share/k8ts — or ~/.k8ts when
 * an older k8ts already made a cluster there.
 */
export function defaultDataDirOf(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.(), home = homedir()): string {
  if (uid === 0) return '/var/lib/k8ts';
  const legacy = join(home, '.k8ts');
  if (existsSync(legacy)) return legacy;
  return join(env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : join(home, '.local', 'share'), 'k8ts');
}

/** Splits argv into the options it sets (long names), with --config taken out. */
function scan(argv: string[], options: ParseArgsOptionsConfig): { present: Set<string>; config?: string; rest: string[]; help: boolean } {
  const withConfig: ParseArgsOptionsConfig = { config: { type: 'string' }, ...options };
  const { tokens } = parseArgs({ args: argv, options: withConfig, strict: true, allowPositionals: true, tokens: true });
  const present = new Set<string>();
  const rest: string[] = [];
  let config: string | undefined;
  let help = false;
  for (const t of tokens) {
    if (t.kind === 'option') {
      if (t.name === 'help') help = true;
      if (t.name === 'config' && !('config' in options)) {
        config = t.value;
        continue;
      }
      if (t.name === 'config') config = t.value;
      present.add(t.name);
      rest.push(t.rawName.startsWith('--') ? `--${t.name}` : t.rawName);
      if (t.value !== undefined) rest.push(t.value);
    } else if (t.kind === 'positional') rest.push(t.value);
    else rest.push('--');
  }
  return { present, config, rest, help };
}

/** The config file to read: explicit, from the environment, or the first default that exists. */
export function configFileFor(argvConfig: string | undefined, dataDir: string | undefined, env: NodeJS.ProcessEnv = process.env, defaults?: string[]): { path: string; explicit: boolean } | undefined {
  const explicit = argvConfig ?? env.K8TS_CONFIG;
  if (explicit) return { path: explicit, explicit: true };
  const candidates = defaults ?? [join(dataDir ?? env.K8TS_DATA_DIR ?? defaultDataDirOf(), 'config.yaml'), '/etc/k8ts/config.yaml'];
  const found = candidates.find((p) => existsSync(p));
  return found ? { path: found, explicit: false } : undefined;
}

/** Reads a config file into flag → values (as strings); unknown keys are an error naming the key and the file. */
export function readConfigFile(path: string, options: ParseArgsOptionsConfig, alsoValid: Iterable<string> = [], command = 'k8ts'): Map<string, string[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read the config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new CliError(`${path} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const out = new Map<string, string[]>();
  if (doc === null || doc === undefined) return out;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new CliError(`${path} must be a YAML mapping of flag names to values (like "data-dir: /var/lib/k8ts")`);
  const extra = new Set(alsoValid);
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const opt = options[key];
    if (!opt || NOT_CONFIGURABLE.has(key)) {
      if (extra.has(key) && !NOT_CONFIGURABLE.has(key)) continue;
      throw new CliError(`unknown key "${key}" in ${path}: the keys are the long flags of ${command} (see ${command} --help)`);
    }
    const list = Array.isArray(value) ? value : [value];
    if (Array.isArray(value) && !opt.multiple) throw new CliError(`"${key}" in ${path} takes one value, not a list`);
    const strings: string[] = [];
    for (const v of list) {
      if (opt.type === 'boolean') {
        if (typeof v !== 'boolean') throw new CliError(`"${key}" in ${path} must be true or false`);
        if (v) strings.push('true');
      } else {
        if (typeof v !== 'string' && typeof v !== 'number') throw new CliError(`"${key}" in ${path} must be a string${opt.multiple ? ' or a list of strings' : ''}`);
        strings.push(String(v));
      }
    }
    if (strings.length) out.set(key, strings);
  }
  return out;
}

function fromEnv(name: string, opt: ParseArgsOptionsConfig[string], env: NodeJS.ProcessEnv): string[] | undefined {
  for (const v of [env[envNameOf(name)], ...(ENV_ALIASES[name] ?? []).map((a) => env[a])]) {
    if (v === undefined) continue;
    // Inside a pod, Kubernetes defines K8TS_PORT=tcp://10.43.0.7:443 and the like for a Service
    // named k8ts: such service links are never a k8ts setting.
    if (/^(tcp|udp|sctp):\/\//.test(v)) continue;
    if (opt.type === 'boolean') return /^(1|true|yes|on)$/i.test(v.trim()) ? ['true'] : [];
    if (opt.multiple) return v.split(',').map((s) => s.trim()).filter(Boolean);
    return [v];
  }
  return undefined;
}

function toArgv(name: string, opt: ParseArgsOptionsConfig[string], values: string[]): string[] {
  if (opt.type === 'boolean') return values.length ? [`--${name}`] : [];
  return values.flatMap((v) => [`--${name}`, v]);
}

/**
 * The argv to parse with `options`: the command line, then every option it does not set taken
 * from the environment (K8TS_<FLAG>), else from the config file. `--config FILE` is kept only when
 * `options` declares it. With --help nothing is read (a broken file must not hide the help).
 */
export function resolveArgs(argv: string[], options: ParseArgsOptionsConfig, env: NodeJS.ProcessEnv = process.env, o: ResolveOptions = {}): string[] {
  const { present, config, rest, help } = scan(argv, options);
  if (help) return rest;
  const out = [...rest];
  const added = new Set<string>();
  for (const [name, opt] of Object.entries(options)) {
    if (present.has(name) || NOT_CONFIGURABLE.has(name)) continue;
    const v = fromEnv(name, opt, env);
    if (v === undefined) continue;
    out.push(...toArgv(name, opt, v));
    added.add(name);
  }
  const dataDirFlag = argvValue(out, 'data-dir');
  const file = configFileFor(config, dataDirFlag, env, o.defaultConfigPaths);
  if (file) {
    if (!existsSync(file.path)) throw new CliError(`the config file ${file.path} does not exist`);
    for (const [name, values] of readConfigFile(file.path, options, o.alsoValid, o.command)) {
      if (present.has(name) || added.has(name)) continue;
      out.push(...toArgv(name, options[name], values));
    }
  }
  return out;
}

/** The value of a string flag in an argv (last one wins, as parseArgs does), or undefined. */
export function argvValue(argv: string[], name: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') break;
    if (argv[i] === `--${name}`) v = argv[++i];
    else if (argv[i].startsWith(`--${name}=`)) v = argv[i].slice(name.length + 3);
  }
  return v;
}

/** The options an argv sets (long names), e.g. to layer it over another argv. */
export function optionsSet(argv: string[], options: ParseArgsOptionsConfig): Set<string> {
  return scan(argv, options).present;
}

/**
 * The data dir a command such as `k8ts stop` works on: its --data-dir flag, else K8TS_DATA_DIR,
 * else `data-dir` of the config file (other keys are not looked at), else the default.
 */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, configFlag?: string): string {
  if (flag) return resolve(flag);
  if (env.K8TS_DATA_DIR) return resolve(env.K8TS_DATA_DIR);
  const file = configFileFor(configFlag, undefined, env);
  if (file && existsSync(file.path)) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(file.path, 'utf8'));
    } catch (e) {
      throw new CliError(`${file.path} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    const v = doc && typeof doc === 'object' ? (doc as Record<string, unknown>)['data-dir'] : undefined;
    if (typeof v === 'string' && v) return resolve(v);
  }
  return defaultDataDirOf();
}
