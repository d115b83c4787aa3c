import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { mergeKubeconfig, removeFromKubeconfig, userKubeconfigPath, mergeIntoUserKubeconfig, removeFromUserKubeconfig } from './kubeconfig.js';

function ours(ca = 'Q0EtMQ==', cert = 'Q0VSVC0x', server = 'https://127.0.0.1:6443'): string {
  return `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${ca}
    server: ${server}
  name: k8ts
contexts:
- context:
    cluster: k8ts
    user: k8ts-admin
  name: k8ts
current-context: k8ts
preferences: {}
users:
- name: k8ts-admin
  user:
    client-certificate-data: ${cert}
    client-key-data: S0VZ
`;
}

const existing = `# my clusters
apiVersion: v1
kind: Config
clusters:
- name: prod # keep me
  cluster:
    server: https://prod.example:6443
contexts:
- name: prod
  context: {cluster: prod, user: alice}
users:
- name: alice
  user: {token: secret}
current-context: prod
`;

test('merge into nothing creates a kubeconfig with cluster, user and context k8ts, current', () => {
  const kc = parse(mergeKubeconfig(undefined, ours()));
  assert.equal(kc.kind, 'Config');
  assert.equal(kc['current-context'], 'k8ts');
  assert.deepEqual(kc.clusters, [{ name: 'k8ts', cluster: { 'certificate-authority-data': 'Q0EtMQ==', server: 'https://127.0.0.1:6443' } }]);
  assert.deepEqual(kc.users, [{ name: 'k8ts', user: { 'client-certificate-data': 'Q0VSVC0x', 'client-key-data': 'S0VZ' } }]);
  assert.deepEqual(kc.contexts, [{ name: 'k8ts', context: { cluster: 'k8ts', user: 'k8ts' } }]);
  assert.equal(parse(mergeKubeconfig('', ours()))['current-context'], 'k8ts', 'an empty file too');
});

test('merge keeps other entries and comments, and replaces an earlier k8ts entry', () => {
  const once = mergeKubeconfig(existing, ours());
  assert.match(once, /# my clusters/);
  assert.match(once, /# keep me/);
  const kc = parse(once);
  assert.deepEqual(kc.clusters.map((c: { name: string }) => c.name), ['prod', 'k8ts']);
  assert.deepEqual(kc.users.map((c: { name: string }) => c.name), ['alice', 'k8ts']);
  assert.equal(kc.users[0].user.token, 'secret');
  assert.equal(kc['current-context'], 'k8ts');
  const twice = parse(mergeKubeconfig(once, ours('Q0EtMg==', 'Q0VSVC0y', 'https://127.0.0.1:7443')));
  assert.equal(twice.clusters.length, 2, 'replaced, not added');
  assert.equal(twice.clusters[1].cluster.server, 'https://127.0.0.1:7443');
  const named = parse(mergeKubeconfig(once, ours('Q0EtMg=='), 'dev'));
  assert.deepEqual(named.contexts.map((c: { name: string }) => c.name), ['prod', 'k8ts', 'dev']);
  assert.equal(named['current-context'], 'dev');
});

test('merge into a file without some sections, or with null ones', () => {
  const kc = parse(mergeKubeconfig('apiVersion: v1\nkind: Config\nclusters: null\n', ours()));
  assert.equal(kc.clusters.length, 1);
  assert.equal(kc.users.length, 1);
  assert.throws(() => mergeKubeconfig('- a\n', ours()), /not a YAML mapping/);
  assert.throws(() => mergeKubeconfig('a: [\n', ours()), /not valid YAML/);
});

test('remove takes out what carries our CA and client certificate, whatever the names', () => {
  const merged = mergeKubeconfig(mergeKubeconfig(existing, ours()), ours(), 'second');
  const r = removeFromKubeconfig(merged, ours());
  const kc = parse(r.text);
  assert.deepEqual(kc.clusters.map((c: { name: string }) => c.name), ['prod']);
  assert.deepEqual(kc.users.map((c: { name: string }) => c.name), ['alice']);
  assert.deepEqual(kc.contexts.map((c: { name: string }) => c.name), ['prod']);
  assert.equal(kc['current-context'], undefined, 'the current context was ours');
  assert.deepEqual(r.removed.sort(), ['cluster k8ts', 'cluster second', 'context k8ts', 'context second', 'user k8ts', 'user second']);
  assert.match(r.text, /# keep me/);
  // Another cluster's entries (other CA) stay.
  const other = mergeKubeconfig(existing, ours('T1RIRVI=', 'T1RIRVI='));
  assert.deepEqual(removeFromKubeconfig(other, ours()).removed, []);
});

test('userKubeconfigPath: first file of $KUBECONFIG, else ~/.kube/config', () => {
  assert.equal(userKubeconfigPath({ KUBECONFIG: '/a/one:/b/two', HOME: '/h' }), '/a/one');
  assert.equal(userKubeconfigPath({ HOME: '/h' }), '/h/.kube/config');
});

test('merge into and remove from the user file (mode 0600)', () => {
  const home = mkdtempSync(join(tmpdir(), 'k8ts-kc-test-'));
  try {
    const env = { HOME: home };
    const file = mergeIntoUserKubeconfig(ours(), 'k8ts', env);
    assert.equal(file, join(home, '.kube', 'config'));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(parse(readFileSync(file, 'utf8'))['current-context'], 'k8ts');
    const r = removeFromUserKubeconfig(ours(), env);
    assert.deepEqual(r.removed.sort(), ['cluster k8ts', 'context k8ts', 'user k8ts']);
    assert.doesNotMatch(readFileSync(file, 'utf8'), /Q0VSVC0x/);
    writeFileSync(file, existing);
    mergeIntoUserKubeconfig(ours(), 'k8ts', env);
    removeFromUserKubeconfig(ours(), env);
    const { 'current-context': _current, ...rest } = parse(existing) as Record<string, unknown>;
    assert.deepEqual(parse(readFileSync(file, 'utf8')), rest, 'the original entries, less the current context that was ours');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
