import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bashCompletion, zshCompletion, flagsOf } from './completion.js';
import { findKubectl, splitKubectlArgs } from './kubectl.js';

const commands = {
  start: 'Usage: k8ts start [--timeout SECONDS]\n  --data-dir DIR   x\n  --runtime KIND   y\n  -h, --help\n',
  stop: 'Usage: k8ts stop [--data-dir DIR] [--timeout SECONDS]\n',
  status: 'Usage: k8ts status [--data-dir DIR]\n',
  image: 'Usage: k8ts image COMMAND\n  --name REPO\n',
};

test('flagsOf: every --flag and -x of a help text, once, in order', () => {
  assert.deepEqual(flagsOf(commands.start), ['--timeout', '--data-dir', '--runtime', '-h', '--help']);
  assert.deepEqual(flagsOf('  --service-node-port-range  NodePort range (default 30000-32767)\n  --tls-san NAME'), ['--service-node-port-range', '--tls-san']);
  assert.deepEqual(flagsOf('a value like 30000-32767 or x-y is not a flag'), []);
});

function complete(script: string, words: string[]): string[] {
  const cword = words.length - 1;
  const cmd = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${cword}; _k8ts; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', cwd: tmpdir() });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

test('bash completion: commands, flags per command, flag values, subcommands', { skip: spawnSync('bash', ['--version']).status !== 0 && 'no bash' }, () => {
  const script = bashCompletion(commands);
  assert.deepEqual(complete(script, ['k8ts', 'st']), ['start', 'status', 'stop']);
  assert.deepEqual(complete(script, ['k8ts', 'stop', '--']), ['--data-dir', '--timeout']);
  assert.deepEqual(complete(script, ['k8ts', 'start', '--runtime', '']), ['oci', 'simulated']);
  assert.deepEqual(complete(script, ['k8ts', 'image', 'l']), ['load', 'ls']);
  assert.deepEqual(complete(script, ['k8ts', 've']), ['version']);
});

test('zsh completion wraps the bash function with bashcompinit', () => {
  const z = zshCompletion(commands);
  assert.match(z, /^#compdef k8ts/);
  assert.match(z, /bashcompinit/);
  assert.match(z, /complete -F _k8ts k8ts/);
  const zsh = spawnSync('zsh', ['-n', '-c', z]);
  if (!zsh.error) assert.equal(zsh.status, 0, zsh.stderr?.toString());
});

test('findKubectl: $K8TS_KUBECTL, then PATH, then the bundled .tools/kubectl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-kubectl-test-'));
  try {
    const bin = join(dir, 'bin');
    const root = join(dir, 'root');
    mkdirSync(bin);
    mkdirSync(join(root, '.tools'), { recursive: true });
    assert.equal(findKubectl({ PATH: bin }, root), undefined);
    writeFileSync(join(root, '.tools', 'kubectl'), '#!/bin/sh\n');
    chmodSync(join(root, '.tools', 'kubectl'), 0o755);
    assert.equal(findKubectl({ PATH: bin }, root), join(root, '.tools', 'kubectl'));
    writeFileSync(join(bin, 'kubectl'), '#!/bin/sh\n');
    assert.equal(findKubectl({ PATH: bin }, root), join(root, '.tools', 'kubectl'), 'not executable: skipped');
    chmodSync(join(bin, 'kubectl'), 0o755);
    assert.equal(findKubectl({ PATH: `/nonexistent:${bin}` }, root), join(bin, 'kubectl'));
    assert.equal(findKubectl({ PATH: bin, K8TS_KUBECTL: '/opt/kubectl' }, root), '/opt/kubectl');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('k8ts kubectl: [--data-dir DIR] [--] then kubectl arguments as they are', () => {
  assert.deepEqual(splitKubectlArgs(['get', 'pods', '--data-dir', 'x']), { dataDir: undefined, args: ['get', 'pods', '--data-dir', 'x'] });
  assert.deepEqual(splitKubectlArgs(['--data-dir', '/d', 'get', 'nodes']), { dataDir: '/d', args: ['get', 'nodes'] });
  assert.deepEqual(splitKubectlArgs(['--data-dir=/d', '--', '--help']), { dataDir: '/d', args: ['--help'] });
  assert.deepEqual(splitKubectlArgs(['--', 'version']), { dataDir: undefined, args: ['version'] });
});
