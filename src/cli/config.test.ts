import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveArgs, resolveDataDir, envNameOf, readConfigFile, type ParseArgsOptionsConfig } from './config.js';
import { CliError } from './errors.js';

const options = {
  'data-dir': { type: 'string' },
  datastore: { type: 'string', default: 'sqlite' },
  'node-name': { type: 'string' },
  port: { type: 'string', default: '6443' },
  disable: { type: 'string', multiple: true },
  'tls-san': { type: 'string', multiple: true },
  verbose: { type: 'boolean' },
  server: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsOptionsConfig;

const dir = mkdtempSync(join(tmpdir(), 'k8ts-config-test-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const parse = (argv: string[]) => parseArgs({ args: argv, options, strict: true }).values;
const none: string[] = [join(dir, 'does-not-exist.yaml')];

test('envNameOf: K8TS_ and upper snake case', () => {
  assert.equal(envNameOf('data-dir'), 'K8TS_DATA_DIR');
  assert.equal(envNameOf('node-name'), 'K8TS_NODE_NAME');
});

test('precedence: flags > environment > config file > defaults', () => {
  const cfg = file('prec.yaml', 'datastore: memory\nnode-name: from-file\nport: 7000\n');
  const env = { K8TS_NODE_NAME: 'from-env', K8TS_CONFIG: cfg };
  const v = parse(resolveArgs(['--port', '8000'], options, env));
  assert.equal(v.port, '8000', 'flag wins');
  assert.equal(v['node-name'], 'from-env', 'environment beats the file');
  assert.equal(v.datastore, 'memory', 'the file beats the default');
  const d = parse(resolveArgs([], options, {}, { defaultConfigPaths: none }));
  assert.equal(d.datastore, 'sqlite', 'defaults last');
  assert.equal(d.port, '6443');
});

test('--config FILE is read and taken out when the command has no config option', () => {
  const cfg = file('explicit.yaml', 'node-name: n1\n');
  const argv = resolveArgs(['--config', cfg, '--port=1'], options, {});
  assert.deepEqual(argv, ['--port', '1', '--node-name', 'n1']);
  const withConfig = { ...options, config: { type: 'string' } } satisfies ParseArgsOptionsConfig;
  assert.deepEqual(resolveArgs([`--config=${cfg}`], withConfig, {}), ['--config', cfg, '--node-name', 'n1'], 'kept when declared');
});

test('default config files: <data-dir>/config.yaml first, then the next default', () => {
  const dd = mkdtempSync(join(dir, 'dd-'));
  writeFileSync(join(dd, 'config.yaml'), 'node-name: in-data-dir\n');
  const other = file('etc.yaml', 'node-name: etc\ndatastore: memory\n');
  assert.equal(parse(resolveArgs(['--data-dir', dd], options, {})).datastore, 'sqlite');
  assert.equal(parse(resolveArgs(['--data-dir', dd], options, {}))['node-name'], 'in-data-dir');
  assert.equal(parse(resolveArgs([], options, { K8TS_DATA_DIR: dd }))['node-name'], 'in-data-dir', 'data dir from the environment');
  assert.equal(parse(resolveArgs([], options, {}, { defaultConfigPaths: [join(dir, 'nope.yaml'), other] }))['node-name'], 'etc');
});

test('lists: a YAML list or a comma string for repeatable flags; env splits on commas', () => {
  const a = file('list.yaml', 'disable:\n  - dns\n  - ingress\ntls-san: [a.example, 10.0.0.1]\n');
  assert.deepEqual(parse(resolveArgs(['--config', a], options, {})).disable, ['dns', 'ingress']);
  assert.deepEqual(parse(resolveArgs(['--config', a], options, {}))['tls-san'], ['a.example', '10.0.0.1']);
  const b = file('comma.yaml', 'disable: dns,ingress\n');
  assert.deepEqual(parse(resolveArgs(['--config', b], options, {})).disable, ['dns,ingress'], 'passed as given; the server splits commas');
  assert.deepEqual(parse(resolveArgs([], options, { K8TS_DISABLE: 'dns, servicelb' }, { defaultConfigPaths: none })).disable, ['dns', 'servicelb']);
  assert.deepEqual(parse(resolveArgs(['--disable', 'agent', '--config', a], options, {})).disable, ['agent'], 'flags replace the whole list');
});

test('booleans and numbers', () => {
  const f = file('bool.yaml', 'verbose: true\nport: 9443\n');
  const v = parse(resolveArgs(['--config', f], options, {}));
  assert.equal(v.verbose, true);
  assert.equal(v.port, '9443');
  assert.equal(parse(resolveArgs([], options, { K8TS_VERBOSE: 'false' }, { defaultConfigPaths: none })).verbose, undefined);
  assert.equal(parse(resolveArgs([], options, { K8TS_VERBOSE: '1' }, { defaultConfigPaths: none })).verbose, true);
  const bad = file('bad-bool.yaml', 'verbose: yes please\n');
  assert.throws(() => resolveArgs(['--config', bad], options, {}), /"verbose" in .* must be true or false/);
});

test('Kubernetes service links (K8TS_PORT=tcp://…) are not settings', () => {
  assert.equal(parse(resolveArgs([], options, { K8TS_PORT: 'tcp://10.43.0.7:443' }, { defaultConfigPaths: none })).port, '6443');
});

test('K8TS_URL sets --server (like K3S_URL), K8TS_TOKEN sets --token', () => {
  const v = parse(resolveArgs([], options, { K8TS_URL: 'https://10.0.0.1:6443', K8TS_TOKEN: 'K10::abc' }, { defaultConfigPaths: none }));
  assert.equal(v.server, 'https://10.0.0.1:6443');
  assert.equal(v.token, 'K10::abc');
});

test('unknown keys in the file are an error naming the key and the file', () => {
  const f = file('unknown.yaml', 'data-dir: /x\nnode-nmae: typo\n');
  assert.throws(
    () => resolveArgs(['--config', f], options, {}, { command: 'k8ts server' }),
    (e: unknown) => e instanceof CliError && e.message.includes('"node-nmae"') && e.message.includes(f) && e.message.includes('k8ts server --help'),
  );
  assert.throws(() => resolveArgs(['--config', file('help.yaml', 'help: true\n')], options, {}), /unknown key "help"/);
  // Keys of other commands may be allowed explicitly: accepted and ignored.
  const g = file('other.yaml', 'node-name: n\nruntime: oci\n');
  assert.deepEqual(resolveArgs(['--config', g], options, {}, { alsoValid: ['runtime'] }), ['--node-name', 'n']);
});

test('a file that is not a mapping, not YAML, or missing says so', () => {
  assert.throws(() => resolveArgs(['--config', file('list-top.yaml', '- a\n- b\n')], options, {}), /must be a YAML mapping/);
  assert.throws(() => resolveArgs(['--config', file('broken.yaml', 'a: [\n')], options, {}), /is not valid YAML/);
  assert.throws(() => resolveArgs(['--config', join(dir, 'missing.yaml')], options, {}), /does not exist/);
  assert.throws(() => readConfigFile(file('list-value.yaml', 'port: [1, 2]\n'), options), /takes one value, not a list/);
  assert.deepEqual(resolveArgs(['--config', file('empty.yaml', '')], options, {}), []);
});

test('--help short-circuits: a broken config file must not hide the help', () => {
  const f = file('broken-help.yaml', 'nope: 1\n');
  assert.deepEqual(resolveArgs(['--help'], options, { K8TS_CONFIG: f }), ['--help']);
  assert.deepEqual(resolveArgs(['-h'], options, { K8TS_CONFIG: f }), ['-h']);
});

test('unknown flags still fail like parseArgs does', () => {
  assert.throws(() => resolveArgs(['--nope'], options, {}), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION');
});

test('resolveDataDir: flag, environment, config file, default', () => {
  assert.equal(resolveDataDir('/a/b', { K8TS_DATA_DIR: '/c' }), '/a/b');
  assert.equal(resolveDataDir(undefined, { K8TS_DATA_DIR: '/c' }), '/c');
  const f = file('dd.yaml', 'data-dir: /from/file\nruntime: simulated\n');
  assert.equal(resolveDataDir(undefined, { K8TS_CONFIG: f }), '/from/file', 'other keys are not looked at');
  assert.match(resolveDataDir(undefined, { K8TS_CONFIG: file('no-dd.yaml', 'runtime: oci\n') }), /k8ts$/);
});
